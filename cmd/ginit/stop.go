package main

import (
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/internal/stopplan"
	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/signals"
)

type stopState struct {
	at   time.Time
	sig  syscall.Signal // what was delivered, after rewriting
	recv syscall.Signal // what arrived
	kids []int          // the main child's children when the stop began
	plan stopplan.Case  // what the main child was to do with the signal
	// trapKids: with a shell's trap (stopplan.Trap), the main child's
	// children when the stop began: the trap's to stop.
	trapKids map[proctab.ID]bool

	delayEnd time.Time // when a --stop-delay ended, and why (delay.go)
	delayHow string
	held     syscall.Signal // the signal held, when a different one cut the delay short
}

func (st *stopState) begun() bool { return !st.at.IsZero() }

// beginStop notes the stop and starts the grace period, if there is one,
// from the signal's arrival; the loop decides when the signal is delivered.
func (s *supervisor) beginStop(recv, out syscall.Signal) {
	s.stop.at, s.stop.sig, s.stop.recv = s.now(), out, recv
	if s.cfg.Grace > 0 {
		s.setDeadline(s.stop.at.Add(s.cfg.Grace), "the grace period (--grace "+s.cfg.Grace.String()+")")
	}
}

// stopWhileDraining: the main child has exited. Either the drain has
// sent its signal already, or it is about to, with the stop's signal.
// During a stop only --grace may kill, so without it the drain's own
// bound is lifted.
func (s *supervisor) stopWhileDraining() {
	if !s.drain.begun() {
		s.log.Report("stop", "stop signal received as the main child exited; the drain delivers it to what is left",
			s.stopFields()...)
		return
	}
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
// must run to handle it), to whom stopplan decides from the dispositions
// read before anything is sent: the main child (its group with -g), and,
// when the main child will not act on it or only waits (bash and SIGQUIT,
// SIGWINCH, a shell's SIGINT), the tops of the trees below it, once each.
// Only a delivery that happened is reported as one.
func (s *supervisor) deliverStop(msg string, extra ...log.Field) {
	fs := append(s.stopFields(), extra...)
	snap := s.stopSnapshot()
	plan := stopplan.Decide(snap, s.stop.sig, syscall.SIGTERM)
	s.stop.plan = plan.Case
	s.status.set(s.sys, s.now().Add(statusEvery))
	to, err := s.toChild(plan.MainSig)
	if err != nil {
		s.log.Warn("stop", "cannot deliver stop signal", append(fs, log.Str("to", to), log.Str("error", err.Error()))...)
	} else {
		s.markDelivered(snap)
		if _, err := s.toChild(syscall.SIGCONT); err != nil {
			s.log.Warn("stop", "cannot send SIGCONT after the stop signal", log.Str("to", to), log.Str("error", err.Error()))
		}
	}
	sent, instead := s.sendBelow(plan.Sends)
	if err == nil || len(sent)+len(instead) > 0 {
		if err != nil {
			// the warning above says the main child did not get it
			msg, to = "stop signal delivered below the main child only", "none"
		}
		fs = append(fs, log.Str("to", to), log.Num("pid", s.child.pid), log.Str("cmd", s.child.comm))
		if plan.MainSig != s.stop.sig {
			fs = append(fs, log.Str("delivered", signals.Name(plan.MainSig)))
		}
		fs = append(fs, log.Str("why", s.planWhy(plan)))
		if len(sent) > 0 {
			fs = append(fs, log.Procs("sent_to", sent))
		}
		if len(instead) > 0 {
			fs = append(fs, log.Procs("sigterm_instead", instead))
		}
		s.log.Report("stop", msg, fs...)
	}
	s.warnDeaf(plan.Deaf, s.stop.sig)
}

// stopSnapshot reads what the stop concerns, before anything is sent: the
// main child and its dispositions; its children's pids into s.stop.kids;
// with -g every process below it (a member that left the group may be
// anywhere). The children's dispositions are read only when the plan
// depends on them: a main child may have thousands, and most stops do not.
func (s *supervisor) stopSnapshot() stopplan.Snapshot {
	snap := stopplan.Snapshot{Group: s.cfg.Group, Main: stopplan.Target{Proc: proctab.Proc{Pid: s.child.pid, Comm: s.child.comm}}}
	v, err := s.openView()
	if err != nil {
		s.procErr("the stop's snapshot", err)
		return snap
	}
	var me proctab.Proc
	if s.cfg.Group {
		all, err := v.List()
		s.procErr("the stop's snapshot", err)
		me, snap.Below = below(all, s.child.pid)
		for _, t := range snap.Below {
			if t.Proc.PPid == s.child.pid {
				s.stop.kids = append(s.stop.kids, t.Proc.Pid)
			}
		}
	} else {
		me, s.stop.kids, err = v.Family(s.child.pid)
		s.procErr("the stop's snapshot", err)
	}
	if me.Pid != s.child.pid {
		return snap // gone, or /proc unreadable: Unknown, the main child alone
	}
	s.child.comm = me.Comm
	snap.Main = s.target(me)
	switch stopplan.Classify(snap.Main, s.stop.sig) {
	case stopplan.Ignores, stopplan.ShellWaits:
		if !s.cfg.Group {
			for _, p := range s.stopKids(nil) {
				snap.Below = append(snap.Below, stopplan.Target{Proc: p})
			}
		}
		for _, i := range stopplan.Tops(snap) {
			snap.Below[i] = s.target(snap.Below[i].Proc)
		}
	case stopplan.Trap:
		s.stop.trapKids = map[proctab.ID]bool{}
		for _, p := range s.stopKids(nil) {
			s.stop.trapKids[p.ID()] = true
		}
	}
	return snap
}

// below splits a listing into the process pid and every process below it.
func below(all []proctab.Proc, pid int) (me proctab.Proc, out []stopplan.Target) {
	kids := map[int][]proctab.Proc{}
	for _, p := range all {
		if p.Pid == pid {
			me = p
		}
		kids[p.PPid] = append(kids[p.PPid], p)
	}
	for next := kids[pid]; len(next) > 0; {
		p := next[0]
		next = append(next[1:], kids[p.Pid]...)
		out = append(out, stopplan.Target{Proc: p})
	}
	return me, out
}

// target reads p's signal dispositions.
func (s *supervisor) target(p proctab.Proc) stopplan.Target {
	m, ok := s.procs.view.SigMasks(p)
	return stopplan.Target{Proc: p, Masks: m, Known: ok}
}

// markDelivered notes who had the stop signal from the main child's
// delivery: the main child, and with -g every member of its group.
func (s *supervisor) markDelivered(snap stopplan.Snapshot) {
	if snap.Main.Proc.Start != 0 {
		s.procs.signalled[snap.Main.Proc.ID()] = true
	}
	if !s.cfg.Group {
		return
	}
	for _, t := range snap.Below {
		if t.Proc.Pgrp == s.child.pid {
			s.procs.signalled[t.Proc.ID()] = true
		}
	}
}

// sendBelow delivers the plan's signals to processes below the main child,
// each held by a pidfd (a pid reused since the listing is not signalled)
// and marked, so that the drain never sends to it again.
func (s *supervisor) sendBelow(sends []stopplan.Send) (sent, instead []proctab.Proc) {
	for _, d := range sends {
		if s.procs.signalled[d.Proc.ID()] {
			continue
		}
		h, ok := s.procs.view.Hold(d.Proc)
		if !ok {
			continue
		}
		s.procs.signalled[d.Proc.ID()] = true
		err := s.procs.view.signal(h, d.Sig)
		if err == nil {
			err = s.procs.view.signal(h, syscall.SIGCONT)
			if d.Instead {
				instead = append(instead, d.Proc)
			} else {
				sent = append(sent, d.Proc)
			}
		}
		if err != nil && err != proctab.ErrExited {
			s.log.Warn("stop", "cannot signal", log.Num("pid", d.Proc.Pid), log.Str("cmd", d.Proc.Comm),
				log.Str("signal", signals.Name(d.Sig)), log.Str("error", err.Error()))
		}
		s.procs.view.close(h)
	}
	return sent, instead
}

// planWhy says, for the stop line, why the signal went where it went.
func (s *supervisor) planWhy(p stopplan.Plan) string {
	who, sig := s.child.comm, signals.Name(s.stop.sig)
	switch p.Case {
	case stopplan.Dies:
		return who + " has no handler for " + sig + ": it ends, and what it leaves gets " + sig + " from the drain"
	case stopplan.Ignores:
		if p.MainSig != s.stop.sig {
			return who + " does nothing on " + sig + " and has no child to pass it to: SIGTERM instead"
		}
		if stopplan.DefaultIgnored(s.stop.sig) {
			return who + " does nothing on " + sig + ": delivered to the processes below it"
		}
		return who + " ignores " + sig + ": delivered to the processes below it"
	case stopplan.ShellWaits:
		return who + " catches " + sig + " only to wait for its child: delivered to its children too, as a terminal's Ctrl-C would"
	case stopplan.Handles:
		return who + " has a handler for " + sig + ": it alone gets it"
	case stopplan.Trap:
		return who + " has a trap for " + sig + ": it alone gets it, and what it leaves when it exits is its trap's to stop " +
			"(a shell runs a trap only once its foreground child exits: start the app with & and wait)"
	case stopplan.Init:
		return who + " blocks " + sig + " to take it itself (an init): it alone gets it"
	}
	return "its dispositions could not be read: it alone gets it"
}

// warnDeaf names, at once, processes that ignore both the stop signal and
// SIGTERM: nothing ginit may send will stop them but a deadline.
func (s *supervisor) warnDeaf(deaf []proctab.Proc, sig syscall.Signal) {
	if len(deaf) == 0 {
		return
	}
	what := signals.Name(sig) + " and SIGTERM"
	if sig == syscall.SIGTERM {
		what = "SIGTERM"
	}
	s.log.Warn("stop", "processes ignore "+what+": only a deadline will stop them "+
		"(--grace, or the orchestrator's SIGKILL); fix: have them handle a stop signal, or choose one they act on with -r",
		log.Procs("deaf", deaf), log.Num("count", len(deaf)))
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
		all, err := s.list()
		s.procErr("the main child's children", err)
		return s.stopKids(all)
	}
	for _, pid := range s.stop.kids {
		if p, ok := s.procs.view.Stat(pid); ok {
			out = append(out, p)
		}
	}
	return out
}
