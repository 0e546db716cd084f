package integration

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// Each case of the stop plan (internal/stopplan), end to end: what the
// wrapper does with the signal decides who gets it from ginit, and the app
// gets it exactly once. The app is a worker with a 3 s job (longer than
// the time any test waits for a line, shorter than a test's patience): a
// second SIGTERM aborts its job (exit 99, "second SIGTERM").

func worker() string { return strings.Join(itest.Helper("worker", "3000"), " ") }
func recorder(exitOn string) string {
	return strings.Join(itest.Helper("record", exitOn, "0"), " ")
}

// onceEach fails unless stdout has want exactly n times.
func onceEach(t *testing.T, r *itest.Run, want string, n int) {
	t.Helper()
	if got := strings.Count(r.Stdout(), want); got != n {
		t.Errorf("%q %d times, want %d:\nstdout:\n%s\nstderr:\n%s", want, got, n, r.Stdout(), r.Stderr())
	}
}

func wantLog(t *testing.T, r *itest.Run, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(r.Stderr(), w) {
			t.Errorf("the log lacks %q:\n%s", w, r.Stderr())
		}
	}
}

// A stop is judged on the signal received: -r TERM:WINCH (Apache's
// graceful stop) is a stop, with --grace in force; a wrapper does nothing
// on SIGWINCH, so its child gets it from ginit. --stop-signal makes
// SIGWINCH itself a stop (an image whose STOPSIGNAL is SIGWINCH).
func TestStopRewrittenToWinch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		send syscall.Signal
	}{
		{"-r TERM:WINCH", []string{"--grace", "10m", "-r", "TERM:WINCH"}, syscall.SIGTERM},
		{"--stop-signal SIGWINCH", []string{"--grace", "10m", "--stop-signal", "SIGWINCH"}, syscall.SIGWINCH},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append(tc.args, "--", "bash", "-c", recorder("WINCH")+"; true")
			r := itest.Start(t, itest.Opts{Args: args, Mount: true})
			r.Expect("ready pid=")
			r.Signal(tc.send)
			r.Expect("got SIGWINCH")
			if code := r.Wait(); code != 0 {
				t.Errorf("exit %d, want 0 (the shell's, after the app stopped)", code)
			}
			onceEach(t, r, "got SIGWINCH", 1)
			wantLog(t, r, "stop signal received; delivered", "grace_ms=600000", "bash does nothing on SIGWINCH: delivered to the processes below it", "sent_to=")
		})
	}
}

// Every shell catches SIGINT only to wait for its foreground child: the
// child gets SIGINT from ginit, once, as from a terminal's Ctrl-C.
func TestStopIntBehindShell(t *testing.T) {
	t.Parallel()
	// bash goes on when its child did not die of SIGINT (it exited 0
	// here); dash and busybox then die of the SIGINT they had: 130, as
	// after a Ctrl-C at a terminal.
	shells := []struct {
		argv []string
		code int
	}{{[]string{"bash"}, 0}, {[]string{"dash"}, 130}}
	if _, err := exec.LookPath("busybox"); err == nil {
		shells = append(shells, struct {
			argv []string
			code int
		}{[]string{"busybox", "sh"}, 130})
	}
	for _, sh := range shells {
		t.Run(sh.argv[0], func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{"--"}, sh.argv...), "-c", recorder("INT")+"; true")
			r := itest.Start(t, itest.Opts{Args: args, Mount: true})
			r.Expect("ready pid=")
			r.Signal(syscall.SIGINT)
			r.Expect("got SIGINT")
			if code := r.Wait(); code != sh.code {
				t.Errorf("exit %d, want %d", code, sh.code)
			}
			onceEach(t, r, "got SIGINT", 1)
			wantLog(t, r, "catches SIGINT only to wait for its child")
		})
	}
}

// A wrapper with its own trap passes the stop on itself; ginit adds no
// second copy, neither at the stop nor in the drain once the wrapper has
// exited (with 143: bash's wait returns as soon as the trap has run).
func TestStopTrapIsTheWrappers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, script string }{
		{"kill -TERM $pid; wait $pid", "trap 'kill -TERM $pid; wait $pid' TERM; " + worker() + " & pid=$!; wait $pid"},
		{"kill $pid, one wait", "trap 'kill -TERM $pid' TERM; " + worker() + " & pid=$!; wait"},
		{"trap '' TERM; kill 0; wait", "trap 'trap \"\" TERM; kill 0; wait' TERM; " + worker() + " & wait"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := itest.Start(t, itest.Opts{Args: []string{"--", "bash", "-c", tc.script}, Mount: true})
			r.Expect("worker ready")
			r.Signal(syscall.SIGTERM)
			r.Expect("worker: SIGTERM, finishing job")
			r.Wait()
			onceEach(t, r, "worker: job done", 1)
			onceEach(t, r, "second SIGTERM", 0)
			wantLog(t, r, "has a trap for SIGTERM")
			if strings.Contains(r.Stderr(), itest.WrapperWarning) {
				t.Errorf("a wrapper warning for a wrapper that passed the signal on:\n%s", r.Stderr())
			}
		})
	}
}

// A trap that only cleans up looks the same from outside as one that
// passes the stop on. By default ginit keeps the stop the script began:
// it says so at once and waits (here until --grace, the deadline under
// test); --signal-after-trap sends the app the stop signal from the drain.
func TestStopCleanupTrap(t *testing.T) {
	t.Parallel()
	script := "trap 'echo cleaned up' TERM; " + worker() + " & wait"
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		r := itest.Start(t, itest.Opts{Args: []string{"--grace", "4s", "--", "bash", "-c", script}, Mount: true})
		r.Expect("worker ready")
		r.Signal(syscall.SIGTERM)
		r.ExpectErr("--signal-after-trap sends them SIGTERM")
		if code := r.Wait(); code != 137 {
			t.Errorf("exit %d, want 137 (the grace period killed the app)", code)
		}
		onceEach(t, r, "worker: SIGTERM", 0)
		wantLog(t, r, "left_to_trap=")
	})
	t.Run("--signal-after-trap", func(t *testing.T) {
		t.Parallel()
		r := itest.Start(t, itest.Opts{Args: []string{"--signal-after-trap", "--", "bash", "-c", script}, Mount: true})
		r.Expect("worker ready")
		r.Signal(syscall.SIGTERM)
		if code := r.Wait(); code != 143 {
			t.Errorf("exit %d, want 143 (bash's, after its trap)", code)
		}
		onceEach(t, r, "worker: job done", 1)
		wantLog(t, r, "--signal-after-trap: its children get SIGTERM from the drain")
	})
}

// With -g the group gets the signal; a child that left the group
// (setsid: php-fpm's master) is not reached by it, and gets it from
// ginit, once.
func TestStopGroupAndSetsid(t *testing.T) {
	t.Parallel()
	script := "setsid " + recorder("QUIT") + " & " + recorder("QUIT") + "; wait"
	r := itest.Start(t, itest.Opts{Args: []string{"-g", "-r", "TERM:QUIT", "--", "bash", "-c", script}, Mount: true})
	r.Expect("ready pid=")
	r.Expect("ready pid=")
	r.Signal(syscall.SIGTERM)
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	onceEach(t, r, "got SIGQUIT", 2)
	wantLog(t, r, "to=group", "sent_to=")
}

// A process that ignores the signal ginit is about to send it (bash's &
// jobs ignore SIGINT and SIGQUIT: sleep here, cron in a real container)
// gets SIGTERM instead, and the log says so; one that ignores SIGTERM too
// is named at once as one only a deadline will stop.
func TestStopIgnoredGetsTerm(t *testing.T) {
	t.Parallel()
	t.Run("SIGTERM instead", func(t *testing.T) {
		t.Parallel()
		r := itest.Start(t, itest.Opts{Args: []string{"-r", "TERM:QUIT", "--", "bash", "-c",
			"sleep 1000 & " + recorder("QUIT") + "; wait"}, Mount: true})
		r.Expect("ready pid=")
		r.Signal(syscall.SIGTERM)
		r.Wait()
		onceEach(t, r, "got SIGQUIT", 1)
		wantLog(t, r, "sigterm_instead=", "(sleep)")
	})
	t.Run("deaf", func(t *testing.T) {
		t.Parallel()
		r := itest.Start(t, itest.Opts{Args: []string{"--grace", "3s", "-r", "TERM:QUIT", "--", "bash", "-c",
			"(trap '' TERM QUIT; echo deaf ready; exec sleep 1000) & wait"}, Mount: true})
		r.Expect("deaf ready")
		r.Signal(syscall.SIGTERM)
		r.ExpectErr("only a deadline will stop them")
		if code := r.Wait(); code != 137 {
			t.Errorf("exit %d, want 137", code)
		}
	})
}
