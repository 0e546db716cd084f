package main

import (
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/oom"
	"github.com/ginit-dev/ginit/internal/spawn"
	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/reaper"
	"github.com/ginit-dev/ginit/signals"
)

// system is the operating system as the supervisor meets it: the clock,
// starting the program, signals sent by number, reaping, and the process
// table it opens. Every rule of the lifecycle sits above it, so the unit
// tests drive the supervisor from scripted events against a fake one
// and a fake clock (fake_test.go, script_test.go): orderings that are
// races with real processes, and deadlines that would take real minutes,
// become rows of a table (loop_test.go, stopcases_test.go). The real one
// (realSystem) is the packages it names, unchanged.
type system interface {
	now() time.Time
	afterFunc(d time.Duration, f func()) timer
	pid() int
	start(argv []string) (pid int, viaShell string, err error)
	send(pid int, sig syscall.Signal, group bool) error // signals.Send
	sendAll(sig syscall.Signal) error                   // kill(-1): PID 1 only
	noneLeft() bool                                     // no process but ginit in its namespace
	reap(buf []reaper.Exit) (exits []reaper.Exit, noChildren bool, err error)
	oomCounter() *oom.Counter
	openTable() (table, error)
}

// timer is what the supervisor does with a timer: *time.Timer.
type timer interface {
	Stop() bool
	Reset(d time.Duration) bool
}

// table is the process table (proctab.View's reads) and what is done
// through a handle on one process, and the watcher of their exits.
type table interface {
	List() ([]proctab.Proc, error)
	ListHeld(known func(pid int) bool) ([]proctab.Proc, []*proctab.Handle, error)
	Hold(p proctab.Proc) (*proctab.Handle, bool)
	Family(pid int) (proctab.Proc, []int, error)
	Stat(pid int) (proctab.Proc, bool)
	Refresh(p proctab.Proc) (proctab.Proc, bool)
	Adopted(p proctab.Proc) (proctab.Proc, bool)
	Children(known func(pid int) bool) ([]proctab.Proc, bool)
	SigMasks(p proctab.Proc) (proctab.Masks, bool)
	Forked() bool
	Foreign() bool
	Whole() bool
	Pidfds() bool
	Mode() string

	signal(h *proctab.Handle, sig syscall.Signal) error
	exited(h *proctab.Handle) bool
	hasPidfd(h *proctab.Handle) bool
	close(h *proctab.Handle)
	// reapHeld reaps h, a child of ginit's, through its pidfd; ok is false
	// when it runs on or holds no pidfd.
	reapHeld(h *proctab.Handle) (e reaper.Exit, ok bool, err error)
	newWatcher() (watcher, error)
}

// watcher reports the exits of held processes (proctab.Watcher).
type watcher interface {
	exits() <-chan int
	Add(h *proctab.Handle) error
	AddChild(h *proctab.Handle) error
	ExitedChildren() []int
}

// realSystem is the operating system.
type realSystem struct{}

func (realSystem) now() time.Time { return time.Now() }
func (realSystem) afterFunc(d time.Duration, f func()) timer {
	return time.AfterFunc(d, f)
}
func (realSystem) pid() int { return syscall.Getpid() }
func (realSystem) start(argv []string) (int, string, error) {
	return spawn.Start(argv)
}
func (realSystem) send(pid int, sig syscall.Signal, group bool) error {
	return signals.Send(pid, sig, group)
}
func (realSystem) sendAll(sig syscall.Signal) error { return signals.SendAll(sig) }
func (realSystem) noneLeft() bool                   { return signals.NoneLeft() }
func (realSystem) reap(buf []reaper.Exit) ([]reaper.Exit, bool, error) {
	return reaper.Reap(buf)
}
func (realSystem) oomCounter() *oom.Counter { return oom.New() }
func (realSystem) openTable() (table, error) {
	v, err := proctab.NewView()
	if err != nil {
		return nil, err
	}
	return realTable{v}, nil
}

// realTable is /proc, through proctab.
type realTable struct{ *proctab.View }

func (realTable) signal(h *proctab.Handle, sig syscall.Signal) error { return h.Signal(sig) }
func (realTable) exited(h *proctab.Handle) bool                      { return h.Exited() }
func (realTable) hasPidfd(h *proctab.Handle) bool                    { return h.Pidfd() }
func (realTable) close(h *proctab.Handle)                            { h.Close() }
func (realTable) reapHeld(h *proctab.Handle) (reaper.Exit, bool, error) {
	if h.Fd() < 0 {
		return reaper.Exit{}, false, nil
	}
	return reaper.ReapPidfd(h.Fd())
}
func (t realTable) newWatcher() (watcher, error) {
	w, err := proctab.NewWatcher(t.Pidfds())
	return realWatcher{w}, err
}

type realWatcher struct{ *proctab.Watcher }

func (w realWatcher) exits() <-chan int { return w.C }
