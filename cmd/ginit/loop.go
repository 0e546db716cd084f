package main

import (
	"os"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/cli"
	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/internal/oom"
	"github.com/ginit-dev/ginit/internal/spawn"
	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/reaper"
	"github.com/ginit-dev/ginit/signals"
)

// The lifecycle, one phase at a time, as the README tells it:
//
//	running   the child runs; signals are forwarded; every zombie is reaped.
//	delaying  with --stop-delay: a stop signal arrived and is held while a
//	          load balancer deregisters the app, which keeps serving; other
//	          signals are forwarded, a different stop signal ends the delay.
//	stopping  a stop signal was delivered, then SIGCONT. With --grace the
//	          deadline runs; without, there is none: the orchestrator's rules.
//	draining  the main child is gone. Each process left gets the stop signal
//	          once, at the top of its tree, and ginit waits for every one,
//	          event by event (pidfds), bounded only by the stop's deadline;
//	          without a stop, by --grace or else defaultDrain.
//	killing   a deadline passed: SIGKILL to everything left, again for
//	          whatever appears, until nothing is left or afterKill passes.
//	done      exit with the main child's code, or 137 if ginit's deadline
//	          killed work during a stop; remapped by -e.
//
// Error policy: before the child starts every failure is fatal (exit 1, or
// tini's 126/127 when the program cannot be run). Once it runs nothing is:
// a failed signal, /proc read or wait4 is a warning, and ginit goes on to
// the exit code it owes. Helpers return data or act on one process; the
// loop below decides every transition.
type phase int

const (
	running phase = iota
	delaying
	stopping
	draining
	killing
	done
)

// defaultDrain bounds a drain that no stop signal began (the main child
// exited by itself) when no --grace is set: longer than the shutdown
// timeouts of common job runners (Sidekiq's 25 s).
const defaultDrain = 30 * time.Second

// afterKill is how long ginit waits for what it SIGKILLed. A process in
// uninterruptible sleep may outlive SIGKILL; ginit gives up on it rather
// than hang, and the kernel ends it when PID 1 exits.
const afterKill = 2 * time.Second

// statusEvery is how often ginit says what it is waiting for.
const statusEvery = 10 * time.Second

type supervisor struct {
	cfg   *cli.Config
	log   *log.Logger
	sigs  <-chan os.Signal
	early []syscall.Signal // arrived before the child started

	phase     phase
	self      int // ginit's pid: 1 in a container
	child     int // the main child's pid
	childComm string
	started   time.Time

	childDone   bool
	childStatus syscall.WaitStatus
	childDesc   string // how it ended: "exited 3", "killed by SIGKILL (out of memory)"
	childEnded  time.Time
	noChildren  bool // the last reap found no children at all (ECHILD)
	exits       []reaper.Exit

	stop  stopState
	drain drainState
	delay alarm // the end of --stop-delay

	view      *proctab.View
	held      map[int]*proctab.Handle // every live process ginit waits for, by pid
	signalled map[proctab.ID]bool     // got the stop signal from ginit: never again
	kidsOf    map[int][]int           // held pids by their parent's, as last seen
	modeSaid  bool                    // the drain has said how processes are held
	noFDSaid  bool                    // the descriptor limit has been reported
	watch     *proctab.Watcher
	watchC    <-chan int

	deadline     alarm
	deadlineWhy  string // which deadline: "--grace 28s", "the drain's default bound (30s)"
	status       alarm
	killed       []proctab.Proc // what ginit's SIGKILL reached
	killedIDs    map[proctab.ID]bool
	killedInStop bool

	// For the report (report.go) and the OOM check (oom.go).
	oom       *oom.Counter
	oomed     []proctab.Proc // killed by the OOM killer, as far as ginit saw
	ended     []ended
	endedMore int
	killWhy   string
	killAfter time.Duration
}

// run supervises until ginit should exit, and returns the exit code.
func (s *supervisor) run() (int, error) {
	if code, ok := s.stoppedBeforeStart(); ok {
		return code, nil
	}
	pid, err := spawn.Start(s.cfg.Argv, s.log)
	if err != nil {
		return 0, err
	}
	s.child, s.started, s.self = pid, time.Now(), os.Getpid()
	s.oom = oom.New()
	s.held, s.signalled, s.killedIDs = map[int]*proctab.Handle{}, map[proctab.ID]bool{}, map[proctab.ID]bool{}
	s.kidsOf = map[int][]int{}
	s.childComm = baseName(s.cfg.Argv[0])
	s.log.Debug("start", "started child", log.Num("pid", pid), log.Str("cmd", s.childComm))
	s.log.Trace("start", "child argv", log.Str("argv", joinArgv(s.cfg.Argv)))

	// The child may already be gone, its SIGCHLD queued or coalesced with
	// one that came before: reap once now rather than trust the signal.
	s.reap()
	for _, sig := range s.early {
		s.onSignal(sig)
	}
	s.advance()
	for s.phase != done {
		select {
		case sig := <-s.sigs:
			s.onSignal(sig.(syscall.Signal))
		case pid := <-s.watchC:
			s.onExited(pid)
		case <-s.delay.c:
			s.phase = stopping
			s.onDelayEnd()
		case <-s.deadline.c:
			s.onDeadline()
		case <-s.status.c:
			s.onStatus()
		}
		s.advance()
	}
	return s.exitCode(), nil
}

// stoppedBeforeStart takes the signals that arrived before the child was
// started. A stop among them means the orchestrator gave up on the
// container before the app ran: starting it now would only have it killed
// mid-start, so ginit exits 128+N at once, as if it had. Others are kept,
// to be forwarded once the child runs.
func (s *supervisor) stoppedBeforeStart() (int, bool) {
	for {
		select {
		case sig := <-s.sigs:
			recv := sig.(syscall.Signal)
			if out, ok := s.cfg.Rewrites.Apply(recv); ok && signals.IsStop(out) {
				s.stop.at, s.stop.sig, s.stop.recv = time.Now(), out, recv
				s.log.Report("stop", "stop signal received before the program started; not starting it",
					log.Str("signal", signals.Name(out)), log.Str("program", baseName(s.cfg.Argv[0])))
				code := 128 + int(out)
				if s.cfg.Remap[code] {
					code = 0
				}
				s.log.Report("exit", "ginit exiting", log.Num("code", code))
				return code, true
			}
			s.early = append(s.early, recv)
		default:
			return 0, false
		}
	}
}

// advance makes the transitions that follow from what the loop has learnt.
func (s *supervisor) advance() {
	if !s.childDone {
		return
	}
	switch s.phase {
	case running, delaying, stopping:
		if s.phase == delaying {
			s.childExitedInDelay()
		}
		procs, err := s.leftOver()
		if err == nil && len(procs) == 0 {
			s.finish() // the common case: a clean exit, nothing left behind
			return
		}
		s.phase = draining
		s.beginDrain(procs, err)
	case draining, killing:
		if len(s.held) == 0 {
			s.recount()
		}
	}
}

// recount runs when every held process is gone: one more look at /proc
// finds anything started since, or ends the wait.
func (s *supervisor) recount() {
	var fresh []*proctab.Handle
	if !s.nothingLeft() {
		procs, _ := s.list() // without /proc, ECHILD alone must tell
		fresh = s.holdAll(procs)
	}
	switch {
	case len(fresh) > 0 && s.phase == killing:
		s.killAll()
	case len(fresh) > 0:
		s.signalTops("processes appeared; draining them")
	case s.noChildren:
		s.log.Report("drained", "every process has exited", log.Num("count", s.drain.exited), log.Ms("after_ms", time.Since(s.since())))
		s.finish()
	}
}

// finish ends the loop.
func (s *supervisor) finish() {
	s.phase = done
	s.deadline.stop()
	s.status.stop()
}

// exitCode is the main child's, or 137 when ginit's deadline killed work
// during a stop (a clean-looking 143 would hide it), remapped by -e.
func (s *supervisor) exitCode() int {
	code := reaper.Code(s.childStatus)
	if !s.childDone || s.killedInStop {
		code = 128 + int(syscall.SIGKILL)
	}
	if s.cfg.Remap[code] {
		s.log.Debug("exit", "exit code remapped to 0 (-e)", log.Num("code", code))
		code = 0
	}
	switch {
	case len(s.oomed) > 0:
		s.log.Report("exit", "ginit exiting", log.Num("code", code), log.Str("status", s.childDesc), log.Procs("oom_killed", s.oomed))
	case s.stop.begun() || s.drain.begun():
		s.log.Report("exit", "ginit exiting", log.Num("code", code))
	}
	return code
}
