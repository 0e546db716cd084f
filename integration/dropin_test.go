package integration

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ginit-dev/ginit/integration/internal/itest"
	"github.com/ginit-dev/ginit/signals"
)

// Drop-in cases beside the oracle: what tini survives or honours that a
// command line cannot show.

// killInit sends PID 1 every fault signal, by kill and by sigqueue; then
// it records as args say.
func killInit(args []string) int {
	for _, s := range signals.Faults {
		if err := syscall.Kill(1, s); err != nil {
			fmt.Println("kill:", err)
		}
		if err := sigqueue(1, s); err != nil {
			fmt.Println("sigqueue:", err)
		}
	}
	fmt.Println("sent every fault signal")
	return itest.Record(args)
}

// pdeathExec sets our parent-death signal to SIGKILL, as unshare
// --kill-child does, then execs args.
func pdeathExec(args []string) int {
	runtime.LockOSThread() // the setting is per thread: exec from the same one
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0); err != nil {
		fmt.Println("pdeathexec:", err)
		return 1
	}
	return itest.ExecOrFail("pdeathexec", args)
}

// rawEnv execs args with GINIT_RAW_ENV's "|"-separated entries added as
// they are, duplicates and all.
func rawEnv(args []string) int {
	env := append(os.Environ(), strings.Split(os.Getenv("GINIT_RAW_ENV"), "|")...)
	err := syscall.Exec(args[0], args, env) // exec.Cmd would drop duplicate keys
	fmt.Fprintln(os.Stderr, "rawenv:", err)
	return 1
}

// ttyRecord prints "got SIGNAME" for SIGTTIN, SIGTTOU and SIGWINCH; it
// exits 7 on SIGWINCH.
func ttyRecord([]string) int {
	c := make(chan os.Signal, 8)
	signal.Notify(c, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGWINCH)
	fmt.Println("ready")
	for s := range c {
		fmt.Println("got", signals.Name(s.(syscall.Signal)))
		if s == syscall.SIGWINCH {
			return 7
		}
	}
	return 0
}

// noDAC drops the capabilities that bypass file permissions, for good
// (exec included), then execs args.
func noDAC(args []string) int {
	for _, c := range []uintptr{unix.CAP_DAC_OVERRIDE, unix.CAP_DAC_READ_SEARCH} {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, c, 0, 0, 0); err != nil {
			fmt.Println("nodac:", err)
			return 1
		}
	}
	return itest.ExecOrFail("nodac", args)
}

// subreaperExec makes this process a child subreaper, then execs args (the
// bit survives exec).
func subreaperExec(args []string) int {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Println("subreaperexec:", err)
		return 1
	}
	return itest.ExecOrFail("subreaperexec", args)
}

// sigqueue sends sig with si_code SI_QUEUE, as sigqueue(3) and util-linux's
// kill -q do. The Go runtime would crash on such a SIGSEGV even when
// os/signal asked for it: it trusts only SI_USER and SI_TKILL as sent.
func sigqueue(pid int, sig syscall.Signal) error {
	var info [128]byte // siginfo_t: signo, errno, code, then pid and uid
	*(*int32)(unsafe.Pointer(&info[0])) = int32(sig)
	*(*int32)(unsafe.Pointer(&info[8])) = -1 // SI_QUEUE
	*(*int32)(unsafe.Pointer(&info[16])) = int32(os.Getpid())
	*(*uint32)(unsafe.Pointer(&info[20])) = uint32(os.Getuid())
	_, _, e := syscall.RawSyscall(syscall.SYS_RT_SIGQUEUEINFO, uintptr(pid), uintptr(sig), uintptr(unsafe.Pointer(&info)))
	if e != 0 {
		return e
	}
	return nil
}

// A process inside the container sends PID 1 each fault signal, with kill
// and with sigqueue, and the test sends them too from outside: ginit keeps
// running, the app is not disturbed, and the exit code is the app's. (Under
// tini the kernel drops them: its PID 1 leaves them at their default.)
func TestFaultSignalsSentToPID1(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("killinit", "USR1", "7")})
	r.Expect("sent every fault signal")
	line := r.Expect("ready")
	if strings.Contains(r.Stdout(), "kill:") || strings.Contains(r.Stdout(), "sigqueue:") {
		t.Fatalf("could not send: %s", r.Stdout())
	}
	for _, s := range signals.Faults {
		r.Signal(s)
	}
	r.Signal(syscall.SIGUSR1)
	r.Expect("got SIGUSR1")
	if code := r.Wait(); code != 7 {
		t.Errorf("exit %d, want 7, the app's (%s)", code, line)
	}
	for _, s := range signals.Faults {
		if strings.Contains(r.Stdout(), "got "+signals.Name(s)) {
			t.Errorf("%s was forwarded to the app", signals.Name(s))
		}
	}
	if strings.Contains(r.Stderr(), "goroutine") {
		t.Errorf("ginit crashed:\n%s", r.Stderr())
	}
}

// -p SIGUSR1 under a launcher that had set its own parent-death signal
// (SIGKILL, as unshare --kill-child does) on the thread that exec'd ginit:
// when the launcher's parent dies, ginit gets SIGUSR1 and forwards it. The
// kernel sends each thread's parent-death signal, so ginit must replace the
// launcher's on the main thread, not set its own on another.
func TestParentDeathSignalOverLaunchers(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: append([]string{"-s", "-p", "SIGUSR1", "--"}, itest.Helper("record", "USR1", "5")...),
		Via: "parent pdeathexec", NotNS: true})
	r.Expect("ready")
	r.Signal(syscall.SIGKILL) // the parent
	// If ginit died of the launcher's SIGKILL, the app still holds stdout
	// and never prints this: the wait then ends at itest.Patience.
	r.Expect("got SIGUSR1")
}

// A launcher made ginit's process a child subreaper before exec: ginit,
// like tini, asks the kernel and does not warn that it is neither PID 1
// nor a subreaper.
func TestSubreaperSetByLauncher(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("exit", "3"), NotNS: true, Via: "subreaperexec"})
	if code := r.Wait(); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	if strings.Contains(r.Stderr(), "not PID 1") {
		t.Errorf("warned although a subreaper: %s", r.Stderr())
	}
}

// SIGTTIN and SIGTTOU sent to PID 1 are not forwarded: tini ignores them,
// and ginit catches them only so that it is never stopped by a terminal.
// SIGWINCH, sent after them, is forwarded and ends the app.
func TestTerminalStopSignalsNotForwarded(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("ttyrecord")})
	r.Expect("ready")
	r.Signal(syscall.SIGTTIN)
	r.Signal(syscall.SIGTTOU)
	r.Signal(syscall.SIGWINCH)
	r.Expect("got SIGWINCH")
	if code := r.Wait(); code != 7 {
		t.Errorf("exit %d, want 7", code)
	}
	if strings.Contains(r.Stdout(), "got SIGTT") {
		t.Errorf("forwarded to the app:\n%s", r.Stdout())
	}
}

// TINI_VERBOSITY is read as tini reads it, garbage included ("loud" is 0,
// errors only), and ginit says so once, whatever the level. A level
// above 4 is tini's most verbose (tini-static 0.19 prints TRACE lines at
// 7), 4 here, with the same one warning.
func TestTiniVerbosityGarbage(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("exit", "4"), Env: []string{"TINI_VERBOSITY=loud"}})
	if code := r.Wait(); code != 4 {
		t.Errorf("exit %d, want 4, the app's", code)
	}
	if !strings.Contains(r.Stderr(), `TINI_VERBOSITY="loud"`) || strings.Count(r.Stderr(), "\n") != 1 {
		t.Errorf("want one warning line naming TINI_VERBOSITY, got %q", r.Stderr())
	}
	r = itest.Start(t, itest.Opts{Args: itest.Helper("exit", "4"), Env: []string{"TINI_VERBOSITY=7"}})
	if code := r.Wait(); code != 4 {
		t.Errorf("TINI_VERBOSITY=7: exit %d, want 4, the app's", code)
	}
	if !strings.Contains(r.Stderr(), `TINI_VERBOSITY="7" is not a level from 0 to 4; read as 4`) ||
		!strings.Contains(r.Stderr(), "ginit: trace ") {
		t.Errorf("TINI_VERBOSITY=7: want the warning and level 4's trace lines, got %q", r.Stderr())
	}
}
