// Command ginit is a tiny init for containers: it runs a program as its
// child, forwards signals to it, reaps zombies, and on shutdown gives the
// program and whatever it left behind time to finish before SIGKILL.
//
// It takes tini's flags, environment variables and exit codes; see the
// README for where it differs and why.
package main

import (
	"errors"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"unsafe"

	"github.com/ginit-dev/ginit/internal/cli"
	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/internal/spawn"
	"github.com/ginit-dev/ginit/reaper"
	"github.com/ginit-dev/ginit/signals"
	"golang.org/x/sys/unix"
)

// Set by the Makefile's -X flags, which name them main.version and
// main.commit: they stay here and are passed to cli. Unstamped, cli reads
// what the go command recorded instead.
var (
	version = "dev"
	commit  = "unknown"

	// The Makefile links with runtime.godebugDefault=asyncpreemptoff=1 and
	// sets this to "1" beside it. The runtime would otherwise send ginit
	// SIGURG to preempt goroutines, indistinguishable from a SIGURG meant for
	// the child; ginit's one loop never needs preempting. A build without the
	// setting does not catch SIGURG at all, as runc does.
	//
	// Not a //go:debug directive: the go command (1.26) refuses
	// "//go:debug asyncpreemptoff=1" as an unknown setting, in source and
	// in go.mod alike (golang/go#71283), so only -ldflags can set it.
	asyncPreemptOff = ""
)

// stopSigs is ginit's first act, before its own init and the command line:
// until a stop signal has a handler, the Go runtime's own exits 2 (as PID 1
// the kernel drops the default action, so the runtime gives up and exits),
// and the app never starts or never hears the stop. What runs before this
// is the Go runtime's start-up and the standard library's package
// initialisation; the README, Reliability, gives the window's measured size.
var stopSigs = catchStop()

// The command line is read in init, because init runs on the main thread
// (the runtime locks it there for package initialisation): the
// parent-death signal is a property of each thread, and a launcher's
// (unshare --kill-child's SIGKILL) sits on the main thread, the one that
// ran execve, so -p must replace it there. runtime.LockOSThread for all of
// main would do the same, but would make each signal.Notify in catchSignals
// a hand-off between threads: 2 ms more at every start.
var (
	cfg       *cli.Config
	cfgErr    error
	pdeathErr error // the failure to set -p, for setUp to report
)

func init() {
	cfg, cfgErr = cli.Parse(os.Args[1:], os.LookupEnv)
	if cfgErr == nil && cfg.Action == cli.ActRun && cfg.PdeathSig != 0 {
		// Set on ginit itself, as tini does: when ginit's parent dies, ginit
		// gets this signal and forwards it like any other.
		pdeathErr = prctlPdeathsig(cfg.PdeathSig)
	}
}

func main() {
	catchSignals(stopSigs)
	os.Exit(run(stopSigs))
}

func run(sigs chan os.Signal) int {
	if cfgErr != nil {
		// One line: the usage text would push the problem off a log viewer's screen.
		os.Stderr.WriteString("ginit: " + cfgErr.Error() + "; see ginit --help\n")
		return 1
	}
	switch cfg.Action {
	case cli.ActHelp:
		os.Stdout.WriteString(cli.Usage(version, commit))
		return 0
	case cli.ActVersion:
		os.Stdout.WriteString(cli.VersionLine(version, commit))
		return 0
	case cli.ActLicense:
		os.Stdout.WriteString(cli.License)
		return 0
	}
	lg := log.New(cfg.Verbosity, cfg.JSON)
	for _, w := range cfg.Warnings {
		// Shown at any level: the level itself may be what was garbled.
		lg.Log(log.LevelError, "warn", "config", w)
	}
	if err := setUp(cfg, lg); err != nil {
		lg.Error("setup", "cannot set up", log.Str("error", err.Error()))
		lg.Flush()
		return 1
	}
	s := &supervisor{cfg: cfg, log: lg, sigs: sigs}
	code, err := s.run()
	if err != nil {
		lg.Error("exec", "cannot start the program", log.Str("error", err.Error()))
		code = spawn.ExitCode(err)
	}
	s.finishLog(code, err)
	return code
}

// catchStop installs ginit's handlers for the stop signals, in a call of
// their own: each signal's first Notify is a round trip to the runtime's
// signal-mask thread, and these four must not wait behind fifty others.
// SIGHUP and SIGINT inherited as ignored stay ignored (see catchSignals).
func catchStop() chan os.Signal {
	sigs := make(chan os.Signal, 2*signals.MaxSignal)
	ign := inheritedIgnored()
	var list []os.Signal
	for _, s := range signals.Early {
		if ign&(1<<(s-1)) == 0 {
			list = append(list, s)
		}
	}
	signal.Notify(sigs, list...)
	return sigs
}

// catchSignals installs ginit's handlers for the rest, on the channel
// catchStop made. A signal ginit inherited as ignored is left ignored so
// the child inherits the ignore, as under tini. The channel is large:
// signal.Notify drops what does not fit, and standard signals coalesce
// anyway, so one slot per signal number is enough.
func catchSignals(sigs chan os.Signal) {
	ignoreFaults()
	ign := inheritedIgnored()
	urgOK := urgIsOurs()
	caught := signals.Caught(func(s syscall.Signal) bool {
		return ign&(1<<(s-1)) != 0 || (s == syscall.SIGURG && !urgOK) || signals.IsEarly(s)
	})
	list := make([]os.Signal, len(caught))
	for i, s := range caught {
		list[i] = s
	}
	signal.Notify(sigs, list...)
}

// ignoreFaults sets the fault signals to SIG_IGN in the kernel, behind the
// Go runtime's back, so that no process can crash PID 1 by sending one
// (see signals.Faults). The child still starts with them at their default:
// after fork the runtime resets every signal it had a handler for.
func ignoreFaults() {
	for _, s := range signals.Faults {
		// The kernel's struct sigaction, handler first (as in
		// inheritedIgnored); the rest zero: no flags, empty mask.
		sa := [8]uintptr{1 /* SIG_IGN */}
		syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(s), uintptr(unsafe.Pointer(&sa)), 0, 8, 0, 0)
	}
}

// urgIsOurs reports whether every SIGURG ginit sees came from outside: the
// build switched async preemption off and GODEBUG does not switch it back on.
func urgIsOurs() bool {
	if asyncPreemptOff != "1" {
		return false
	}
	off := true
	for kv := range strings.SplitSeq(os.Getenv("GODEBUG"), ",") {
		if v, ok := strings.CutPrefix(kv, "asyncpreemptoff="); ok {
			off = v == "1" // the last setting wins, as in the runtime
		}
	}
	return off
}

// inheritedIgnored returns the inherited signals whose disposition is
// still SIG_IGN. By now the Go runtime has put its own handler on every
// other signal, ignored or not; it leaves SIGHUP and SIGINT alone when
// ignored, and SIGCONT, SIGTSTP, SIGTTIN and SIGTTOU until asked for them,
// so those six are all ginit can keep ignored. rt_sigaction needs no /proc
// and no os.File, which would start the runtime's network poller.
func inheritedIgnored() uint64 {
	var mask uint64
	for _, s := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT,
		syscall.SIGCONT, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU} {
		// The kernel's struct sigaction starts with the handler on every
		// architecture ginit is released for (not on MIPS).
		var sa [8]uintptr
		_, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(s), 0, uintptr(unsafe.Pointer(&sa)), 8, 0, 0)
		if e == 0 && sa[0] == 1 /* SIG_IGN */ {
			mask |= 1 << (s - 1)
		}
	}
	return mask
}

// setUp does what must happen before the child starts.
func setUp(cfg *cli.Config, lg *log.Logger) error {
	if pdeathErr != nil {
		return pdeathErr // -p, set in init on the main thread
	}
	if cfg.Subreaper {
		if err := reaper.SetSubreaper(); err != nil {
			return err
		}
	}
	subreaper := cfg.Subreaper || defaultSubreaper(cfg, lg)
	if os.Getpid() != 1 && !subreaper && !reaper.IsSubreaper() {
		lg.Warn("setup", "ginit is not PID 1 and not a child subreaper: orphans will not be re-parented to ginit, "+
			"so it cannot reap them; run ginit as PID 1, or pass -s (or set GINIT_SUBREAPER=1 or TINI_SUBREAPER)")
	}
	lg.Trace("setup", "ready", log.Num("pid", os.Getpid()), log.Num("verbosity", cfg.Verbosity))
	return nil
}

// prctlPdeathsig sets the parent-death signal of the calling thread, which
// must be the main thread (see init): the kernel sends each thread's own,
// and a launcher's sits on the main thread.
func prctlPdeathsig(sig syscall.Signal) error {
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(sig), 0, 0, 0); err != nil {
		return errors.New("cannot set the parent-death signal: " + err.Error())
	}
	return nil
}
