package main

import (
	"strconv"
	"strings"
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
	kids []proctab.Proc // the main child's children when the stop began

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
	procs, err := s.list()
	if err == nil {
		for _, p := range procs {
			if p.PPid == s.child {
				s.stop.kids = append(s.stop.kids, p)
			}
			if p.Pid == s.child {
				s.childComm = p.Comm
			}
			if p.Pid == s.child || (s.cfg.Group && p.Pgrp == s.child) {
				s.signalled[p.ID()] = true
			}
		}
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
	s.log.Report("stop", msg, append(fs, log.Str("to", to), log.Num("pid", s.child), log.Str("cmd", s.childComm))...)
	s.passIgnored(procs) // bash ignores SIGQUIT: -r TERM:QUIT must still reach the app
}

// forward passes a signal to the child, or to its process group with -g.
func (s *supervisor) forward(recv, out syscall.Signal) {
	fs := []log.Field{log.Str("signal", signals.Name(out))}
	if recv != out {
		fs = append(fs, log.Str("received", signals.Name(recv)))
	}
	if s.childDone && !s.cfg.Group {
		s.log.Info("forward", "dropped signal: the child has exited", fs...)
		return
	}
	to, err := s.toChild(out)
	if err != nil {
		s.log.Warn("forward", "cannot forward signal", append(fs, log.Str("to", to), log.Str("error", err.Error()))...)
		return
	}
	s.log.Info("forward", "forwarded signal", append(fs, log.Str("to", to), log.Num("pid", s.child))...)
}

// toChild sends sig to the main child, or to its process group with -g,
// and says where it went. A group that is empty (the child left it with
// setsid or setpgid) takes a signal without a word but ESRCH; the child
// is then signalled itself, since it is the one ginit answers for.
func (s *supervisor) toChild(sig syscall.Signal) (to string, err error) {
	if s.cfg.Group {
		err = signals.Send(s.child, sig, true)
		if err != syscall.ESRCH || s.childDone {
			return "group", err
		}
		to = "child (its process group is empty)"
	} else {
		to = "child"
	}
	err = signals.Send(s.child, sig, false)
	if err == syscall.ESRCH && s.childDone {
		err = nil // reaped already: the exit is what the loop handles next
	}
	return to, err
}

// onChildExit reports the main child's end: in the stop report if a stop
// began, or if the OOM killer ended it.
func (s *supervisor) onChildExit(oom bool) {
	fs := []log.Field{log.Num("pid", s.child), log.Str("cmd", s.childComm), log.Str("status", s.childDesc)}
	if oom && !s.stop.begun() {
		s.log.Warn("child-exit", "main child exited", append(fs, log.Ms("runtime_ms", s.childEnded.Sub(s.started)))...)
		return
	}
	if s.stop.begun() {
		s.log.Report("child-exit", "main child exited", append(fs, log.Ms("after_ms", s.childEnded.Sub(s.stop.at)))...)
		return
	}
	s.log.Info("child-exit", "main child exited", append(fs, log.Ms("runtime_ms", s.childEnded.Sub(s.started)))...)
}

// killAll SIGKILLs every process left and holds it, so its end is seen.
// Called again for whatever appears until nothing is left: a process that
// keeps forking cannot outrun it for long.
func (s *supervisor) killAll() {
	procs, _ := s.list()
	s.holdAll(procs)
	var errs []string
	note := func(what string, err error) {
		if err != nil && err != syscall.ESRCH && err != proctab.ErrExited {
			errs = append(errs, what+": "+err.Error())
		}
	}
	if !s.childDone {
		note("group", signals.Send(s.child, syscall.SIGKILL, true)) // -g or not, the app is in it
		note("child", signals.Send(s.child, syscall.SIGKILL, false))
	}
	if s.view != nil && s.view.Whole() {
		note("every process", signals.SendAll(syscall.SIGKILL)) // no pid numbers: nothing reused can be hit
	}
	for _, h := range s.sortedHeld() {
		note(h.Name(), h.Signal(syscall.SIGKILL))
		if !s.killedIDs[h.ID()] {
			s.killedIDs[h.ID()] = true
			s.killed = append(s.killed, h.Proc)
		}
	}
	if len(errs) > 0 {
		s.log.Warn("kill", "cannot SIGKILL everything", log.Num("count", len(errs)), log.Str("error", errs[0]))
	}
}

// list reads the process table, opening the view on first use.
func (s *supervisor) list() ([]proctab.Proc, error) {
	if s.view == nil {
		v, err := proctab.NewView()
		if err != nil {
			return nil, err
		}
		s.view = v
	}
	return s.view.List()
}

// baseName is argv[0] without its directory: the child's name in logs
// until /proc tells the kernel's (at most 15 bytes, no arguments logged).
func baseName(argv0 string) string {
	return argv0[strings.LastIndexByte(argv0, '/')+1:]
}

func joinArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}
