package main

import (
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/reaper"
)

// reap collects every zombie and notes the main child's end.
func (s *supervisor) reap() {
	var err error
	s.exits, s.noChildren, err = s.sys.reap(s.exits[:0])
	if err != nil {
		s.log.Warn("reap", "wait4 failed", log.Str("error", err.Error()))
	}
	s.onExits()
}

// reapPidfd adds the held child h's exit to s.exits, reaped through its
// pidfd, if it has exited; false when h is not ginit's child, holds no
// pidfd, or runs on.
func (s *supervisor) reapPidfd(h *proctab.Handle) bool {
	if h.PPid != s.self {
		return false
	}
	e, ok, err := s.procs.view.reapHeld(h)
	if err != nil || !ok {
		return false // not ginit's after all, or not yet: wait4(-1) will tell
	}
	s.exits = append(s.exits, e)
	return true
}

// reapExitedChildren reaps, through their pidfds, the held children whose
// exit this SIGCHLD announced, all in one batch for the drain.
func (s *supervisor) reapExitedChildren() {
	if s.procs.watch == nil {
		return
	}
	s.exits = s.exits[:0]
	var others []int
	for _, pid := range s.procs.watch.ExitedChildren() {
		if h := s.procs.held[pid]; h != nil && !s.reapPidfd(h) {
			others = append(others, pid)
		}
	}
	s.onExits()
	for _, pid := range others {
		s.onExited(pid)
	}
}

// skipReap: in a drain, every child of ginit's that can exit is held by a
// pidfd, whose event reaps it (reapPidfd), unless a process ginit does
// not know of has appeared. wait4(-1) looks through all of ginit's
// children on every call, so a SIGCHLD then only costs what it changed.
func (s *supervisor) skipReap() bool {
	return (s.phase == draining || s.phase == killing) && s.procs.view != nil && s.procs.view.Pidfds() &&
		!s.procs.noFDSaid && !s.procs.view.Forked()
}

// onExits handles what the last reap collected, in s.exits.
func (s *supervisor) onExits() {
	for _, e := range s.exits {
		var born time.Time // when the process started, where ginit knows it
		if e.Pid == s.child.pid {
			born = s.child.started
		}
		desc, oom, unsure := s.describe(e.Status, born)
		p := proctab.Proc{Pid: e.Pid, Comm: "?"}
		if h := s.procs.held[e.Pid]; h != nil {
			p = h.Proc
			s.release(h, desc)
		}
		if e.Pid == s.child.pid && !s.child.done {
			p.Comm = s.child.comm
			s.child.done, s.child.status, s.child.ended, s.child.desc = true, e.Status, s.now(), desc
		}
		if oom {
			s.outcome.oomed = append(s.outcome.oomed, p)
		}
		switch {
		case e.Pid == s.child.pid:
			s.onChildExit(oom || unsure)
		case oom:
			s.log.Warn("oom", "process killed by the kernel's OOM killer", log.Num("pid", e.Pid), log.Str("cmd", p.Comm), log.Str("status", desc))
		case s.cfg.WarnOnReap:
			s.log.Warn("zombie", "reaped zombie", log.Num("pid", e.Pid), log.Str("status", desc))
		default:
			s.log.Debug("zombie", "reaped zombie", log.Num("pid", e.Pid), log.Str("status", desc))
		}
	}
	if len(s.exits) > 0 {
		s.oom.Reaped(s.now())
	}
	if len(s.exits) > 0 && s.phase == draining {
		parents := make([]int, len(s.exits))
		for i, e := range s.exits {
			parents[i] = e.Pid
		}
		s.adopt(parents...)
	}
	s.afterStorm()
}

// afterStorm lets go of what a storm grew: a reap batch's buffer, the
// held tables (compact), and then the heap (freeSoon).
func (s *supervisor) afterStorm() {
	if cap(s.exits) >= compactAt {
		s.exits = nil
		s.freeSoon()
	}
	s.compact()
}

// describe says how a process ended, and whether the OOM killer did it:
// only for a SIGKILL ginit did not send (or a shell's 137, a SIGKILLed
// child of its own), and only if an OOM kill was noted near its death and
// after ginit's previous reap (internal/oom); otherwise, if the container
// had an OOM kill, the status says plainly that the cause is unknown and
// why (unsure). Other deaths cost nothing.
func (s *supervisor) describe(ws syscall.WaitStatus, born time.Time) (desc string, oom, unsure bool) {
	desc = reaper.Describe(ws)
	if s.phase == killing {
		return desc, false, false
	}
	switch {
	case ws.Signaled() && ws.Signal() == syscall.SIGKILL:
		blamed, why := s.oom.Blame(s.now(), born)
		if blamed {
			return desc + " (out of memory)", true, false
		}
		if why != "" {
			return desc + " (" + why + ")", false, true
		}
	case ws.Exited() && ws.ExitStatus() == 128+int(syscall.SIGKILL):
		if blamed, _ := s.oom.Blame(s.now(), born); blamed {
			return desc + " (after an out-of-memory kill)", true, false
		}
	}
	return desc, false, false
}

// onOOM: the memory cgroup's events changed. A new OOM kill is said at
// once, as the kernel made it: its victim may be a process that ginit
// never reaps (a pool master's worker), and later deaths are blamed on it
// only if they come near it.
func (s *supervisor) onOOM() {
	if n := s.oom.Note(s.now()); n > 0 {
		s.log.Warn("oom", "the kernel's OOM killer killed a process in the container", log.Num("count", int(n)))
	}
}

// onChildExit reports the main child's end: in the stop report if a stop
// began, or as a warning if the OOM killer ended it, or a SIGKILL did
// whose cause is unknown while the container had OOM kills (warn).
func (s *supervisor) onChildExit(warn bool) {
	fs := []log.Field{log.Num("pid", s.child.pid), log.Str("cmd", s.child.comm), log.Str("status", s.child.desc)}
	if warn && !s.stop.begun() {
		s.log.Warn("child-exit", "main child exited", append(fs, log.Ms("runtime_ms", s.child.ended.Sub(s.child.started)))...)
		return
	}
	if s.stop.begun() {
		s.log.Report("child-exit", "main child exited", append(fs, log.Ms("after_ms", s.child.ended.Sub(s.stop.at)))...)
		return
	}
	s.log.Info("child-exit", "main child exited", append(fs, log.Ms("runtime_ms", s.child.ended.Sub(s.child.started)))...)
}

// onExited: a held process has ended (or, without pidfds, it is time to look).
func (s *supervisor) onExited(pid int) {
	const unknown = "exited (not ginit's child: status unknown)"
	var gone []int
	if pid != proctab.Poll {
		h := s.procs.held[pid]
		s.exits = s.exits[:0]
		switch {
		case h == nil:
			return // released already, by a reap that handed on what it left
		case s.reapPidfd(h):
			s.onExits() // which hands on what it left
			return
		case !s.procs.view.exited(h):
			return
		}
		s.reap() // a child without its status yet: any other way of ending is a zombie's
		if h := s.procs.held[pid]; h != nil {
			s.release(h, unknown)
			gone = append(gone, pid)
		}
	} else {
		s.reap() // ginit's own children first: their status is known
		for _, h := range s.procs.held {
			if !s.procs.view.hasPidfd(h) && s.procs.view.exited(h) { // a pidfd's exit is an event of its own
				s.release(h, unknown)
				gone = append(gone, h.Pid)
			}
		}
	}
	if s.phase == draining {
		s.adopt(gone...)
	}
	s.afterStorm()
}
