package main

import (
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/internal/oom"
	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/reaper"
	"github.com/ginit-dev/ginit/signals"
)

// fakeOS is a scripted kernel for the supervisor's unit tests: a process
// table, a clock the script moves, every signal recorded, and the events
// the real kernel would raise (SIGCHLD, a held process's exit) queued for
// the script to deliver, now or later, in the order a test pins down.
// It is both the system and the table it opens.
type fakeOS struct {
	t      *testing.T
	clock  time.Time
	procs  map[int]*fakeProc // live and zombies
	last   int               // the last pid handed out
	listed int               // last, at the last listing (Forked)
	sent   []string          // "SIGTERM>12", "SIGTERM>-12" (its group), "SIGKILL>-1" (all)
	queue  []event           // raised, not yet delivered to the supervisor
	noProc bool              // /proc cannot be read
	added  map[int]bool      // watched by pidfd (Add, AddChild)
	told   map[int]bool      // exits already reported by ExitedChildren
}

// fakeProc is one process: what /proc would show, and what it does on a
// signal: dies lists the signals whose arrival ends it (a default action,
// or a handler that exits at once); any other is only recorded.
type fakeProc struct {
	proctab.Proc
	masks  proctab.Masks
	dies   map[syscall.Signal]bool
	status syscall.WaitStatus // once a zombie
}

const fakeSelf = 1 // ginit is PID 1

var fakeEpoch = time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)

func newFakeOS(t *testing.T) *fakeOS {
	f := &fakeOS{t: t, clock: fakeEpoch, procs: map[int]*fakeProc{}, last: 10, added: map[int]bool{}, told: map[int]bool{}}
	f.listed = f.last
	return f
}

// spawn makes a live process, child of ppid, in its parent's group (a
// child of ginit's leads its own), dying of the signals given.
func (f *fakeOS) spawn(ppid int, comm string, masks proctab.Masks, dies ...syscall.Signal) int {
	f.last++
	pgrp := f.last
	if p := f.procs[ppid]; p != nil {
		pgrp = p.Pgrp
	}
	p := &fakeProc{Proc: proctab.Proc{Pid: f.last, PPid: ppid, Pgrp: pgrp, Start: uint64(f.last) * 100,
		Comm: comm, State: 'S', Threads: 1}, masks: masks, dies: map[syscall.Signal]bool{syscall.SIGKILL: true}}
	for _, s := range dies {
		p.dies[s] = true
	}
	f.procs[p.Pid] = p
	return p.Pid
}

// exit ends pid with status ws: a child of ginit's becomes a zombie and
// raises SIGCHLD; any other is reaped by its parent at once, and raises
// its pidfd's event if ginit holds it. Its children are handed to ginit.
func (f *fakeOS) exit(pid int, ws syscall.WaitStatus) {
	p := f.procs[pid]
	if p == nil || p.State == 'Z' {
		f.t.Fatalf("fake: exit of %d, which is not alive", pid)
	}
	for _, q := range f.procs {
		if q.PPid == pid {
			q.PPid = fakeSelf
		}
	}
	if p.PPid == fakeSelf {
		p.State, p.status = 'Z', ws
		f.queue = append(f.queue, event{kind: evSignal, sig: syscall.SIGCHLD})
		return
	}
	delete(f.procs, pid)
	if f.added[pid] {
		f.queue = append(f.queue, event{kind: evExited, pid: pid})
	}
}

func exited(code int) syscall.WaitStatus             { return syscall.WaitStatus(code << 8) }
func killedBy(sig syscall.Signal) syscall.WaitStatus { return syscall.WaitStatus(sig) }

// deliver records sig reaching p and applies it.
func (f *fakeOS) deliver(p *fakeProc, sig syscall.Signal) {
	if p.State == 'Z' || !p.dies[sig] || p.masks.Ignores(sig) && sig != syscall.SIGKILL {
		return
	}
	f.exit(p.Pid, killedBy(sig))
}

// The system.

func (f *fakeOS) now() time.Time { return f.clock }
func (f *fakeOS) afterFunc(time.Duration, func()) timer {
	return fakeTimer{} // the script fires alarms by their time (script.after)
}
func (f *fakeOS) pid() int { return fakeSelf }
func (f *fakeOS) start([]string) (int, string, error) {
	f.t.Fatal("fake: start is the test's (spawn, then supervisor.started)")
	return 0, "", nil
}

func (f *fakeOS) send(pid int, sig syscall.Signal, group bool) error {
	var to []*fakeProc
	for _, p := range f.sorted() {
		if group && p.Pgrp == pid || !group && p.Pid == pid {
			to = append(to, p)
		}
	}
	if len(to) == 0 {
		return syscall.ESRCH
	}
	if group {
		pid = -pid
	}
	f.record(sig, pid)
	for _, p := range to {
		f.deliver(p, sig)
	}
	return nil
}

func (f *fakeOS) sendAll(sig syscall.Signal) error {
	if len(f.procs) == 0 {
		return syscall.ESRCH
	}
	f.record(sig, -1)
	for _, p := range f.sorted() {
		f.deliver(p, sig)
	}
	return nil
}

func (f *fakeOS) record(sig syscall.Signal, to int) {
	if sig != syscall.SIGCONT { // after every stop signal: recorded, it would only repeat
		f.sent = append(f.sent, signals.Name(sig)+">"+strconv.Itoa(to))
	}
}

func (f *fakeOS) noneLeft() bool { return len(f.procs) == 0 }

func (f *fakeOS) reap(buf []reaper.Exit) ([]reaper.Exit, bool, error) {
	for _, p := range f.sorted() {
		if p.PPid == fakeSelf && p.State == 'Z' {
			buf = append(buf, reaper.Exit{Pid: p.Pid, Status: p.status})
			delete(f.procs, p.Pid)
		}
	}
	return buf, !f.hasChildren(), nil
}

func (f *fakeOS) hasChildren() bool {
	for _, p := range f.procs {
		if p.PPid == fakeSelf {
			return true
		}
	}
	return false
}

func (f *fakeOS) oomCounter() *oom.Counter { return &oom.Counter{} } // no cgroup: inert

func (f *fakeOS) openTable() (table, error) {
	if f.noProc {
		return nil, syscall.ENOENT
	}
	return f, nil
}
