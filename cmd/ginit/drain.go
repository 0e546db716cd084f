package main

import (
	"strconv"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/signals"
)

// defaultDrain bounds the drain when no --grace is set.
const defaultDrain = 5 * time.Second

// listMax caps the pids named in one log line and the per-process lines.
const listMax = 20

type drainState struct {
	begun, reported bool
	at              time.Time
	sig             syscall.Signal
	waiting         map[int]signals.Proc // for per-process report lines; nil when too many
	parents         map[int]bool         // live parents of processes still waiting for their signal
}

// beginDrain runs when the main child is gone but other processes remain.
// Left alone they would be SIGKILLed by the kernel the moment ginit exits,
// mid-job; instead each gets the stop signal once and time to finish.
//
// The signal goes to the top of each tree that is left: processes whose
// parent is ginit (orphans, and the dead main child's children) or outside
// the namespace (docker exec). A process whose parent is alive is left to
// that parent, which may be finishing a job through it; it gets the signal
// if its parent exits first and leaves it to ginit.
func (s *supervisor) beginDrain() {
	s.drain.begun, s.drain.at = true, time.Now()
	s.drain.sig = syscall.SIGTERM
	if s.stop.begun() {
		s.drain.sig = s.stop.sig // after rewriting: -r TERM:QUIT means QUIT for everyone
	}
	if !s.stop.begun() || s.cfg.grace == 0 {
		bound := s.cfg.grace
		if bound == 0 {
			bound = defaultDrain
		}
		s.setDeadline(s.drain.at.Add(bound))
	}
	procs, err := signals.Table()
	if err != nil {
		s.drainBlind(err)
		return
	}
	s.diagnoseWrapper(procs)
	s.drain.waiting = map[int]signals.Proc{}
	for _, p := range procs {
		if p.State != 'Z' {
			s.drain.waiting[p.Pid] = p
		}
	}
	sent, spared, left := s.signalRoots(procs)
	if len(s.drain.waiting) > listMax {
		s.drain.waiting = nil // too many to report one by one; the summary will do
	}
	s.log.report("drain", "main child gone; draining the processes left",
		str("signal", signals.Name(s.drain.sig)), str("sent_to", list(sent)), str("already_signalled", list(spared)),
		str("left_to_parent", list(left)), num("count", len(sent)+len(spared)+len(left)),
		ms("bound_ms", time.Until(s.deadline)))
}

// signalRoots signals every live process at the top of a tree that has not
// had a stop signal from ginit, and notes whose exit must be watched for
// processes still left to their parent.
func (s *supervisor) signalRoots(procs []signals.Proc) (sent, spared, left []string) {
	self := syscall.Getpid()
	s.drain.parents = map[int]bool{}
	for _, p := range procs {
		if p.State == 'Z' {
			continue // exited already; its parent (perhaps ginit) reaps it
		}
		name := strconv.Itoa(p.Pid) + "(" + p.Comm + ")"
		switch {
		case s.signalled[p.ID()]:
			spared = append(spared, name)
		case p.PPid != self && p.PPid != 0:
			left = append(left, name)
			s.drain.parents[p.PPid] = true
		default:
			s.signalled[p.ID()] = true
			if err := signals.Send(p.Pid, s.drain.sig, false); err != nil {
				s.log.warn("drain", "cannot signal", num("pid", p.Pid), str("error", err.Error()))
			}
			sent = append(sent, name)
		}
	}
	return sent, spared, left
}

// onDrainedExit: a process ended during the drain. If it was the parent of
// processes still waiting for their signal, they are ginit's now: signal them.
func (s *supervisor) onDrainedExit(pid int) {
	if !s.drain.parents[pid] || s.killed {
		return
	}
	procs, err := signals.Table()
	if err != nil {
		return
	}
	if sent, _, _ := s.signalRoots(procs); len(sent) > 0 {
		s.log.report("drain", "parent exited; draining what it left", num("parent", pid),
			str("signal", signals.Name(s.drain.sig)), str("sent_to", list(sent)))
	}
}

// drainBlind drains without /proc: everyone but those that may already
// have the signal.
func (s *supervisor) drainBlind(why error) {
	s.log.warn("drain", "cannot list processes; draining without names", str("error", why.Error()))
	if s.stop.begun() && s.cfg.group {
		return // the child's group has the signal; anyone else cannot be told apart
	}
	if syscall.Getpid() == 1 {
		signals.SendAll(s.drain.sig)
	} else {
		signals.Send(s.child, s.drain.sig, true)
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
		if !alive[k.ID()] || s.signalled[k.ID()] {
			continue
		}
		s.log.warn("wrapper", "the main child died of "+signals.Name(s.stop.sig)+" without passing it on to its child; "+
			"ginit stops that child gracefully, another init would leave it to be SIGKILLed mid-job; "+
			"fix: exec the app from the script (exec app ...), or run ginit with -g",
			num("wrapper_pid", s.child), str("wrapper_cmd", s.childComm), num("pid", k.Pid), str("cmd", k.Comm))
	}
}

// diedOf: killed by sig, or exited 128+sig (a shell that trapped it).
func diedOf(ws syscall.WaitStatus, sig syscall.Signal) bool {
	return (ws.Signaled() && ws.Signal() == sig) || (ws.Exited() && ws.ExitStatus() == 128+int(sig))
}
