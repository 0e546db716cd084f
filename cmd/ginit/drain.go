package main

import (
	"strconv"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/internal/stopplan"
	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/signals"
)

// defaultDrain bounds a drain that no stop signal began (the main child
// exited by itself) when no --grace is set: longer than the shutdown
// timeouts of common job runners (Sidekiq's 25 s).
const defaultDrain = 30 * time.Second

type drainState struct {
	at     time.Time
	sig    syscall.Signal
	lines  int // per-process lines written, up to log.ListMax: a deep tree would flood the log
	exited int // processes seen to exit since the drain or the kill began

	// Past the line budget: what was not listed, said in one line at the
	// next status line or at the end, so that no exit and no delivery is
	// left unsaid.
	quietExits int
	quietSent  []proctab.Proc // got the drain's signal (or SIGTERM instead) as their parents exited: the first log.ListMax,
	quietMore  int            // and how many more: a storm's batch is not kept whole for one line
}

func (d *drainState) begun() bool { return !d.at.IsZero() }

// quiet notes deliveries past the line budget: the first log.ListMax by
// name, the rest as a count.
func (d *drainState) quiet(lists ...[]proctab.Proc) {
	for _, ps := range lists {
		n := min(len(ps), log.ListMax-len(d.quietSent))
		d.quietSent = append(d.quietSent, ps[:n]...)
		d.quietMore += len(ps) - n
	}
}

// line reports whether one more per-process line may be written; the
// first that may not is said, so that the budget is seen when it acts.
func (s *supervisor) line() bool {
	d := &s.drain
	d.lines++
	if d.lines == log.ListMax+1 {
		s.log.Report("drain", "per-process lines end here ("+strconv.Itoa(log.ListMax)+" written); "+
			"further exits and deliveries are counted and said every "+statusEvery.String()+" and at the end")
	}
	return d.lines <= log.ListMax
}

// sayQuiet says what the line budget kept from the log since it was last
// said: how many exits, and who got the drain's signal.
func (s *supervisor) sayQuiet() {
	d := &s.drain
	if d.quietExits > 0 {
		s.log.Report("drained", strconv.Itoa(d.quietExits)+" more processes exited, not listed", log.Num("count", d.quietExits))
	}
	if len(d.quietSent) > 0 {
		s.log.Report("drain", "parents exited; drained what they left, not listed one by one",
			log.Str("signal", signals.Name(d.sig)), log.Procs("sent_to", d.quietSent).Plus(d.quietMore),
			log.Num("count", len(d.quietSent)+d.quietMore))
	}
	d.quietExits, d.quietSent, d.quietMore = 0, nil, 0
}

// beginDrain runs when the main child is gone. Left alone, the processes
// that remain would be SIGKILLed by the kernel the moment ginit exits,
// mid-job; instead each gets the stop signal once and time to finish.
func (s *supervisor) beginDrain(procs []proctab.Proc, listErr error) {
	s.drain.at, s.drain.sig = s.now(), s.drainSignal()
	if !s.stop.begun() {
		bound, why := s.cfg.Grace, "the drain's bound (--grace "+s.cfg.Grace.String()+")"
		if bound == 0 {
			bound, why = defaultDrain, "the drain's default bound ("+defaultDrain.String()+", no --grace set)"
		}
		s.setDeadline(s.drain.at.Add(bound), why)
	}
	s.status.set(s.sys, s.drain.at.Add(statusEvery))
	if listErr != nil {
		s.drainBlind(listErr)
		return
	}
	s.diagnoseWrapper(procs)
	s.leaveToTrap()
	s.signalTops("main child gone; draining the processes left")
}

// leftOver lists the processes left when the main child has gone, and
// holds each live one. None, and no error, means ginit may exit.
func (s *supervisor) leftOver() ([]proctab.Proc, error) {
	if s.nothingLeft() {
		return nil, nil // one system call, not a read of /proc
	}
	procs, fresh, err := s.listHeld()
	if err == nil && len(fresh) == 0 && s.noChildren {
		return nil, nil
	}
	return procs, err
}

// nothingLeft: no process is left for ginit to wait for. Without children
// ginit has no descendants; as PID 1, an exec session may still be there.
func (s *supervisor) nothingLeft() bool {
	return s.noChildren && len(s.procs.held) == 0 && (s.self != 1 || s.sys.noneLeft())
}

// drainSignal is the stop's signal after rewriting (-r TERM:QUIT means QUIT
// for everyone), or SIGTERM as rewritten when no stop began.
func (s *supervisor) drainSignal() syscall.Signal {
	if s.stop.begun() {
		return s.stop.sig
	}
	if sig, ok := s.cfg.Rewrites.Apply(syscall.SIGTERM); ok {
		return sig
	}
	return syscall.SIGTERM
}

// signalTops sends the drain's signal, then SIGCONT, to each held process
// at the top of a tree that has not had it (proctab.Tops decides), and
// reports what it did.
func (s *supervisor) signalTops(msg string) {
	tops, spared, left := proctab.Tops(s.heldProcs(), s.self, s.had)
	sent, instead := s.signalDrain(tops)
	var told, trapped []proctab.Proc
	for _, p := range spared {
		if s.procs.signalled[p.ID()] {
			told = append(told, p)
		} else {
			trapped = append(trapped, p)
		}
	}
	fs := []log.Field{log.Str("signal", signals.Name(s.drain.sig)), log.Procs("sent_to", sent),
		log.Procs("already_signalled", told), log.Procs("left_to_parent", left),
		log.Num("count", len(sent)+len(instead)+len(spared)+len(left))}
	if len(trapped) > 0 {
		fs = append(fs, log.Procs("left_to_trap", trapped))
	}
	if len(instead) > 0 {
		fs = append(fs, log.Procs("sigterm_instead", instead))
	}
	if !s.procs.modeSaid {
		s.procs.modeSaid = true
		fs = append(fs, log.Str("handles", s.procs.view.Mode()))
	}
	s.log.Report("drain", msg, append(fs, s.deadlineFields("bound_ms")...)...)
}

// signalDrain sends the drain's signal to each of ps, or SIGTERM to one
// that would do nothing on it: bash starts its & jobs with SIGINT and
// SIGQUIT ignored, so a cron started so never hears -r TERM:QUIT. One that
// ignores SIGTERM too is named at once. SIGTERM itself needs no look.
func (s *supervisor) signalDrain(ps []proctab.Proc) (sent, instead []proctab.Proc) {
	if s.drain.sig == syscall.SIGTERM || s.procs.view == nil {
		return s.signalEach(ps, s.drain.sig), nil
	}
	var plain, other, deaf []proctab.Proc
	for _, p := range ps {
		m, ok := s.procs.view.SigMasks(p)
		switch {
		case !ok || !stopplan.Deaf(m, s.drain.sig):
			plain = append(plain, p)
		case !stopplan.Deaf(m, syscall.SIGTERM):
			other = append(other, p)
		default:
			s.procs.signalled[p.ID()] = true // nothing to send it; said once, below
			deaf = append(deaf, p)
		}
	}
	s.warnDeaf(deaf, s.drain.sig)
	return s.signalEach(plain, s.drain.sig), s.signalEach(other, syscall.SIGTERM)
}

// adopt: processes ended during the drain (parents), so their children
// are ginit's now. Those not yet signalled are the top of their trees:
// signal them. ginit's children are read only when a process it does not
// know of may exist (proctab.View.Forked); otherwise only the known
// children of the parents are looked at. Either way an exit costs work in
// proportion to what it changed, and a chain of any depth or a wide
// drain stays linear.
func (s *supervisor) adopt(parents ...int) {
	if s.procs.view == nil {
		return // draining blind
	}
	var kids []proctab.Proc
	if s.procs.view.Forked() {
		var ok bool
		if kids, ok = s.procs.view.Children(func(pid int) bool { return s.procs.held[pid] != nil }); !ok {
			var err error
			kids, err = s.list() // no children lists in this kernel: read everything
			s.procErr("adopting a parent's children", err)
		}
		s.holdAll(kids)
	}
	for _, parent := range parents {
		for _, pid := range s.procs.kidsOf[parent] {
			if h := s.procs.held[pid]; h != nil {
				if q, ok := s.procs.view.Adopted(h.Proc); ok {
					h.PPid = q.PPid
					kids = append(kids, q)
				}
			}
		}
		delete(s.procs.kidsOf, parent)
	}
	// Filtered in place: kids is this call's own, and a second array of a
	// storm's batch would raise the heap's peak, which is what a storm
	// leaves behind (doc/performance.md, "Memory after a storm").
	orphans := kids[:0]
	for _, k := range kids {
		h := s.procs.held[k.Pid]
		if h != nil && h.Start == k.Start && k.PPid == s.self && !s.had(k.ID()) {
			// Marked now: a kid read both among ginit's children and as a
			// parent's adopted one is listed twice, and must get one signal.
			s.procs.signalled[k.ID()] = true
			orphans = append(orphans, k)
		}
	}
	sent, instead := s.signalDrain(orphans)
	if len(sent)+len(instead) == 0 {
		return
	}
	if !s.line() {
		s.drain.quiet(sent, instead)
		return
	}
	fs := []log.Field{log.Str("signal", signals.Name(s.drain.sig)), log.Procs("sent_to", sent)}
	if len(instead) > 0 {
		fs = append(fs, log.Procs("sigterm_instead", instead))
	}
	if len(parents) == 1 && parents[0] > 0 {
		fs = append([]log.Field{log.Num("parent", parents[0])}, fs...)
	}
	s.log.Report("drain", "parent exited; draining what it left", fs...)
}

// drainBlind drains without /proc: as PID 1, everyone (kill(-1) names
// no number, so nothing reused can be hit); otherwise nobody, since the
// main child's group number may belong to a stranger once the child is
// reaped, and no process can be named. It waits for ginit's children.
func (s *supervisor) drainBlind(why error) {
	if s.stop.begun() && s.cfg.Group || s.self != 1 {
		s.log.Warn("drain", "cannot list processes; not signalling the processes left (none can be named safely), "+
			"waiting for ginit's children only", log.Str("error", why.Error()))
		return
	}
	s.log.Warn("drain", "cannot list processes; draining without names, waiting for ginit's children only",
		log.Str("error", why.Error()))
	err := s.sys.sendAll(s.drain.sig)
	if err == nil {
		err = s.sys.sendAll(syscall.SIGCONT)
	}
	if err != nil && err != syscall.ESRCH {
		s.log.Warn("drain", "cannot signal the processes left", log.Str("signal", signals.Name(s.drain.sig)), log.Str("error", err.Error()))
	}
}

// had: the process got the stop signal from ginit, or is left to the main
// child's trap, which has passed the stop on (leaveToTrap).
func (s *supervisor) had(id proctab.ID) bool {
	return s.procs.signalled[id] || s.stop.trapKids[id]
}

// leaveToTrap: a shell with a trap for the stop signal that then exited,
// rather than died of it, has done what it meant to with its children: a trap that passes each daemon its
// graceful signal, or `kill -TERM $pid; wait $pid`. A second signal from
// the drain would undo that (SIGTERM is nginx's and php-fpm's fast stop;
// to a job runner a second SIGTERM can mean "abort now"), so its children
// are waited for, not signalled. A trap that only cleans up looks the same
// from outside; --signal-after-trap is for that script, and the line says so.
func (s *supervisor) leaveToTrap() {
	if s.stop.plan != stopplan.Trap || s.child.status.Signaled() {
		s.stop.trapKids = nil // died of a signal: nobody passed anything on
		return
	}
	var kids []proctab.Proc
	for _, h := range s.sortedHeld() {
		if s.stop.trapKids[h.ID()] && !s.procs.signalled[h.ID()] {
			kids = append(kids, h.Proc)
		}
	}
	if len(kids) == 0 {
		return
	}
	sig := signals.Name(s.stop.sig)
	fs := []log.Field{log.Num("pid", s.child.pid), log.Str("cmd", s.child.comm), log.Str("status", s.child.desc),
		log.Procs("left", kids), log.Num("count", len(kids))}
	if s.cfg.SignalAfterTrap {
		s.stop.trapKids = nil
		s.log.Report("trap", "the main child trapped "+sig+" and exited; --signal-after-trap: its children get "+
			signals.Name(s.drain.sig)+" from the drain", fs...)
		return
	}
	s.log.Report("trap", "the main child trapped "+sig+" and exited, not killed by it: its trap is taken to have passed "+
		"the stop on; ginit waits for its children without signalling them (if the trap only cleans up, "+
		"--signal-after-trap sends them "+signals.Name(s.drain.sig)+")", fs...)
}

// diagnoseWrapper warns when the main child died of the stop signal, with
// no handler for it, while children of its own never got it: a shell
// script that ran the app without exec. Under tini or dumb-init that app
// is SIGKILLed mid-job. One line per wrapper, naming its children; the fix
// fits the shape and the flags: exec for one app, a trap for several
// daemons; -g only where it is not in use, with its cost (Celery's pool
// workers get SIGTERM from ginit and abandon their tasks). What ginit
// sends next is named, not called graceful (SIGTERM is nginx's fast stop).
func (s *supervisor) diagnoseWrapper(procs []proctab.Proc) {
	if !s.stop.begun() || !diedOf(s.child.status, s.stop.sig) ||
		(s.stop.plan != stopplan.Dies && s.stop.plan != stopplan.Unknown) {
		return
	}
	var kids []proctab.Proc
	for _, k := range s.stopKids(procs) {
		if k.Alive() && !s.procs.signalled[k.ID()] {
			kids = append(kids, k)
		}
	}
	if len(kids) == 0 {
		return
	}
	sig := signals.Name(s.stop.sig)
	fix := "fix: exec the app from the script (exec app ...)"
	if len(kids) > 1 {
		fix = "fix: the script starts several processes: trap " + sig + ", pass each its own graceful stop, then wait " +
			"(doc/shutdown.md, Several daemons behind one script)"
	}
	if !s.cfg.Group && len(kids) == 1 {
		fix += "; -g also reaches it, but signals every process of the group directly: a pre-forking server's workers " +
			"(Celery's pool) may die mid-task"
	}
	s.log.Warn("wrapper", "the main child died of "+sig+" without passing it on to its children; ginit sends them "+
		signals.Name(s.drain.sig)+" now and waits for them, another init would leave them to be SIGKILLed mid-job; "+fix,
		log.Num("wrapper_pid", s.child.pid), log.Str("wrapper_cmd", s.child.comm), log.Procs("children", kids), log.Num("count", len(kids)))
}

// diedOf: killed by sig, or exited 128+sig (a shell that trapped it).
func diedOf(ws syscall.WaitStatus, sig syscall.Signal) bool {
	return (ws.Signaled() && ws.Signal() == sig) || (ws.Exited() && ws.ExitStatus() == 128+int(sig))
}
