package main

import (
	"syscall"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/signals"
)

// passIgnored runs right after the stop signal went to the main child. If
// the child ignores that signal, nothing will ever come of it: bash ignores
// SIGQUIT in every mode, so -r TERM:QUIT for an nginx behind a wrapper
// script would leave nginx serving until the orchestrator SIGKILLs it all.
// ginit does not wait for a shell that will never act: it delivers the
// signal now to those the drain would reach once the shell died, the main
// child's own children, once each (s.signalled keeps the drain from sending
// it again). A blocked signal is not acted on here: it is pending, and tini,
// dumb-init and catatonit block every signal to take it with sigwait or a
// signalfd, so their child would get it twice. With -g the group has it.
func (s *supervisor) passIgnored(listed []proctab.Proc) {
	if s.cfg.Group || s.view == nil {
		return
	}
	i := -1
	for j, p := range listed {
		if p.Pid == s.child {
			i = j
		}
	}
	if i < 0 {
		return
	}
	m, ok := s.view.SigMasks(listed[i])
	if !ok || !m.Ignores(s.stop.sig) {
		return
	}
	var sent []proctab.Proc
	for _, k := range s.stop.kids {
		if s.signalled[k.ID()] {
			continue
		}
		h, ok := s.view.Hold(k) // by pidfd: a pid reused since the listing is not signalled
		if !ok {
			continue
		}
		s.signalled[k.ID()] = true
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
	fs := []log.Field{log.Str("signal", name), log.Num("pid", s.child), log.Str("cmd", s.childComm)}
	if len(sent) == 0 {
		s.log.Warn("stop", "the main child ignores "+name+" and has no child to deliver it to; only a deadline will stop it", fs...)
		return
	}
	s.log.Report("stop", "the main child ignores "+name+"; delivered it to the processes below it",
		append(fs, log.Procs("sent_to", sent))...)
}
