package main

import (
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/reaper"
	"github.com/ginit-dev/ginit/signals"
)

// afterKill is how long ginit waits for SIGKILLed processes to be reaped. A
// process in uninterruptible sleep may outlive SIGKILL; ginit gives up on it
// rather than hang, and the kernel ends it when PID 1 exits.
const afterKill = 2 * time.Second

type stopState struct {
	at   time.Time
	sig  syscall.Signal // what was delivered, after rewriting
	kids []signals.Proc // the main child's children when the stop began
}

func (st *stopState) begun() bool { return !st.at.IsZero() }

// beginStop delivers the stop signal and starts the grace period.
func (s *supervisor) beginStop(recv, out syscall.Signal) {
	s.stop.at, s.stop.sig = time.Now(), out
	fs := []field{str("signal", signals.Name(out))}
	if recv != out {
		fs = append(fs, str("received", signals.Name(recv)))
	}
	fs = append(fs, str("at", stamp(s.stop.at)))
	if s.cfg.grace > 0 {
		fs = append(fs, ms("grace_ms", s.cfg.grace))
		s.setDeadline(s.stop.at.Add(s.cfg.grace))
	}
	if s.childDone {
		s.log.report("stop", "stop signal received while draining; the drain has already sent it", fs...)
		return
	}
	// Who is about to get the signal, and who is the child's own child (a
	// wrapper's app), is known only now: read it before sending.
	if procs, err := signals.Table(); err == nil {
		for _, p := range procs {
			if p.PPid == s.child {
				s.stop.kids = append(s.stop.kids, p)
			}
			if p.Pid == s.child {
				s.childComm = p.Comm
			}
			if p.Pid == s.child || (s.cfg.group && p.Pgrp == s.child) {
				s.signalled[p.ID()] = true
			}
		}
	}
	if err := signals.Send(s.child, out, s.cfg.group); err != nil {
		s.log.warn("stop", "cannot deliver stop signal", append(fs, str("error", err.Error()))...)
	}
	s.log.report("stop", "stop signal received; delivered", append(fs, str("to", s.target()),
		num("pid", s.child), str("cmd", s.childComm))...)
}

// onChildExit reports the main child's end.
func (s *supervisor) onChildExit() {
	fs := []field{num("pid", s.child), str("cmd", s.childComm), str("status", reaper.Describe(s.childStatus))}
	if s.stop.begun() {
		s.log.report("child-exit", "main child exited", append(fs, ms("after_ms", s.childEnded.Sub(s.stop.at)))...)
		return
	}
	s.log.info("child-exit", "main child exited", append(fs, ms("runtime_ms", s.childEnded.Sub(s.started)))...)
}

// onDeadline: the grace period or the drain bound has passed.
func (s *supervisor) onDeadline() {
	s.timerC, s.deadline = nil, time.Time{}
	if s.killed {
		s.log.warn("kill", "processes remain after SIGKILL (uninterruptible sleep?); exiting without them")
		s.gaveUp = true
		return
	}
	s.killed = true
	var names []string
	procs, err := signals.Table()
	for _, p := range procs {
		if p.State != 'Z' {
			names = append(names, strconv.Itoa(p.Pid)+"("+p.Comm+")")
		}
	}
	if syscall.Getpid() == 1 {
		signals.SendAll(syscall.SIGKILL)
	} else {
		if !s.childDone {
			signals.Send(s.child, syscall.SIGKILL, true)
		}
		for _, p := range procs {
			signals.Send(p.Pid, syscall.SIGKILL, false)
		}
	}
	since := s.drain.at
	if s.stop.begun() {
		since = s.stop.at
	}
	fs := []field{str("killed", list(names)), num("count", len(names)), ms("after_ms", time.Since(since))}
	if err != nil {
		fs = append(fs, str("error", err.Error()))
	}
	s.log.warn("kill", "deadline passed; sent SIGKILL to everything left", fs...)
	s.setDeadline(time.Now().Add(afterKill))
}

// list joins up to listMax items, and says how many more there were.
func list(items []string) string {
	if len(items) > listMax {
		return strings.Join(items[:listMax], ",") + ",+" + strconv.Itoa(len(items)-listMax) + " more"
	}
	return strings.Join(items, ",")
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
