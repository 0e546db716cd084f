package main

import (
	"syscall"

	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/signals"
)

// holdAll takes a handle on each live process not yet held, and returns
// those it took.
func (s *supervisor) holdAll(procs []proctab.Proc) (fresh []*proctab.Handle) {
	for _, p := range procs {
		if old := s.held[p.Pid]; old != nil {
			if old.Start == p.Start {
				old.PPid = p.PPid // a parent's exit may have handed it to ginit
				continue
			}
			s.release(old, "exited (not ginit's child: status unknown)") // its pid is reused
		}
		if !p.Alive() {
			continue
		}
		if h, ok := s.view.Hold(p); ok {
			fresh = append(fresh, h)
		}
	}
	s.take(fresh)
	return fresh
}

// listHeld lists every process and holds those not yet held, as list and
// holdAll would, reading each process's stat once (proctab.ListHeld).
func (s *supervisor) listHeld() ([]proctab.Proc, []*proctab.Handle, error) {
	if _, err := s.openView(); err != nil {
		return nil, nil, err
	}
	procs, hs, err := s.view.ListHeld(func(pid int) bool { return s.held[pid] != nil })
	s.take(hs)
	return procs, append(hs, s.holdAll(procs)...), err
}

// take adds handles to the held table and has the watcher report their
// exits.
func (s *supervisor) take(hs []*proctab.Handle) {
	noFD := 0
	for _, h := range hs {
		if s.watch == nil {
			w, err := proctab.NewWatcher()
			if err != nil {
				s.log.warn("drain", "cannot watch for exits with epoll; checking every "+proctab.PollInterval.String(),
					str("error", err.Error()))
			}
			s.watch, s.watchC = w, w.C
		}
		// ginit's own children announce their exit with SIGCHLD, status and
		// all: a second event for each through the watcher would double the
		// wake-ups of a wide drain. One adopted later is reaped the same way.
		if h.PPid != s.self {
			if err := s.watch.Add(h); err != nil {
				s.log.warn("drain", "cannot watch a process", num("pid", h.Pid), str("error", err.Error()))
			}
		}
		if !h.Pidfd() && proctab.Pidfds() {
			noFD++
		}
		s.held[h.Pid] = h
		s.kidsOf[h.PPid] = append(s.kidsOf[h.PPid], h.Pid)
	}
	s.noteNoFD(noFD)
}

// noteNoFD says, once, that processes are held without a pidfd because
// ginit's descriptors ran out: they are still signalled and waited for,
// by pid and start time, but an operator should know the limit was hit.
func (s *supervisor) noteNoFD(n int) {
	if n == 0 || s.noFDSaid {
		return
	}
	s.noFDSaid = true
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	s.log.warn("drain", "descriptor limit reached: holding processes without a pidfd; they are signalled after a "+
		"start-time check and checked every "+proctab.PollInterval.String(),
		num("count", n), num("nofile_soft", int(lim.Cur)), num("nofile_hard", int(lim.Max)))
}

// signalEach sends sig, then SIGCONT (a stopped process must run to handle
// it), to each held process in ps, marks it as signalled, and returns those
// that were sent it. A failure is a warning naming the processes; one that
// has exited meanwhile is neither.
func (s *supervisor) signalEach(ps []proctab.Proc, sig syscall.Signal) (sent []proctab.Proc) {
	var failed []proctab.Proc
	var firstErr error
	for _, p := range ps {
		s.signalled[p.ID()] = true
		h := s.held[p.Pid]
		err := h.Signal(sig)
		if err == nil {
			err = h.Signal(syscall.SIGCONT)
			sent = append(sent, p)
		}
		if err != nil && err != proctab.ErrExited {
			failed = append(failed, p)
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if len(failed) > 0 {
		s.log.warn("signal", "cannot signal processes", str("signal", signals.Name(sig)), procs("failed", failed),
			num("count", len(failed)), str("error", firstErr.Error()))
	}
	return sent
}
