package integration

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// The stop signal after -r goes to a main child that ignores it: bash
// ignores SIGQUIT in every mode, so -r TERM:QUIT behind a wrapper script
// (doc/shutdown.md's advice for nginx) must still reach the app, at once and
// once, not when the orchestrator's SIGKILL ends it all.
func TestStopSignalIgnoredByWrapper(t *testing.T) {
	t.Parallel()
	app := strings.Join(itest.Helper("record", "QUIT", "0"), " ")
	for _, tc := range []struct {
		name  string
		args  []string
		group bool
	}{
		// "; true": bash would exec a lone command of -c itself.
		{"bash", []string{"-r", "TERM:QUIT", "--", "bash", "-c", app + "; true"}, false},
		{"trap '' QUIT", []string{"-r", "TERM:QUIT", "--", "sh", "-c", "trap '' QUIT; " + app + "; true"}, false},
		{"bash, -g", []string{"-g", "-r", "TERM:QUIT", "--", "bash", "-c", app + "; true"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := itest.Start(t, itest.Opts{Args: tc.args, Mount: true})
			r.Expect("ready pid=")
			r.Signal(syscall.SIGTERM)
			r.Expect("got SIGQUIT")
			if code := r.Wait(); code != 0 {
				t.Errorf("exit %d, want 0 (the shell's, after the app stopped)", code)
			}
			if n := strings.Count(r.Stdout(), "got SIGQUIT"); n != 1 {
				t.Errorf("the app got SIGQUIT %d times, want once:\n%s", n, r.Stdout())
			}
			stderr := r.Stderr()
			if !strings.Contains(stderr, "ignores SIGQUIT: delivered to the processes below it") {
				t.Errorf("the stop line does not say why the signal went below the main child:\n%s", stderr)
			}
			// With -g the group has it: nobody needs it from ginit.
			if sent := strings.Contains(stderr, "sent_to="); sent == tc.group {
				t.Errorf("the line names who got the signal from ginit: %v, want %v:\n%s", sent, !tc.group, stderr)
			}
			if strings.Contains(stderr, itest.WrapperWarning) {
				t.Errorf("a wrapper warning, although the app had the signal:\n%s", stderr)
			}
		})
	}
}

// A main child that blocks the stop signal takes it when it chooses: tini
// blocks every signal and reads them with sigtimedwait, then forwards them.
// ginit must not pass the signal below it as well: the app would get two.
func TestStopSignalBlockedByInit(t *testing.T) {
	t.Parallel()
	// Each init as the main child, for SIGTERM and for a rewritten
	// SIGQUIT: tini (sigtimedwait: its status shows nothing blocked while
	// it waits), dumb-init (a handler for everything), catatonit (a
	// signalfd: everything blocked). Each forwards the signal itself.
	for _, in := range []struct {
		name, pkg string
		args      []string
	}{
		{"tini-static", "tini", []string{"--"}},
		{"dumb-init", "dumb-init", nil},
		{"catatonit", "catatonit", []string{"--"}},
	} {
		for _, sig := range []string{"TERM", "QUIT"} {
			t.Run(in.name+" "+sig, func(t *testing.T) {
				t.Parallel()
				path, err := exec.LookPath(in.name)
				if err != nil {
					t.Skip("SKIP: no " + in.name + " (Debian's " + in.pkg + "; `make deps` installs it)")
				}
				args := append(append([]string{"-r", "TERM:" + sig, "--", path}, in.args...), itest.Helper("record", sig, "0")...)
				r := itest.Start(t, itest.Opts{Args: args, Mount: true})
				r.Expect("ready pid=")
				r.Signal(syscall.SIGTERM)
				r.Expect("got SIG" + sig)
				r.Wait()
				if n := strings.Count(r.Stdout(), "got SIG"+sig); n != 1 {
					t.Errorf("the app got SIG%s %d times, want once:\n%s\n%s", sig, n, r.Stdout(), r.Stderr())
				}
				if strings.Contains(r.Stderr(), "sent_to=") {
					t.Errorf("ginit sent the signal below the init as well:\n%s", r.Stderr())
				}
			})
		}
	}
}
