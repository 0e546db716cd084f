package main

import (
	"os"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/cli"
	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/internal/oom"
	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/reaper"
	"github.com/ginit-dev/ginit/signals"
)

// The lifecycle, one phase at a time, as doc/shutdown.md tells it:
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
// a failed signal, /proc read (once per place and error: procerr.go) or
// wait4 is a warning, and ginit goes on to the exit code it owes. Reads
// that fail because the process has exited are not failures: the process
// is gone. Helpers return data or act on one process; the loop below
// decides every transition.
type phase int

const (
	running phase = iota
	delaying
	stopping
	draining
	killing
	done
)

// supervisor is the loop's state: what the command line set, the phase,
// the main child, the processes held, the alarms, and what happened.
type supervisor struct {
	cfg   *cli.Config
	log   *log.Logger
	sys   system // sys.go: the clock and every system call the loop makes
	sigs  <-chan os.Signal
	early []syscall.Signal // arrived before the child started

	phase phase
	self  int       // ginit's pid: 1 in a container
	child mainChild // child.go

	noChildren bool // the last reap found no children at all (ECHILD)
	exits      []reaper.Exit
	oom        *oom.Counter

	stop  stopState  // stop.go
	drain drainState // drain.go
	procs holds      // holds.go: the processes ginit waits for

	delay       alarm // the end of --stop-delay (delay.go)
	deadline    alarm
	deadlineWhy string // which deadline: "--grace 28s", "the drain's default bound (30s)"
	status      alarm  // the next "waiting for" line (alarm.go)

	outcome outcome // report.go: what ginit's deadlines and the OOM killer did

	procErrSaid map[string]bool // procerr.go: /proc failures already warned of
}

// run supervises until ginit should exit, and returns the exit code.
func (s *supervisor) run() (int, error) {
	if code, ok := s.stoppedBeforeStart(); ok {
		return code, nil
	}
	pid, viaShell, err := s.sys.start(s.cfg.Argv)
	if err != nil {
		return 0, err
	}
	if viaShell != "" {
		s.log.Warn("exec", "the program has no #! line; running it with /bin/sh, as tini (execvp) does; "+
			"fix: make #!/bin/sh its first line", log.Str("program", viaShell))
	}
	s.started(pid)
	for s.phase != done {
		s.handle(s.next())
	}
	return s.exitCode(), nil
}

// started sets the loop up for the child pid, just started, and takes
// what has happened so far.
func (s *supervisor) started(pid int) {
	s.child.pid, s.child.started, s.self = pid, s.now(), s.sys.pid()
	s.oom = s.sys.oomCounter()
	s.procs.held, s.procs.signalled, s.outcome.killedIDs = map[int]*proctab.Handle{}, map[proctab.ID]bool{}, map[proctab.ID]bool{}
	s.procs.kidsOf = map[int][]int{}
	s.child.comm = baseName(s.cfg.Argv[0])
	s.log.Debug("start", "started child", log.Num("pid", pid), log.Str("cmd", s.child.comm))
	s.log.Trace("start", "child argv", log.Str("argv", joinArgv(s.cfg.Argv)))

	// The child may already be gone, its SIGCHLD queued or coalesced with
	// one that came before: reap once now rather than trust the signal.
	s.reap()
	for _, sig := range s.early {
		s.onSignal(sig)
	}
	s.advance()
}

// event is one wake-up of the loop: what next waited for.
type event struct {
	kind eventKind
	sig  syscall.Signal // evSignal
	pid  int            // evExited: a held process, or proctab.Poll
}

type eventKind int

const (
	evSignal eventKind = iota
	evExited
	evDelayEnd
	evDeadline
	evStatus
	evOOM
)

// next waits for the loop's next event: the one select. When several are
// ready, Go picks one at random; the unit tests (stopcases_test.go) play each
// order through handle.
func (s *supervisor) next() event {
	var exits <-chan int
	if s.procs.watch != nil {
		exits = s.procs.watch.exits()
	}
	select {
	case sig := <-s.sigs:
		return event{kind: evSignal, sig: sig.(syscall.Signal)}
	case pid := <-exits:
		return event{kind: evExited, pid: pid}
	case <-s.delay.c:
		return event{kind: evDelayEnd}
	case <-s.deadline.c:
		return event{kind: evDeadline}
	case <-s.status.c:
		return event{kind: evStatus}
	case <-s.oom.C:
		return event{kind: evOOM}
	}
}

// handle acts on one event, then makes the transitions that follow.
func (s *supervisor) handle(ev event) {
	switch ev.kind {
	case evSignal:
		s.onSignal(ev.sig)
	case evExited:
		s.onExited(ev.pid)
	case evDelayEnd:
		s.phase = stopping
		s.onDelayEnd()
	case evDeadline:
		s.onDeadline()
	case evStatus:
		s.onStatus()
	case evOOM:
		s.onOOM()
	}
	s.advance()
}

func (s *supervisor) now() time.Time { return s.sys.now() }

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
			if out, ok := s.cfg.Rewrites.Apply(recv); ok && s.isStop(recv) {
				s.stop.at, s.stop.sig, s.stop.recv = s.now(), out, recv
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
	if !s.child.done {
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
		if len(s.procs.held) == 0 {
			s.recount()
		}
	}
}

// recount runs when every held process is gone: one more look at /proc
// finds anything started since, or ends the wait.
func (s *supervisor) recount() {
	var fresh []*proctab.Handle
	// Children reaped through their pidfds never made wait4(-1) say ECHILD;
	// with none left it is one cheap call, and it finds any zombie missed.
	s.reap()
	if len(s.procs.held) > 0 {
		return // the reap found a zombie ginit did not know of, whose children it holds now
	}
	if !s.nothingLeft() {
		var err error
		_, fresh, err = s.listHeld() // without /proc, ECHILD alone must tell
		s.procErr("looking for processes left", err)
	}
	switch {
	case len(fresh) > 0 && s.phase == killing:
		s.killAll()
	case len(fresh) > 0:
		s.signalTops("processes appeared; draining them")
	case s.noChildren:
		s.sayQuiet()
		s.log.Report("drained", "every process has exited", log.Num("count", s.drain.exited), log.Ms("after_ms", s.now().Sub(s.since())))
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
	code := exitCodeOf(s.child.status, s.child.done, s.outcome.killedInStop)
	if s.cfg.Remap[code] {
		s.log.Debug("exit", "exit code remapped to 0 (-e)", log.Num("code", code))
		code = 0
	}
	if s.stop.begun() || s.drain.begun() || len(s.outcome.oomed) > 0 {
		s.log.Report("exit", "ginit exiting", exitFields(code, s.child.desc, s.outcome.oomed)...)
	}
	return code
}

// exitCodeOf is ginit's exit code before -e: the main child's (128+N
// for signal N), or 137 when it never ended or ginit's deadline killed
// work during a stop (a clean-looking 143 would hide it).
func exitCodeOf(ws syscall.WaitStatus, done, killedInStop bool) int {
	if !done || killedInStop {
		return 128 + int(syscall.SIGKILL)
	}
	return reaper.Code(ws)
}

// exitFields are the exit event's: the code, and what the OOM killer did.
func exitFields(code int, status string, oomed []proctab.Proc) []log.Field {
	if len(oomed) == 0 {
		return []log.Field{log.Num("code", code)}
	}
	return []log.Field{log.Num("code", code), log.Str("status", status), log.Procs("oom_killed", oomed)}
}
