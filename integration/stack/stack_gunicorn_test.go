package stack

// gunicorn with sync workers behind `bash startup.sh` without exec: one
// slow request in flight when the orchestrator stops the container.

import (
	"path/filepath"
	"testing"
)

// launchGunicorn (TestHeavyStack): the in-flight request completes under
// ginit, and is cut under every anchor.
func launchGunicorn(t *testing.T) func(*testing.T) {
	if why := missing("gunicorn", "gunicorn", "bash", "bash"); why != "" {
		return skipped(why)
	}
	bash := []string{"bash", filepath.Join(testdata("gunicorn"), "startup.sh")}
	cases := []stackCase{
		// gunicorn's arbiter exits 0 after a graceful stop; bash died of SIGTERM.
		{name: "ginit", args: append([]string{"--"}, bash...), want: completed, code: 143},
		{name: "ginit -g", args: append([]string{"-g", "--"}, bash...), want: completed, code: 143},
		{name: "ginit --grace 28s", args: append([]string{"--grace", "28s", "--"}, bash...), want: completed, code: 143},
	}
	cases = append(cases, anchors(bash...)...)
	for i := range cases {
		cases[i].name = "gunicorn, " + cases[i].name
	}
	app := stackApp{ready: listening, request: slowGet, reply: slept}
	return launchStack(t, app, cases, nil)
}
