package main

import (
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/signals"
)

type stopState struct {
	at   time.Time
	sig  syscall.Signal // what was delivered, after rewriting
	recv syscall.Signal // what arrived
	kids []int          // the main child's children when the stop began

	delayEnd time.Time // when a --stop-delay ended, and why (delay.go)
	delayHow string
	held     syscall.Signal // the signal held, when a different one cut the delay short
}

func (st *stopState) begun() bool { return !st.at.IsZero() }

// beginStop notes the stop and starts the grace period, if there is one,
// from the signal's arrival; the loop decides when the signal is delivered.
func (s *supervisor) beginStop(recv, out syscall.Signal) {
	s.stop.at, s.stop.sig, s.stop.recv = time.Now(), out, recv
	if s.cfg.Grace > 0 {
		s.setDeadline(s.stop.at.Add(s.cfg.Grace), "the grace period (--grace "+s.cfg.Grace.String()+")")
	}
}

// stopWhileDraining: the drain has sent its signal already. During a stop
// only --grace may kill, so without it the drain's own bound is lifted.
func (s *supervisor) stopWhileDraining() {
	if s.cfg.Grace == 0 && s.phase == draining {
		s.deadline.stop()
	}
	s.log.Report("stop", "stop signal received while draining; the drain has already sent it", s.stopFields()...)
}

// stopFields describe the stop: the signal, when it arrived, the deadline.
func (s *supervisor) stopFields() []log.Field {
	fs := []log.Field{log.Str("signal", signals.Name(s.stop.sig))}
	if s.stop.recv != s.stop.sig {
		fs = append(fs, log.Str("received", signals.Name(s.stop.recv)))
	}
	fs = append(fs, log.Str("at", log.Stamp(s.stop.at)))
	if s.cfg.Grace > 0 {
		return append(fs, log.Ms("grace_ms", s.cfg.Grace), log.Str("deadline", s.deadlineWhy))
	}
	return append(fs, log.Str("deadline", "none"))
}

// deliverStop delivers the stop signal, then SIGCONT (a stopped process
// must run to handle it). Only a delivery that happened is reported as one.
func (s *supervisor) deliverStop(msg string, extra ...log.Field) {
	fs := append(s.stopFields(), extra...)
	// Who is about to get the signal, and who is the child's own child (a
	// wrapper's app), is known only now: read it before sending.
	me, err := s.stopTargets()
	if err == nil && me.Pid == s.child.pid {
		s.child.comm = me.Comm
		s.procs.signalled[me.ID()] = true
	}
	s.status.set(time.Now().Add(statusEvery))
	to, err := s.toChild(s.stop.sig)
	if err != nil {
		s.log.Warn("stop", "cannot deliver stop signal", append(fs, log.Str("to", to), log.Str("error", err.Error()))...)
		return
	}
	if _, err := s.toChild(syscall.SIGCONT); err != nil {
		s.log.Warn("stop", "cannot send SIGCONT after the stop signal", log.Str("to", to), log.Str("error", err.Error()))
	}
	s.log.Report("stop", msg, append(fs, log.Str("to", to), log.Num("pid", s.child.pid), log.Str("cmd", s.child.comm))...)
	s.passIgnored(me) // bash ignores SIGQUIT: -r TERM:QUIT must still reach the app
}

// stopTargets reads the main child and its children's pids into
// s.stop.kids; with -g it also marks every member of the child's group as
// signalled (they may be anywhere below it, so all of /proc is read). Not
// a stat per child without -g: a main child may have thousands.
func (s *supervisor) stopTargets() (proctab.Proc, error) {
	v, err := s.openView()
	if err != nil {
		return proctab.Proc{}, err
	}
	if s.cfg.Group {
		all, err := v.List()
		var me proctab.Proc
		for _, p := range all {
			if p.PPid == s.child.pid {
				s.stop.kids = append(s.stop.kids, p.Pid)
			}
			if p.Pid == s.child.pid {
				me = p
			}
			if p.Pgrp == s.child.pid {
				s.procs.signalled[p.ID()] = true
			}
		}
		return me, err
	}
	me, kids, err := v.Family(s.child.pid)
	s.stop.kids = kids
	return me, err
}

// passIgnored runs right after the stop signal went to the main child. If
// the child ignores that signal, nothing will ever come of it: bash ignores
// SIGQUIT in every mode, so -r TERM:QUIT for an nginx behind a wrapper
// script would leave nginx serving until the orchestrator SIGKILLs it all.
// ginit does not wait for a shell that will never act: it delivers the
// signal now to those the drain would reach once the shell died, the main
// child's own children, once each (s.procs.signalled keeps the drain from sending
// it again). A blocked signal is not acted on here: it is pending, and tini,
// dumb-init and catatonit block every signal to take it with sigwait or a
// signalfd, so their child would get it twice. With -g the group has it.
func (s *supervisor) passIgnored(me proctab.Proc) {
	if s.cfg.Group || s.procs.view == nil || me.Pid != s.child.pid {
		return
	}
	m, ok := s.procs.view.SigMasks(me)
	if !ok || !m.Ignores(s.stop.sig) {
		return
	}
	var sent []proctab.Proc
	for _, k := range s.stopKids(nil) {
		if s.procs.signalled[k.ID()] {
			continue
		}
		h, ok := s.procs.view.Hold(k) // by pidfd: a pid reused since the listing is not signalled
		if !ok {
			continue
		}
		s.procs.signalled[k.ID()] = true
		err := h.Signal(s.stop.sig)
		if err == nil {
			err = h.Signal(syscall.SIGCONT)
			sent = append(sent, k)
		}
		if err != nil && err != proctab.ErrExited {
			s.log.Warn("stop", "cannot signal", log.Num("pid", k.Pid), log.Str("error", err.Error()))
		}
		h.Close()
	}
	name := signals.Name(s.stop.sig)
	fs := []log.Field{log.Str("signal", name), log.Num("pid", s.child.pid), log.Str("cmd", s.child.comm)}
	if len(sent) == 0 {
		s.log.Warn("stop", "the main child ignores "+name+" and has no child to deliver it to; only a deadline will stop it", fs...)
		return
	}
	s.log.Report("stop", "the main child ignores "+name+"; delivered it to the processes below it",
		append(fs, log.Procs("sent_to", sent))...)
}

// stopKids are the main child's children when the stop began, as
// processes: from listed (the drain's listing) when given, else read now.
func (s *supervisor) stopKids(listed []proctab.Proc) []proctab.Proc {
	var out []proctab.Proc
	if listed != nil {
		want := map[int]bool{}
		for _, pid := range s.stop.kids {
			want[pid] = true
		}
		for _, p := range listed {
			if want[p.Pid] {
				out = append(out, p)
			}
		}
		return out
	}
	if s.procs.view.Foreign() {
		all, _ := s.list()
		return s.stopKids(all)
	}
	for _, pid := range s.stop.kids {
		if p, ok := s.procs.view.Stat(pid); ok {
			out = append(out, p)
		}
	}
	return out
}
