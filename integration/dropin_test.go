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

	"github.com/ginit-dev/ginit/signals"
	"golang.org/x/sys/unix"
)

// Drop-in cases beside the oracle: what tini survives or honours that a
// command line cannot show.

// dropinHelper runs the helpers of this file; ok is false for other names.
func dropinHelper(name string, args []string) (code int, ok bool) {
	switch name {
	case "killinit": // send PID 1 every fault signal, by kill and by sigqueue; then record args
		for _, s := range signals.Faults {
			if err := syscall.Kill(1, s); err != nil {
				fmt.Println("kill:", err)
			}
			if err := sigqueue(1, s); err != nil {
				fmt.Println("sigqueue:", err)
			}
		}
		fmt.Println("sent every fault signal")
		return record(args), true
	case "pdeathexec": // set our parent-death signal to SIGKILL, as unshare --kill-child does, then exec
		runtime.LockOSThread() // the setting is per thread: exec from the same one
		if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0); err != nil {
			fmt.Println("pdeathexec:", err)
			return 1, true
		}
		return execOrFail(name, args), true
	case "rawenv": // exec with GINIT_RAW_ENV's "|"-separated entries added as they are, duplicates and all
		env := append(os.Environ(), strings.Split(os.Getenv("GINIT_RAW_ENV"), "|")...)
		err := syscall.Exec(args[0], args, env) // exec.Cmd would drop duplicate keys
		fmt.Fprintln(os.Stderr, "rawenv:", err)
		return 1, true
	case "ttyrecord": // print "got SIGNAME" for SIGTTIN, SIGTTOU and SIGWINCH; exit 7 on SIGWINCH
		c := make(chan os.Signal, 8)
		signal.Notify(c, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGWINCH)
		fmt.Println("ready")
		for s := range c {
			fmt.Println("got", signals.Name(s.(syscall.Signal)))
			if s == syscall.SIGWINCH {
				return 7, true
			}
		}
	case "nodac": // drop the capabilities that bypass file permissions, for good (exec included), then exec
		for _, c := range []uintptr{unix.CAP_DAC_OVERRIDE, unix.CAP_DAC_READ_SEARCH} {
			if err := unix.Prctl(unix.PR_CAPBSET_DROP, c, 0, 0, 0); err != nil {
				fmt.Println("nodac:", err)
				return 1, true
			}
		}
		return execOrFail(name, args), true
	case "subreaperexec": // make this process a child subreaper, then exec (the bit survives exec)
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			fmt.Println("subreaperexec:", err)
			return 1, true
		}
		return execOrFail(name, args), true
	}
	return 0, false
}

func execOrFail(name string, argv []string) int {
	err := syscall.Exec(argv[0], argv, os.Environ())
	fmt.Fprintln(os.Stderr, name+":", err)
	return 1
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
	r := start(t, opts{args: helper("killinit", "USR1", "7")})
	r.expect("sent every fault signal")
	line := r.expect("ready")
	if strings.Contains(r.stdout(), "kill:") || strings.Contains(r.stdout(), "sigqueue:") {
		t.Fatalf("could not send: %s", r.stdout())
	}
	for _, s := range signals.Faults {
		r.signal(s)
	}
	r.signal(syscall.SIGUSR1)
	r.expect("got SIGUSR1")
	if code := r.wait(); code != 7 {
		t.Errorf("exit %d, want 7, the app's (%s)", code, line)
	}
	for _, s := range signals.Faults {
		if strings.Contains(r.stdout(), "got "+signals.Name(s)) {
			t.Errorf("%s was forwarded to the app", signals.Name(s))
		}
	}
	if strings.Contains(r.stderr(), "goroutine") {
		t.Errorf("ginit crashed:\n%s", r.stderr())
	}
}

// -p SIGUSR1 under a launcher that had set its own parent-death signal
// (SIGKILL, as unshare --kill-child does) on the thread that exec'd ginit:
// when the launcher's parent dies, ginit gets SIGUSR1 and forwards it. The
// kernel sends each thread's parent-death signal, so ginit must replace the
// launcher's on the main thread, not set its own on another.
func TestParentDeathSignalOverLaunchers(t *testing.T) {
	t.Parallel()
	r := start(t, opts{args: append([]string{"-s", "-p", "SIGUSR1", "--"}, helper("record", "USR1", "5")...),
		via: "parent pdeathexec", notNS: true})
	r.expect("ready")
	r.signal(syscall.SIGKILL) // the parent
	// If ginit died of the launcher's SIGKILL, the app still holds stdout
	// and never prints this: the wait then ends at patience.
	r.expect("got SIGUSR1")
}

// A launcher made ginit's process a child subreaper before exec: ginit,
// like tini, asks the kernel and does not warn that it is neither PID 1
// nor a subreaper.
func TestSubreaperSetByLauncher(t *testing.T) {
	t.Parallel()
	r := start(t, opts{args: helper("exit", "3"), notNS: true, via: "subreaperexec"})
	if code := r.wait(); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	if strings.Contains(r.stderr(), "not PID 1") {
		t.Errorf("warned although a subreaper: %s", r.stderr())
	}
}

// SIGTTIN and SIGTTOU sent to PID 1 are not forwarded: tini ignores them,
// and ginit catches them only so that it is never stopped by a terminal.
// SIGWINCH, sent after them, is forwarded and ends the app.
func TestTerminalStopSignalsNotForwarded(t *testing.T) {
	t.Parallel()
	r := start(t, opts{args: helper("ttyrecord")})
	r.expect("ready")
	r.signal(syscall.SIGTTIN)
	r.signal(syscall.SIGTTOU)
	r.signal(syscall.SIGWINCH)
	r.expect("got SIGWINCH")
	if code := r.wait(); code != 7 {
		t.Errorf("exit %d, want 7", code)
	}
	if strings.Contains(r.stdout(), "got SIGTT") {
		t.Errorf("forwarded to the app:\n%s", r.stdout())
	}
}

// TINI_VERBOSITY is read as tini reads it, garbage included ("loud" is 0,
// errors only), and ginit says so once, whatever the level.
func TestTiniVerbosityGarbage(t *testing.T) {
	t.Parallel()
	r := start(t, opts{args: helper("exit", "4"), env: []string{"TINI_VERBOSITY=loud"}})
	if code := r.wait(); code != 4 {
		t.Errorf("exit %d, want 4, the app's", code)
	}
	if !strings.Contains(r.stderr(), `TINI_VERBOSITY="loud"`) || strings.Count(r.stderr(), "\n") != 1 {
		t.Errorf("want one warning line naming TINI_VERBOSITY, got %q", r.stderr())
	}
}
