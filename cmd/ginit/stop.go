package main

import (
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/reaper"
	"github.com/ginit-dev/ginit/signals"
)

// defaultDrain bounds the drain when no --grace is set.
const defaultDrain = 5 * time.Second

// afterKill is how long ginit waits for SIGKILLed processes to be reaped. A
// process in uninterruptible sleep may outlive SIGKILL; ginit gives up on it
// rather than hang, and the kernel ends it when PID 1 exits.
const afterKill = 2 * time.Second

// listMax caps the pids named in one log line and the per-process lines.
const listMax = 20

type stopState struct {
	at        time.Time
	sig       syscall.Signal      // what was delivered, after rewriting
	signalled map[signals.ID]bool // who got it from ginit: never signal them again
	childGot  bool
	kids      []signals.Proc // the main child's children when the stop began
}

func (st *stopState) begun() bool { return !st.at.IsZero() }

type drainState struct {
	begun, reported, abandoned bool
	at                         time.Time
	waiting                    map[int]signals.Proc
}

// beginStop delivers the stop signal and starts the grace period.
func (s *supervisor) beginStop(recv, out syscall.Signal) {
	s.stop.at, s.stop.sig = time.Now(), out
	s.stop.signalled = map[signals.ID]bool{}
	fs := []field{str("signal", signals.Name(out))}
	if recv != out {
		fs = append(fs, str("received", signals.Name(recv)))
	}
	fs = append(fs, str("at", s.stop.at.UTC().Format(time.RFC3339Nano)))
	if s.cfg.grace > 0 {
		fs = append(fs, ms("grace_ms", s.cfg.grace))
		s.setDeadline(s.stop.at.Add(s.cfg.grace))
	}
	if s.childDone {
		s.log.report("stop", "stop signal received while draining: everything left already has it", fs...)
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
				s.stop.signalled[p.ID()] = true
			}
		}
	}
	s.stop.childGot = true
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

// beginDrain runs when the main child is gone but other processes remain.
// Left alone they would be SIGKILLed by the kernel the moment ginit exits,
// mid-job; instead each gets the stop signal once and time to finish.
func (s *supervisor) beginDrain() {
	s.drain.begun, s.drain.at = true, time.Now()
	s.drain.waiting = map[int]signals.Proc{}
	sig := syscall.SIGTERM
	if s.stop.begun() {
		sig = s.stop.sig
	}
	bound := s.cfg.grace
	if bound == 0 {
		bound = defaultDrain
	}
	if !s.stop.begun() || s.cfg.grace == 0 {
		s.setDeadline(s.drain.at.Add(bound))
	}
	procs, err := signals.Table()
	if err != nil {
		s.drainBlind(sig, err)
		return
	}
	s.diagnoseWrapper(procs)
	var sent, spared []string
	for _, p := range procs {
		if p.State == 'Z' {
			continue // exited already; its parent (perhaps ginit) reaps it
		}
		s.drain.waiting[p.Pid] = p
		if s.stop.signalled[p.ID()] {
			spared = append(spared, strconv.Itoa(p.Pid))
			continue
		}
		if err := signals.Send(p.Pid, sig, false); err != nil {
			s.log.warn("drain", "cannot signal", num("pid", p.Pid), str("error", err.Error()))
		}
		sent = append(sent, strconv.Itoa(p.Pid)+"("+p.Comm+")")
	}
	if len(s.drain.waiting) > listMax {
		s.drain.waiting = nil // too many to report one by one; the summary will do
	}
	s.log.report("drain", "main child gone; draining the processes left",
		str("signal", signals.Name(sig)), str("sent_to", list(sent)), str("already_signalled", list(spared)),
		num("count", len(sent)+len(spared)), ms("bound_ms", time.Until(s.deadline)))
}

// drainBlind drains without /proc: everyone but those that may already
// have the signal.
func (s *supervisor) drainBlind(sig syscall.Signal, why error) {
	s.log.warn("drain", "cannot list processes; draining without names", str("error", why.Error()))
	if s.stop.begun() && s.cfg.group {
		return // the child's group has the signal; anyone else cannot be told apart
	}
	if syscall.Getpid() == 1 {
		signals.SendAll(sig)
	} else {
		signals.Send(s.child, sig, true)
	}
}

// diagnoseWrapper warns when the main child died of the stop signal while
// a child of its own never got it: a shell script that ran the app without
// exec. Under tini or dumb-init that app is SIGKILLed mid-job.
func (s *supervisor) diagnoseWrapper(procs []signals.Proc) {
	if !s.stop.begun() || !diedOf(s.childStatus, s.stop.sig) {
		return
	}
	alive := map[signals.ID]bool{}
	for _, p := range procs {
		alive[p.ID()] = p.State != 'Z'
	}
	for _, k := range s.stop.kids {
		if !alive[k.ID()] || s.stop.signalled[k.ID()] {
			continue
		}
		s.log.warn("wrapper", "the main child died of "+signals.Name(s.stop.sig)+" without passing it on to its child, "+
			"which ginit now stops gracefully; fix: exec the app from the script (exec "+k.Comm+"), or run ginit with -g",
			num("wrapper_pid", s.child), str("wrapper_cmd", s.childComm), num("pid", k.Pid), str("cmd", k.Comm))
	}
}

// diedOf: killed by sig, or exited 128+sig (a shell that trapped it).
func diedOf(ws syscall.WaitStatus, sig syscall.Signal) bool {
	return (ws.Signaled() && ws.Signal() == sig) || (ws.Exited() && ws.ExitStatus() == 128+int(sig))
}

// onDeadline: the grace period or the drain bound has passed.
func (s *supervisor) onDeadline() {
	s.timerC, s.deadline = nil, time.Time{}
	if s.killed {
		s.log.warn("kill", "processes remain after SIGKILL (uninterruptible sleep?); exiting without them")
		s.drain.abandoned = true
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
