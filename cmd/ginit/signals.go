package main

import (
	"slices"
	"syscall"

	"github.com/ginit-dev/ginit/internal/log"
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
	if err != nil {
		s.log.Warn("forward", "cannot forward signal", append(fs, log.Str("to", to), log.Str("error", err.Error()))...)
		return
	}
	s.log.Info("forward", "forwarded signal", append(fs, log.Str("to", to), log.Num("pid", s.child.pid))...)
}

// toChild sends sig to the main child, or to its process group with -g,
// and says where it went. The child leads its group, so it cannot leave
// it with setsid (which fails for a group leader); the group is empty only
// when the child joined another with setpgid and nothing was left in it.
// An empty group takes a signal without a word but ESRCH; the child is then
// signalled itself, since it is the one ginit answers for.
func (s *supervisor) toChild(sig syscall.Signal) (to string, err error) {
	if s.cfg.Group {
		err = signals.Send(s.child.pid, sig, true)
		if err != syscall.ESRCH || s.child.done {
			return "group", err
		}
		to = "child (its process group is empty)"
	} else {
		to = "child"
	}
	err = signals.Send(s.child.pid, sig, false)
	if err == syscall.ESRCH && s.child.done {
		err = nil // reaped already: the exit is what the loop handles next
	}
	return to, err
}
