package main

import (
	"os"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/reaper"
	"github.com/ginit-dev/ginit/signals"
)

// supervisor is ginit's one loop: it starts the child, then waits in one
// select for a signal or the deadline, forwarding, reaping, stopping and
// draining until the main child and everything ginit must wait for are gone.
type supervisor struct {
	cfg  *config
	log  *logger
	sigs <-chan os.Signal

	child     int // the main child's pid
	childComm string
	started   time.Time

	// The main child's end.
	childDone   bool
	childStatus syscall.WaitStatus
	childEnded  time.Time
	noChildren  bool // the last reap found no children at all (ECHILD)

	stop      stopState
	drain     drainState
	signalled map[signals.ID]bool // got the stop signal from ginit: never send it again

	timer    *time.Timer
	timerC   <-chan struct{}
	deadline time.Time
	killed   bool // the final SIGKILL went out
	gaveUp   bool // processes outlived SIGKILL; exit without them
	exits    []reaper.Exit
}

// run supervises until ginit should exit, and returns the exit code.
func (s *supervisor) run() (int, error) {
	pid, err := startChild(s.cfg.argv, s.log)
	if err != nil {
		return 0, err
	}
	s.child, s.started = pid, time.Now()
	s.signalled = map[signals.ID]bool{}
	s.childComm = baseName(s.cfg.argv[0])
	s.log.debug("start", "started child", num("pid", pid), str("cmd", s.childComm))
	s.log.trace("start", "child argv", str("argv", joinArgv(s.cfg.argv)))

	// The child may already be gone, its SIGCHLD queued or coalesced with
	// one that came before: reap once now rather than trust the signal.
	s.reap()
	for !s.finished() {
		select {
		case sig := <-s.sigs:
			s.onSignal(sig.(syscall.Signal))
		case <-s.timerC:
			s.onDeadline()
		}
	}
	return s.exitCode(), nil
}

// finished: the main child is reaped and nothing is left to wait for.
func (s *supervisor) finished() bool {
	return (s.childDone && s.noChildren) || s.gaveUp
}

func (s *supervisor) onSignal(sig syscall.Signal) {
	if sig == syscall.SIGCHLD {
		s.reap()
		return
	}
	if !signals.Forwarded(sig) {
		return // SIGTTIN, SIGTTOU: caught only so that ginit is never stopped; tini drops them too
	}
	out, ok := s.cfg.rewrites.Apply(sig)
	if !ok {
		s.log.info("drop", "dropped signal (rewritten to 0)", str("signal", signals.Name(sig)))
		return
	}
	switch {
	case signals.IsStop(out) && !s.stop.begun():
		s.beginStop(sig, out)
	case s.stop.begun() && out == s.stop.sig:
		// An orchestrator may repeat itself; to many job runners a second
		// SIGTERM means "abort the job now". A different signal is deliberate.
		s.log.report("repeat", "stop signal already delivered; not sending it again",
			str("signal", signals.Name(out)))
	default:
		s.forward(sig, out)
	}
}

// forward passes a signal to the child, or to its process group with -g.
func (s *supervisor) forward(recv, out syscall.Signal) {
	fs := []field{str("signal", signals.Name(out))}
	if recv != out {
		fs = append(fs, str("received", signals.Name(recv)))
	}
	if s.childDone && !s.cfg.group {
		s.log.info("forward", "dropped signal: the child has exited", fs...)
		return
	}
	if err := signals.Send(s.child, out, s.cfg.group); err != nil {
		s.log.warn("forward", "cannot forward signal", append(fs, str("error", err.Error()))...)
		return
	}
	s.log.info("forward", "forwarded signal", append(fs, str("to", s.target()), num("pid", s.child))...)
}

func (s *supervisor) target() string {
	if s.cfg.group {
		return "group"
	}
	return "child"
}

// reap collects every zombie and notes the main child's end.
func (s *supervisor) reap() {
	var err error
	s.exits, s.noChildren, err = reaper.Reap(s.exits[:0])
	if err != nil {
		s.log.warn("reap", "wait4 failed", str("error", err.Error()))
	}
	for _, e := range s.exits {
		if e.Pid == s.child && !s.childDone {
			s.childDone, s.childStatus, s.childEnded = true, e.Status, time.Now()
			s.onChildExit()
			continue
		}
		s.onOrphanExit(e)
	}
	if s.childDone && !s.drain.begun && !s.noChildren && !s.killed {
		s.beginDrain()
	}
	if s.drain.begun && s.noChildren && !s.drain.reported {
		s.drain.reported = true
		s.log.report("drained", "every process has exited", ms("after_ms", time.Since(s.drain.at)))
	}
}

func (s *supervisor) onOrphanExit(e reaper.Exit) {
	if s.cfg.warnOnReap {
		s.log.warn("zombie", "reaped zombie", num("pid", e.Pid), str("status", reaper.Describe(e.Status)))
	} else {
		s.log.debug("zombie", "reaped zombie", num("pid", e.Pid), str("status", reaper.Describe(e.Status)))
	}
	if p, ok := s.drain.waiting[e.Pid]; ok {
		delete(s.drain.waiting, e.Pid)
		s.log.report("drained", "process exited", num("pid", e.Pid), str("cmd", p.Comm),
			str("status", reaper.Describe(e.Status)), ms("after_ms", time.Since(s.drain.at)))
	}
	if s.drain.begun {
		s.onDrainedExit(e.Pid)
	}
}

// exitCode is the main child's, remapped by -e.
func (s *supervisor) exitCode() int {
	code := reaper.Code(s.childStatus)
	if !s.childDone {
		code = 128 + int(syscall.SIGKILL)
	}
	if s.cfg.remap[code] {
		s.log.debug("exit", "exit code remapped to 0 (-e)", num("code", code))
		code = 0
	}
	if s.stop.begun() || s.drain.begun {
		s.log.report("exit", "ginit exiting", num("code", code))
	}
	return code
}

// setDeadline arms the one timer; an earlier deadline already set stands.
func (s *supervisor) setDeadline(at time.Time) {
	if !s.deadline.IsZero() && !at.Before(s.deadline) {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.deadline = at
	// Not time.NewTimer: its chan time.Time, held in an interface by the
	// runtime, keeps Time.String and with it 40 KB of time zone and layout
	// code in the binary. A new channel for each deadline means a timer
	// that fired just before Stop can only fill a channel nobody reads.
	c := make(chan struct{}, 1)
	s.timer = time.AfterFunc(time.Until(at), func() { c <- struct{}{} })
	s.timerC = c
}
