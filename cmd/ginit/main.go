// Command ginit is a tiny init for containers: it runs a program as its
// child, forwards signals to it, reaps zombies, and on shutdown gives the
// program and whatever it left behind time to finish before SIGKILL.
//
// It takes tini's flags, environment variables and exit codes; see the
// README for where it differs and why.
//
// This package is main and the supervisor; each other job has its package
// (internal/cli, internal/log, internal/spawn, internal/oom,
// internal/rawfile, internal/stopplan, signals, reaper, proctab). Its files:
//
//	main.go        the first signal catch, the command line, set-up, exit
//	loop.go        the supervisor's state, its phases and its one select loop
//	signals.go     a signal received: forward it, or begin the stop
//	stop.go        delivering the stop signal to whom internal/stopplan decides
//	delay.go       --stop-delay: holding the stop signal
//	exits.go       reaping: the main child's end, others', the OOM killer's
//	drain.go       the drain: the stop signal once to each process left; a trap's
//	               children left to it; the wrapper warning
//	holds.go       the processes held (pidfds) and waited for
//	kill.go        a deadline passed: SIGKILL to everything left
//	alarm.go       the loop's timers, the deadline, the "waiting for" line
//	child.go       the main child's state and names
//	report.go      the outcome, the stop report, the last log flush
//	reportfile.go  writing --report-file safely
//	trust.go       whose symlinks and files the report file may pass through
//	procerr.go     a failed /proc read, said once
//	threads.go     every thread ginit needs, made before the child starts
//	sys.go         the operating system behind one interface, for the unit
//	               tests' fake kernel (fake_test.go, script_test.go)
package main

import (
	"errors"
	"os"
	"syscall"

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
// initialisation; doc/differences.md gives the window's measured size.
var stopSigs = signals.CatchStop()

// The command line is read in init, because init runs on the main thread
// (the runtime locks it there for package initialisation): the
// parent-death signal is a property of each thread, and a launcher's
// (unshare --kill-child's SIGKILL) sits on the main thread, the one that
// ran execve, so -p must replace it there. runtime.LockOSThread for all of
// main would do the same, but would make each signal.Notify in
// stopSigs.Rest a hand-off between threads: 2 ms more at every start.
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
	stopSigs.Rest(asyncPreemptOff == "1")
	os.Exit(run(stopSigs.C))
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
	s := &supervisor{cfg: cfg, log: lg, sys: realSystem{}, sigs: sigs}
	code, err := s.run()
	if err != nil {
		lg.Error("exec", "cannot start the program", log.Str("error", err.Error()))
		code = spawn.ExitCode(err)
	}
	s.finishLog(code, err)
	return code
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
	startThreads(lg) // threads.go: none is made once the child runs
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

// defaultSubreaper registers ginit as a child subreaper when it is not
// PID 1 and the user did not say otherwise. Behind another init (docker run
// --init, ECS initProcessEnabled, podman --init) the app's orphans would
// otherwise go to that init, which cannot drain them: the wrapped job would
// be lost exactly as under tini. A failure here is not fatal, since the user
// did not ask for it: the warning that follows says what is lost.
func defaultSubreaper(cfg *cli.Config, lg *log.Logger) bool {
	if os.Getpid() == 1 || cfg.NoSubreaper {
		return false
	}
	if err := reaper.SetSubreaper(); err != nil {
		lg.Warn("setup", "cannot register as a child subreaper", log.Str("error", err.Error()))
		return false
	}
	lg.Debug("setup", "not PID 1: registered as a child subreaper (GINIT_SUBREAPER=0 turns this off)")
	return true
}
