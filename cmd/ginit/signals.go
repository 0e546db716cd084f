package main

import (
	"errors"
	"slices"
	"strconv"
	"syscall"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/signals"
)

// onSignal handles one signal ginit received: SIGCHLD reaps (exits.go); a
// stop signal begins the stop (stop.go), held first with --stop-delay
// (delay.go); a repeat of it is not delivered again; anything else is
// forwarded after rewriting.
func (s *supervisor) onSignal(sig syscall.Signal) {
	if sig == syscall.SIGCHLD {
		if !s.skipReap() {
			s.reap()
		}
		s.reapExitedChildren()
		return
	}
	if !signals.Forwarded(sig) {
		return // SIGTTIN, SIGTTOU: caught only so that ginit is never stopped; tini drops them too
	}
	out, ok := s.cfg.Rewrites.Apply(sig)
	if !ok {
		s.log.Info("drop", "dropped signal (rewritten to 0)", log.Str("signal", signals.Name(sig)))
		return
	}
	stop := s.isStop(sig)
	switch {
	case stop && !s.stop.begun():
		// A main child that has exited, its SIGCHLD not yet taken (the
		// select had both ready), must not be taken for one that got the
		// stop: reaped first, the stop goes to what it left, by the drain.
		s.reap()
		s.beginStop(sig, out)
		switch {
		case s.child.done:
			s.stopWhileDraining()
		case s.cfg.StopDelay > 0:
			s.phase = delaying
			s.beginDelay()
		default:
			s.phase = stopping
			s.deliverStop("stop signal received; delivered")
		}
	case s.phase == delaying && stop && out != s.stop.sig:
		s.phase = stopping
		s.cutDelay(sig, out)
	case s.stop.begun() && (out == s.stop.sig || out == s.stop.held):
		// An orchestrator may repeat itself; to many job runners a second
		// SIGTERM means "abort the job now". A different signal is deliberate.
		// A signal held by --stop-delay and then cut short counts as had: the
		// kernel may hand ginit a repeat of it after the signal that cut it.
		msg := "stop signal already delivered; not sending it again"
		if s.phase == delaying {
			msg = "stop signal already received; held until the stop delay ends"
		}
		s.log.Report("repeat", msg, log.Str("signal", signals.Name(out)))
	default:
		s.forward(sig, out)
	}
}

// isStop: a stop is judged on the signal that arrived, whatever -r makes
// of it: -r TERM:WINCH (Apache's graceful stop) is still the
// orchestrator's stop, with its grace period, delivery and drain.
// --stop-signal adds others: an image whose STOPSIGNAL is SIGWINCH.
func (s *supervisor) isStop(recv syscall.Signal) bool {
	return signals.IsStop(recv) || slices.Contains(s.cfg.StopSignals, recv)
}

// forward passes a signal to the child, or to its process group with -g.
func (s *supervisor) forward(recv, out syscall.Signal) {
	fs := []log.Field{log.Str("signal", signals.Name(out))}
	if recv != out {
		fs = append(fs, log.Str("received", signals.Name(recv)))
	}
	if s.child.done && !s.cfg.Group {
		s.log.Info("forward", "dropped signal: the child has exited", fs...)
		return
	}
	to, err := s.toChild(out)
	if err == errGroupGone {
		s.log.Info("forward", "dropped signal: the child has exited", fs...)
		return
	}
	if err != nil {
		s.log.Warn("forward", "cannot forward signal", append(fs, log.Str("to", to), log.Str("error", err.Error()))...)
		return
	}
	s.log.Info("forward", "forwarded signal", append(fs, log.Str("to", to), log.Num("pid", s.child.pid))...)
}

// errGroupGone: the main child is reaped and no process ginit holds is
// left of its group; nothing was sent.
var errGroupGone = errors.New("no process of the child's group is left")

// toChild sends sig to the main child, or to its process group with -g,
// and says where it went. The child leads its group, so it cannot leave
// it with setsid (which fails for a group leader); the group is empty only
// when the child joined another with setpgid and nothing was left in it.
// An empty group takes a signal without a word but ESRCH; the child is then
// signalled itself, since it is the one ginit answers for.
//
// By number only while the child is not reaped: its pid, which is also
// its group's number, cannot be another process's or group's until then.
// Once it is reaped, see toLeftGroup.
func (s *supervisor) toChild(sig syscall.Signal) (to string, err error) {
	if s.child.done {
		if !s.cfg.Group {
			// Its pid may be anyone's now: nothing is sent; its exit is
			// what the loop handles next.
			return "child", nil
		}
		return s.toLeftGroup(sig)
	}
	if s.cfg.Group {
		err = s.sys.send(s.child.pid, sig, true)
		if err != syscall.ESRCH {
			return "group", err
		}
		to = "child (its process group is empty)"
	} else {
		to = "child"
	}
	return to, s.sys.send(s.child.pid, sig, false)
}

// toLeftGroup forwards with -g once the main child is reaped. Its group's
// number was its pid: once the group is empty, any new group leader may
// have it. So the group is signalled by number only while it is provably
// still the child's (groupProven); else each process ginit holds that was
// in it gets the signal through its handle, and with none the signal is
// dropped.
func (s *supervisor) toLeftGroup(sig syscall.Signal) (string, error) {
	if s.groupProven() {
		err := s.sys.send(s.child.pid, sig, true)
		if err != syscall.ESRCH {
			return "group", err
		}
	}
	sent, n := 0, 0
	var firstErr error
	for id := range s.procs.group {
		h := s.procs.held[id.Pid]
		if h == nil || h.Start != id.Start || h.Pgrp != s.child.pid {
			continue // gone, or seen to leave the group
		}
		n++
		err := s.procs.view.signal(h, sig)
		switch {
		case err == nil:
			sent++
		case err != proctab.ErrExited && firstErr == nil:
			firstErr = err
		}
	}
	if sent == 0 && firstErr == nil {
		return "", errGroupGone
	}
	return "the processes ginit holds of its group (" + strconv.Itoa(n) + ")", firstErr
}

// groupProven reports whether a process seen in the main child's group
// while that group was provably the child's (s.procs.group) is verifiably
// in it now: its group read from /proc, then its pidfd found alive, so
// that what was read was its own. A group with a live member keeps its
// number. Without a pidfd, or with a /proc that cannot be renumbered,
// nothing is proven.
func (s *supervisor) groupProven() bool {
	if s.procs.view == nil || s.procs.view.Foreign() {
		return false
	}
	for id := range s.procs.group {
		h := s.procs.held[id.Pid]
		if h == nil || h.Start != id.Start || !s.procs.view.hasPidfd(h) {
			continue
		}
		q, ok := s.procs.view.Refresh(h.Proc)
		if !ok {
			continue
		}
		h.Pgrp = q.Pgrp
		if q.Pgrp == s.child.pid && !s.procs.view.exited(h) {
			return true
		}
	}
	return false
}

// noteGroup remembers, with -g, which of the handles just taken are in the
// main child's group while that group is provably the child's: before the
// child is reaped; in the listing that begins the drain, in the same turn
// of the loop as the reap (its number free for microseconds: a reuse would
// need the pid counter to come round to it just then); later only while
// groupProven. Not the leader's pid: once the child is reaped, a process
// with that pid is a stranger leading a group of its own.
func (s *supervisor) noteGroup(hs []*proctab.Handle) {
	if !s.cfg.Group {
		return
	}
	proven := -1 // not asked yet
	for _, h := range hs {
		if h.Pgrp != s.child.pid || h.Pid == s.child.pid {
			continue
		}
		if s.child.done && (s.drain.begun() || s.phase == killing) {
			if proven < 0 {
				proven = 0
				if s.groupProven() {
					proven = 1
				}
			}
			if proven == 0 {
				return
			}
		}
		if s.procs.group == nil {
			s.procs.group = map[proctab.ID]bool{}
		}
		s.procs.group[h.ID()] = true
	}
}
