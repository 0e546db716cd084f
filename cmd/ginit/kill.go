package main

import (
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/proctab"
)

// afterKill is how long ginit waits for what it SIGKILLed. A process in
// uninterruptible sleep may outlive SIGKILL; ginit gives up on it rather
// than hang, and the kernel ends it when PID 1 exits.
const afterKill = 2 * time.Second

// onDeadline: --grace, or the drain's bound, or the wait after SIGKILL, has passed.
func (s *supervisor) onDeadline() {
	s.deadline.stop()
	if s.phase == killing {
		s.log.Warn("kill", "processes remain after SIGKILL (uninterruptible sleep?); exiting without them",
			log.Procs("left", s.heldProcs()), log.Num("count", len(s.procs.held)), log.Str("bound", "after SIGKILL, "+afterKill.String()))
		s.finish()
		return
	}
	// What has ended, its SIGCHLD behind this event, is not work to kill:
	// reaped first, it is reported as it ended, and a job that finished
	// in the last millisecond does not make the exit code 137.
	s.reap()
	s.sayQuiet()
	why := s.deadlineWhy
	s.outcome.killWhy, s.outcome.killAfter = why, s.now().Sub(s.since())
	s.phase = killing
	s.outcome.killedInStop = s.stop.begun()
	s.killAll()
	since := s.drain.at
	if s.stop.begun() {
		since = s.stop.at
	}
	if len(s.outcome.killed) == 0 {
		s.outcome.killedInStop = false
		s.log.Report("kill", "deadline passed; nothing was left to kill", log.Str("deadline", why), log.Ms("after_ms", s.now().Sub(since)))
	} else {
		s.log.Warn("kill", "deadline passed; sent SIGKILL to everything left", log.Procs("killed", s.outcome.killed),
			log.Num("count", len(s.outcome.killed)), log.Str("deadline", why), log.Ms("after_ms", s.now().Sub(since)))
	}
	s.setDeadline(s.now().Add(afterKill), "the wait after SIGKILL ("+afterKill.String()+")")
}

// killAll SIGKILLs every process left and holds it, so its end is seen.
// Called again for whatever appears until nothing is left: a process that
// keeps forking cannot outrun it for long.
func (s *supervisor) killAll() {
	s.listHeld()
	// Who is alive is read before anything is sent: what has already ended
	// by itself is no work ginit killed (its exit event is on its way).
	var live []*proctab.Handle
	for _, h := range s.sortedHeld() {
		if !s.procs.view.exited(h) {
			live = append(live, h)
		}
	}
	var errs []string
	note := func(what string, err error) {
		if err != nil && err != syscall.ESRCH && err != proctab.ErrExited {
			errs = append(errs, what+": "+err.Error())
		}
	}
	if !s.child.done {
		// By number only while the child is not reaped: until then its pid,
		// its group's number, cannot be anyone else's (signals.go toChild).
		note("group", s.sys.send(s.child.pid, syscall.SIGKILL, true)) // -g or not, the app is in it
		note("child", s.sys.send(s.child.pid, syscall.SIGKILL, false))
	}
	if s.procs.view != nil && s.procs.view.Whole() {
		note("every process", s.sys.sendAll(syscall.SIGKILL)) // no pid numbers: nothing reused can be hit
	}
	for _, h := range live {
		note(h.Name(), s.procs.view.signal(h, syscall.SIGKILL))
		if !s.outcome.killedIDs[h.ID()] {
			s.outcome.killedIDs[h.ID()] = true
			s.outcome.killed = append(s.outcome.killed, h.Proc)
		}
	}
	if len(errs) > 0 {
		s.log.Warn("kill", "cannot SIGKILL everything", log.Num("count", len(errs)), log.Str("error", errs[0]))
	}
}
