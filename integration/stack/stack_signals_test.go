package stack

// The real-stack tests of issue 23: apps whose graceful stop is not SIGTERM
// (Apache's SIGWINCH, php-fpm's and nginx's SIGQUIT, PostgreSQL's SIGINT),
// each behind `bash startup.sh` without exec, and several daemons behind
// one script. Each stop must reach the app exactly once, whatever bash does
// with the signal: the tests count, in each server's own log, the stop
// signals it says it got.

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// signalWork is how long the unit of work in flight takes here: the
// signal is sent 1 s into it, so it needs 7 s after the stop, more than
// any bound ginit ever set by itself (oldBound).
const signalWork = 8 * time.Second

// sleptWork is the body of a slow page that ran in full.
var sleptWork = "slept " + strconv.Itoa(int(signalWork.Seconds())) + "\n"

// TestHeavyStackSignals runs every app at once, as TestHeavyStack does;
// Docker last, its image built while the others' work is in flight.
func TestHeavyStackSignals(t *testing.T) {
	t.Parallel()
	stackApps(t, []stackLaunch{
		{"apache", launchApache}, {"php-fpm", launchPHPFPM}, {"several daemons", launchDaemons},
		{"postgres", launchPostgres}, {"docker postgres", launchDockerPostgres},
	})
}

// httpGet asks for path and returns the status and the whole body.
func httpGet(port int, path string) (string, error) {
	c := &http.Client{Timeout: stackPatience, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(port) + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.Status + " " + string(b), err
}

// slowQuery asks a slow page for signalWork.
var slowQuery = "?s=" + strconv.Itoa(int(signalWork.Seconds()))

// gotOnce checks that a server's log says it got its stop signal once
// (once, each the line it writes for it) and no other stop signal (never,
// each a line it would write for one).
func gotOnce(t *testing.T, log, who string, once []string, never ...string) {
	t.Helper()
	for _, l := range once {
		if n := strings.Count(log, l); n != 1 {
			t.Errorf("%s logged %q %d times, want once", who, l, n)
		}
	}
	for _, l := range never {
		if strings.Contains(log, l) {
			t.Errorf("%s logged %q: it got a stop signal it must not get", who, l)
		}
	}
}

// promptly checks that ginit exited by itself well before the
// orchestrator's deadline, and within a second of the app's last process.
func promptly(t *testing.T, s served, app string) {
	t.Helper()
	if s.took > orchestratorDeadline/2 {
		t.Errorf("ginit exited %v after the stop, want well before the orchestrator's %v", s.took, orchestratorDeadline)
	}
	if s.appGone.IsZero() {
		t.Errorf("%s's exit was not seen", app)
	} else if d := s.exitAt.Sub(s.appGone); d > time.Second {
		t.Errorf("ginit exited %v after %s, want within a second", d, app)
	}
}

// killedAnchor checks, for an init that must leave the app running on, that
// the orchestrator had to SIGKILL it: else the case proves nothing.
func killedAnchor(t *testing.T, s served) {
	t.Helper()
	if !s.killed {
		t.Errorf("the app stopped without the orchestrator's SIGKILL: the case proves nothing")
	}
}
