package main

import (
	"sort"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/reaper"
)

// The fake kernel's process table, handles and exit watcher: the table
// the supervisor opens (sys.go), answered from fakeOS.procs.

func (f *fakeOS) sorted() []*fakeProc {
	out := make([]*fakeProc, 0, len(f.procs))
	for _, p := range f.procs {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pid < out[j].Pid })
	return out
}

func (f *fakeOS) List() ([]proctab.Proc, error) {
	f.listed = f.last
	var out []proctab.Proc
	for _, p := range f.sorted() {
		out = append(out, p.Proc)
	}
	return out, nil
}

func (f *fakeOS) ListHeld(func(int) bool) ([]proctab.Proc, []*proctab.Handle, error) {
	procs, err := f.List()
	return procs, nil, err // the caller holds what it lists, as without pidfds
}

func (f *fakeOS) live(p proctab.Proc) *fakeProc {
	q := f.procs[p.Pid]
	if q == nil || q.Start != p.Start {
		return nil
	}
	return q
}

func (f *fakeOS) Hold(p proctab.Proc) (*proctab.Handle, bool) {
	q := f.live(p)
	if q == nil || !q.Alive() {
		return nil, false
	}
	return &proctab.Handle{Proc: q.Proc}, true
}

func (f *fakeOS) Family(pid int) (proctab.Proc, []int, error) {
	p := f.procs[pid]
	if p == nil {
		return proctab.Proc{}, nil, nil
	}
	var kids []int
	for _, q := range f.sorted() {
		if q.PPid == pid {
			kids = append(kids, q.Pid)
		}
	}
	return p.Proc, kids, nil
}

func (f *fakeOS) Stat(pid int) (proctab.Proc, bool) {
	if p := f.procs[pid]; p != nil {
		return p.Proc, true
	}
	return proctab.Proc{}, false
}

func (f *fakeOS) Refresh(p proctab.Proc) (proctab.Proc, bool) {
	if q := f.live(p); q != nil {
		return q.Proc, true
	}
	return proctab.Proc{}, false
}

func (f *fakeOS) Adopted(p proctab.Proc) (proctab.Proc, bool) {
	q := f.live(p)
	if q == nil || q.PPid != fakeSelf {
		return proctab.Proc{}, false
	}
	return q.Proc, true
}

func (f *fakeOS) Children(known func(int) bool) ([]proctab.Proc, bool) {
	f.listed = f.last
	var out []proctab.Proc
	for _, p := range f.sorted() {
		if p.PPid == fakeSelf && !known(p.Pid) {
			out = append(out, p.Proc)
		}
	}
	return out, true
}

func (f *fakeOS) SigMasks(p proctab.Proc) (proctab.Masks, bool) {
	if q := f.live(p); q != nil {
		return q.masks, true
	}
	return proctab.Masks{}, false
}

func (f *fakeOS) Forked() bool  { return f.last != f.listed }
func (f *fakeOS) Foreign() bool { return false }
func (f *fakeOS) Whole() bool   { return true }
func (f *fakeOS) Pidfds() bool  { return true }
func (f *fakeOS) Mode() string  { return "pidfd" }

func (f *fakeOS) signal(h *proctab.Handle, sig syscall.Signal) error {
	q := f.live(h.Proc)
	if q == nil {
		return proctab.ErrExited
	}
	f.record(sig, h.Pid)
	f.deliver(q, sig)
	return nil
}

func (f *fakeOS) exited(h *proctab.Handle) bool {
	q := f.live(h.Proc)
	return q == nil || q.State == 'Z'
}
func (f *fakeOS) hasPidfd(*proctab.Handle) bool { return true }
func (f *fakeOS) close(*proctab.Handle)         {}

func (f *fakeOS) reapHeld(h *proctab.Handle) (reaper.Exit, bool, error) {
	q := f.live(h.Proc)
	if q == nil || q.State != 'Z' || q.PPid != fakeSelf {
		return reaper.Exit{}, false, nil
	}
	delete(f.procs, q.Pid)
	return reaper.Exit{Pid: q.Pid, Status: q.status}, true, nil
}

func (f *fakeOS) newWatcher() (watcher, error) { return f, nil }

// The watcher.

func (f *fakeOS) exits() <-chan int { return nil }
func (f *fakeOS) Add(h *proctab.Handle) error {
	f.added[h.Pid] = true
	return nil
}
func (f *fakeOS) AddChild(h *proctab.Handle) error { return f.Add(h) }
func (f *fakeOS) ExitedChildren() []int {
	var pids []int
	for _, p := range f.sorted() {
		if f.added[p.Pid] && p.State == 'Z' && !f.told[p.Pid] {
			f.told[p.Pid] = true
			pids = append(pids, p.Pid)
		}
	}
	return pids
}

type fakeTimer struct{}

func (fakeTimer) Stop() bool               { return true }
func (fakeTimer) Reset(time.Duration) bool { return true }
