package main

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/internal/cli"
	"github.com/ginit-dev/ginit/internal/log"
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

// The table.

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

// script is one scripted run: the fake, the supervisor on it, and its log.
type script struct {
	t    *testing.T
	f    *fakeOS
	s    *supervisor
	logs []string
}

// newRun parses args as ginit's command line (the program's argv is the
// test's business: only its name is used) and starts the supervisor on
// the main child the fake already holds at pid.
func newRun(t *testing.T, f *fakeOS, args []string, pid int) *script {
	t.Helper()
	cfg, err := cli.Parse(append(args, "--", f.procs[pid].Comm), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	r := &script{t: t, f: f}
	lg := log.NewFunc(cfg.Verbosity, false, func(line string) { r.logs = append(r.logs, line) })
	r.s = &supervisor{cfg: cfg, log: lg, sys: f}
	r.s.started(pid)
	r.pump()
	return r
}

// event delivers one event to the supervisor now, ahead of those queued.
func (r *script) event(ev event) {
	if r.s.phase == done {
		r.t.Fatalf("event %+v after ginit finished", ev)
	}
	r.s.handle(ev)
}

// pump delivers the queued events, oldest first, and what they raise.
func (r *script) pump() {
	for len(r.f.queue) > 0 && r.s.phase != done {
		ev := r.f.queue[0]
		r.f.queue = r.f.queue[1:]
		r.s.handle(ev)
	}
}

// signal is the orchestrator's signal reaching ginit, then what it raised.
func (r *script) signal(sig syscall.Signal) {
	r.event(event{kind: evSignal, sig: sig})
	r.pump()
}

// after moves the clock on by d, firing each alarm that falls due on the
// way at its time, earliest first.
func (r *script) after(d time.Duration) {
	end := r.f.clock.Add(d)
	for r.s.phase != done {
		kind, at := r.nextAlarm()
		if at.IsZero() || at.After(end) {
			break
		}
		r.f.clock = at
		r.event(event{kind: kind})
		r.pump()
	}
	r.f.clock = end
}

func (r *script) nextAlarm() (eventKind, time.Time) {
	var kind eventKind
	var at time.Time
	for _, a := range []struct {
		k eventKind
		a *alarm
	}{{evDelayEnd, &r.s.delay}, {evDeadline, &r.s.deadline}, {evStatus, &r.s.status}} {
		if a.a.armed() && (at.IsZero() || a.a.at.Before(at)) {
			kind, at = a.k, a.a.at
		}
	}
	return kind, at
}

// exit ends pid now, and delivers what that raises.
func (r *script) exit(pid int, ws syscall.WaitStatus) {
	r.f.exit(pid, ws)
	r.pump()
}

// code is ginit's exit code; the supervisor must have finished.
func (r *script) code() int {
	r.t.Helper()
	if r.s.phase != done {
		r.t.Fatalf("ginit has not finished (phase %d); log:\n%s", r.s.phase, r.log())
	}
	return r.s.exitCode()
}

func (r *script) log() string { return strings.Join(r.logs, "") }

// said reports whether a log line holds every one of parts.
func (r *script) said(parts ...string) bool {
	for _, l := range r.logs {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(l, p) }) {
			return true
		}
	}
	return false
}
