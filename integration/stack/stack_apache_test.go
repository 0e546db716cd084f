package stack

// Apache httpd behind `bash startup.sh` without exec, one slow CGI page in
// flight when the orchestrator stops the container. Apache's graceful stop
// is SIGWINCH (its SIGTERM is a fast stop); bash's default action for
// SIGWINCH is to ignore it, so ginit must deliver it below bash.

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// launchApache (TestHeavyStackSignals): with -r TERM:WINCH, and with
// --stop-signal SIGWINCH when the orchestrator sends SIGWINCH itself (an
// image FROM httpd, whose STOPSIGNAL it is), the page in flight completes,
// Apache gets SIGWINCH once, and ginit exits within a second of it. Under
// tini the page is cut (SIGTERM: bash dies, then the kernel kills Apache)
// or Apache serves on until the orchestrator's SIGKILL (SIGWINCH: bash
// ignores it).
func launchApache(t *testing.T) func(*testing.T) {
	if why := missing("apache2", "apache2", "bash", "bash"); why != "" {
		return skipped(why)
	}
	bash := []string{"bash", filepath.Join(testdata("apache"), "startup.sh")}
	cases := []stackCase{
		// Apache exits 0 after a graceful stop, but ends it with SIGTERM to
		// its own process group (its children that are left), which is
		// bash's: bash dies of it, and its 143 is PID 1's.
		{name: "ginit -r TERM:WINCH", args: append([]string{"-r", "TERM:WINCH", "--"}, bash...), want: completed, code: 143},
		{name: "ginit --stop-signal SIGWINCH, SIGWINCH sent", args: append([]string{"--stop-signal", "SIGWINCH", "--"}, bash...),
			want: completed, code: 143, sig: syscall.SIGWINCH},
		{name: "tini-static", init: "tini-static", args: append([]string{"--"}, bash...), want: lost, code: -1},
		// The page completes, but nothing stops: the SIGKILL is the verdict.
		{name: "tini-static, SIGWINCH sent", init: "tini-static", args: append([]string{"--"}, bash...), code: -1, sig: syscall.SIGWINCH},
	}
	for i := range cases {
		cases[i].name = "apache, " + cases[i].name
	}
	slow := func(w work) (string, error) { return httpGet(w.port, "/cgi-bin/slow"+slowQuery) }
	app := stackApp{ready: listening, request: slow, reply: "200 OK " + sleptWork, exits: true}
	return launchStack(t, app, cases, func(t *testing.T, c stackCase, s served, r *itest.Run) {
		if c.init != "" {
			if c.sig == syscall.SIGWINCH {
				killedAnchor(t, s)
			}
			return
		}
		gotOnce(t, r.Stderr(), "Apache", []string{"caught SIGWINCH, shutting down gracefully"}, "caught SIGTERM")
		promptly(t, s, "Apache")
	})
}
