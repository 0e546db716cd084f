package main

import (
	"runtime/debug"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/signals"
)

// holds are the processes ginit waits for once the main child is gone (or
// must SIGKILL): each held by a pidfd, or by pid and start time, from the
// moment /proc shows it, and watched for its exit.
type holds struct {
	view      table                   // nil until first needed (openView)
	held      map[int]*proctab.Handle // every live process ginit waits for, by pid
	signalled map[proctab.ID]bool     // got the stop signal from ginit: never again
	group     map[proctab.ID]bool     // with -g: seen in the main child's group while it was the child's (signals.go)
	kidsOf    map[int][]int           // held pids by their parent's, as last seen
	peak      int                     // the most held at once since the tables were last made (compact)
	free      timer                   // hands memory back to the kernel once a storm is over (freeSoon)
	modeSaid  bool                    // the drain has said how processes are held
	noFDSaid  bool                    // the descriptor limit has been reported
	watch     watcher
}

// holdAll takes a handle on each live process not yet held, and returns
// those it took.
func (s *supervisor) holdAll(procs []proctab.Proc) (fresh []*proctab.Handle) {
	for _, p := range procs {
		if old := s.procs.held[p.Pid]; old != nil {
			if old.Start == p.Start {
				old.PPid = p.PPid // a parent's exit may have handed it to ginit
				continue
			}
			s.release(old, "exited (not ginit's child: status unknown)") // its pid is reused
		}
		if !p.Alive() {
			continue
		}
		if h, ok := s.procs.view.Hold(p); ok {
			fresh = append(fresh, h)
		}
	}
	s.take(fresh)
	return fresh
}

// listHeld lists every process and holds those not yet held, as list and
// holdAll would, reading each process's stat once (proctab.ListHeld).
func (s *supervisor) listHeld() ([]proctab.Proc, []*proctab.Handle, error) {
	v, err := s.openView()
	if err != nil {
		return nil, nil, err
	}
	procs, hs, err := v.ListHeld(func(pid int) bool { return s.procs.held[pid] != nil })
	s.take(hs)
	return procs, append(hs, s.holdAll(procs)...), err
}

// take adds handles to the held table and has the watcher report their
// exits.
func (s *supervisor) take(hs []*proctab.Handle) {
	noFD := 0
	for _, h := range hs {
		if s.procs.watch == nil {
			w, err := s.procs.view.newWatcher()
			if err != nil {
				s.log.Warn("drain", "cannot watch for exits with epoll; checking every "+proctab.PollInterval.String(),
					log.Str("error", err.Error()))
			}
			s.procs.watch = w
		}
		add := s.procs.watch.Add
		if h.PPid == s.self {
			add = s.procs.watch.AddChild // its SIGCHLD says when to look
		}
		if err := add(h); err != nil {
			s.log.Warn("drain", "cannot watch a process", log.Num("pid", h.Pid), log.Str("error", err.Error()))
		}
		if !s.procs.view.hasPidfd(h) && s.procs.view.Pidfds() {
			noFD++
		}
		s.procs.held[h.Pid] = h
		s.noteKid(s.procs.kidsOf, h)
	}
	s.procs.peak = max(s.procs.peak, len(s.procs.held))
	s.noteNoFD(noFD)
	s.noteGroup(hs)
}

// noteKid files h under its parent in kidsOf, for adopt to find when the
// parent exits. Not under ginit, which never does: in a storm that list
// would be every orphan, kept until compact.
func (s *supervisor) noteKid(kidsOf map[int][]int, h *proctab.Handle) {
	if h.PPid != s.self {
		kidsOf[h.PPid] = append(kidsOf[h.PPid], h.Pid)
	}
}

// compactAt is the table size, and the reap batch, that compact and
// freeSoon take for a storm.
const compactAt = 1024

// compact remakes the tables once a storm has passed: when what ginit
// holds has fallen to a quarter of its peak. A Go map keeps the buckets
// of its largest size, and kidsOf keeps the pids of every child a live
// parent ever had, so a drain that goes on (processes coming and going
// under a process that stays) would otherwise keep every storm's
// high-water mark.
func (s *supervisor) compact() {
	if s.procs.peak < compactAt || 4*len(s.procs.held) > s.procs.peak {
		return
	}
	held, kidsOf := make(map[int]*proctab.Handle, len(s.procs.held)), map[int][]int{}
	for _, h := range s.sortedHeld() {
		held[h.Pid] = h
		s.noteKid(kidsOf, h)
	}
	s.procs.held, s.procs.kidsOf, s.procs.peak = held, kidsOf, len(held)
	// release keeps these to the live; a copy sized for them drops the rest.
	s.procs.signalled, s.procs.group = remake(s.procs.signalled), remake(s.procs.group)
	s.freeSoon()
}

// remake copies m into a map sized for what it holds. Not maps.Clone:
// since Go 1.24 a clone keeps the tables of the map it copies, and a
// storm's signalled table kept so was most of ginit's heap after it
// (400 KiB after 10000 orphans at once; doc/performance.md).
func remake[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// freeSoon hands the heap's unused memory back to the kernel a second
// after the last call: once a storm is over, not at each of its reaps.
// By itself the runtime returns free memory only above its heap goal (4
// MiB at least), so a storm's pages would stay. And once more after the
// next status line (statusEvery): it lets go of the drain's list of what
// it did not log one by one (sayQuiet), as long as a storm's batch, and
// nothing collects it then. FreeOSMemory touches nothing of the loop's.
func (s *supervisor) freeSoon() {
	if s.procs.free == nil {
		sys := s.sys
		s.procs.free = sys.afterFunc(time.Second, func() {
			debug.FreeOSMemory()
			sys.afterFunc(statusEvery, debug.FreeOSMemory)
		})
		return
	}
	s.procs.free.Reset(time.Second)
}

// noteNoFD says, once, that processes are held without a pidfd because
// ginit's descriptors ran out: they are still signalled and waited for,
// by pid and start time, but an operator should know the limit was hit.
func (s *supervisor) noteNoFD(n int) {
	if n == 0 || s.procs.noFDSaid {
		return
	}
	s.procs.noFDSaid = true
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	s.log.Warn("drain", "descriptor limit reached (pidfds leave "+strconv.Itoa(proctab.FdReserve)+" free): holding "+
		"processes without a pidfd; they are signalled after a start-time check and checked every "+proctab.PollInterval.String(),
		log.Num("count", n), log.Num("nofile_soft", int(lim.Cur)), log.Num("nofile_hard", int(lim.Max)))
}

// signalEach sends sig, then SIGCONT (a stopped process must run to handle
// it), to each held process in ps, marks it as signalled, and returns those
// that were sent it. A failure is a warning naming the processes; one that
// has exited meanwhile is neither. sent is ps's array, reused: in a storm
// a second array of every orphan, at once, is a tenth of ginit's peak heap.
func (s *supervisor) signalEach(ps []proctab.Proc, sig syscall.Signal) (sent []proctab.Proc) {
	sent = ps[:0] // p is read before its slot can be written: sent never outruns ps
	var failed []proctab.Proc
	var firstErr error
	for _, p := range ps {
		s.procs.signalled[p.ID()] = true
		h := s.procs.held[p.Pid]
		err := s.procs.view.signal(h, sig)
		if err == nil {
			err = s.procs.view.signal(h, syscall.SIGCONT)
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
		s.log.Warn("signal", "cannot signal processes", log.Str("signal", signals.Name(sig)), log.Procs("failed", failed),
			log.Num("count", len(failed)), log.Str("error", firstErr.Error()))
	}
	return sent
}

// list reads the process table, opening the view on first use.
func (s *supervisor) list() ([]proctab.Proc, error) {
	v, err := s.openView()
	if err != nil {
		return nil, err
	}
	return v.List()
}

// openView opens the view of /proc on first use.
func (s *supervisor) openView() (table, error) {
	if s.procs.view == nil {
		v, err := s.sys.openTable()
		if err != nil {
			return nil, err
		}
		s.procs.view = v
	}
	return s.procs.view, nil
}

// release forgets a process that has ended, and reports it.
func (s *supervisor) release(h *proctab.Handle, status string) {
	delete(s.procs.held, h.Pid)
	delete(s.procs.group, h.ID())
	delete(s.procs.signalled, h.ID()) // an ID is never seen again: the map stays as large as what lives
	s.procs.view.close(h)
	if h.Pid == s.child.pid || !s.drain.begun() && s.phase != killing {
		return
	}
	s.drain.exited++
	s.noteEnd(h.Proc, status, s.now().Sub(s.since()))
	if !s.line() {
		s.drain.quietExits++
		return
	}
	s.log.Report("drained", "process exited", log.Num("pid", h.Pid), log.Str("cmd", h.Comm),
		log.Str("status", status), log.Ms("after_ms", s.now().Sub(s.since())))
}

func (s *supervisor) sortedHeld() []*proctab.Handle {
	out := make([]*proctab.Handle, 0, len(s.procs.held))
	for _, h := range s.procs.held {
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b *proctab.Handle) int { return a.Pid - b.Pid })
	return out
}

func (s *supervisor) heldProcs() []proctab.Proc {
	out := make([]proctab.Proc, 0, len(s.procs.held)) // a status line's, every 10 s of a storm: sized once
	for _, h := range s.sortedHeld() {
		out = append(out, h.Proc)
	}
	return out
}
