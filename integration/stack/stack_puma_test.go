package stack

// Puma, the web server of issue 19's product, behind `bash startup.sh`
// without exec: single mode and cluster mode (-w 2 as PUMA_WORKERS=2),
// one slow request in flight when the orchestrator stops the container.

import (
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// slowGet asks for /slow?s=12 and returns the status and the whole body.
func slowGet(w work) (string, error) {
	c := &http.Client{Timeout: stackPatience, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(w.port) + "/slow?s=" + strconv.Itoa(int(stackWork.Seconds())))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.Status + " " + string(b), err
	}
	return resp.Status + " " + string(b), nil
}

// slept is the full reply of the slow endpoint.
var slept = "200 OK slept " + strconv.Itoa(int(stackWork.Seconds())) + "\n"

func pumaCases(mode string) []stackCase {
	workers := map[string]string{"single": "PUMA_WORKERS=0", "cluster": "PUMA_WORKERS=2"}[mode]
	bash := []string{"bash", testdata("puma") + "/startup.sh"}
	dash := []string{"sh", "-c", "cd '" + testdata("puma") + "' && puma -C ./puma.rb ./config.ru"}
	cases := []stackCase{
		// Puma re-raises SIGTERM once it has stopped: bash's 143 is PID 1's.
		{name: "ginit", args: append([]string{"--"}, bash...), want: completed, code: 143},
		{name: "ginit -g", args: append([]string{"-g", "--"}, bash...), want: completed, code: 143},
		{name: "ginit --grace 28s", args: append([]string{"--grace", "28s", "--"}, bash...), want: completed, code: 143},
		// Shell-form CMD: dash does not exec the last command of -c either.
		{name: "ginit, sh -c", args: append([]string{"--"}, dash...), want: completed, code: 143},
	}
	cases = append(cases, anchors(bash...)...)
	for i := range cases {
		cases[i].name = "puma " + mode + ", " + cases[i].name
		cases[i].env = []string{workers}
	}
	return cases
}

// launchPuma (TestHeavyStack): the in-flight request gets its full
// response under ginit, new connections are refused once the stop began,
// and ginit exits within a second of Puma; under every anchor the request
// is cut.
func launchPuma(t *testing.T) func(*testing.T) {
	if why := missing("puma", "puma", "bash", "bash", "dash", "dash"); why != "" {
		return skipped(why)
	}
	cases := append(pumaCases("single"), pumaCases("cluster")...)
	app := stackApp{ready: listening, request: slowGet, reply: slept, probe: true, exits: true}
	return launchStack(t, app, cases, func(t *testing.T, c stackCase, s served, r *itest.Run) {
		if c.init != "" {
			return
		}
		if s.refused == 0 {
			t.Errorf("new connections were still accepted while the request was in flight")
		}
		if s.appGone.IsZero() {
			t.Errorf("the app's exit was not seen")
		} else if d := s.exitAt.Sub(s.appGone); d > time.Second {
			t.Errorf("ginit exited %v after the app, want within a second", d)
		}
	})
}
