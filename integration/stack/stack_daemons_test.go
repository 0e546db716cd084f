package stack

// Several daemons behind one script, a common container: nginx proxying
// to php-fpm, and Debian's cron, all started with & by one startup.sh, one
// slow PHP request in flight through nginx when the orchestrator stops the
// container. In the two shapes the docs give a line for (doc/shutdown.md,
// "Several daemons behind one script"): a keep-alive foreground command,
// and a trap that passes each daemon its own graceful stop signal.

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// launchDaemons (TestHeavyStackSignals): under the line the docs give for
// each shape the request in flight completes, php-fpm and nginx each get
// SIGQUIT once (their graceful stop), and the container exits by itself,
// within a second of its last daemon, with the code the docs state. Under
// tini the request is cut in both shapes.
func launchDaemons(t *testing.T) func(*testing.T) {
	if why := missing("php-fpm8.2", "php8.2-fpm", "nginx", "nginx", "cron", "cron", "bash", "bash"); why != "" {
		return skipped(why)
	}
	keep := []string{"bash", filepath.Join(testdata("multi"), "startup-keepalive.sh")}
	trap := []string{"bash", filepath.Join(testdata("multi"), "startup-trap.sh")}
	cases := []stackCase{
		// bash's foreground tail dies of SIGQUIT: bash exits 131.
		{name: "keep-alive, ginit -r TERM:QUIT", args: append([]string{"-r", "TERM:QUIT", "--"}, keep...), want: completed, code: 131},
		// The trap ran: bash's wait returned 143, its last status.
		{name: "trap, ginit", args: append([]string{"--"}, trap...), want: completed, code: 143},
		{name: "keep-alive, tini-static", init: "tini-static", args: append([]string{"--"}, keep...), want: lost, code: -1},
		{name: "trap, tini-static", init: "tini-static", args: append([]string{"--"}, trap...), want: lost, code: -1},
	}
	for i := range cases {
		cases[i].name = "several daemons, " + cases[i].name
		cases[i].via = "ownrun" // cron's lock file: a /run of the case's own
	}
	ready := func(port int) bool {
		reply, err := httpGet(port, "/ok.php")
		return err == nil && reply == "200 OK ok\n"
	}
	slow := func(w work) (string, error) { return httpGet(w.port, "/slow.php"+slowQuery) }
	app := stackApp{ready: ready, request: slow, reply: "200 OK " + sleptWork, exits: true}
	return launchStack(t, app, cases, func(t *testing.T, c stackCase, s served, r *itest.Run) {
		if c.init != "" {
			return
		}
		log := r.Stderr()
		for _, l := range strings.Split(log, "\n") {
			if strings.HasPrefix(l, "ginit:") && !strings.Contains(l, "waiting for processes") {
				t.Log(l) // where the stop went: for doc/testing.md
			}
		}
		gotOnce(t, log, "php-fpm", []string{"NOTICE: Finishing ..."}, "NOTICE: Terminating ...")
		gotOnce(t, log, "nginx", []string{"signal 3 (SIGQUIT) received"}, "(SIGTERM) received", "(SIGINT) received")
		promptly(t, s, "the daemons")
		if strings.HasPrefix(c.name, "several daemons, keep-alive") && !ginitSaid(log, "cron", "SIGTERM") {
			t.Errorf("ginit did not say that cron, which ignores SIGQUIT, got SIGTERM instead")
		}
		if strings.HasPrefix(c.name, "several daemons, trap") && strings.Contains(log, "without passing it on") {
			t.Errorf("ginit took the script's exit after its trap for a death of SIGTERM")
		}
	})
}

// ginitSaid: one of ginit's own lines holds every word.
func ginitSaid(log string, words ...string) bool {
	for _, l := range strings.Split(log, "\n") {
		if !strings.HasPrefix(l, "ginit") {
			continue
		}
		all := true
		for _, w := range words {
			all = all && strings.Contains(l, w)
		}
		if all {
			return true
		}
	}
	return false
}
