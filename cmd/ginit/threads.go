package main

import (
	"runtime"
	"sync"

	"github.com/ginit-dev/ginit/internal/log"
)

// A full pids cgroup must not crash PID 1. The app may use every pid its
// cgroup allows (a runaway pool, a fork bomb, a thread leak), and each of
// ginit's threads is a pid of the same cgroup: a Go runtime that then
// asks for one more thread gets EAGAIN and dies ("fatal error:
// newosproc"), and with PID 1 gone the kernel SIGKILLs the app mid-job.
// So every thread ginit will ever need exists before the child starts,
// and the runtime never needs another: it keeps idle threads for good and
// makes a new one only when none is idle.
//
// One P (GOMAXPROCS 1: ginit needs no parallelism) bounds how many threads
// can be busy at once. Busy for good: sysmon, the template thread
// (made by the first LockOSThread), os/signal's signal-mask thread and its
// receiver (asleep in the runtime), the log writer (locked to its thread
// for its blocked SIGPIPE; it may block in write on a stalled stderr).
// Busy for a while, each at most once at a time: the thread running Go
// code, the one asleep in the network poller (timers), the loop in a
// system call that outlasts sysmon's tick (its P is handed to another
// thread), the drain's exit relay asleep in epoll_wait, and the finalizer
// goroutine in one (closing a file). spareThreads idle threads beside the
// one running main cover those five; the margin is for what a future Go
// release adds. The threads are made by goroutines that each lock a
// thread and wait, so that the runtime must make one per goroutine.
//
// doc/performance.md gives the count, and how it was measured.
const spareThreads = 6

func init() {
	// Before anything starts goroutines: the runtime's own start-up ran
	// with GOMAXPROCS of the CPU count, and the threads it made then stay,
	// idle, with the others. An explicit call also stops Go 1.25's
	// updates of GOMAXPROCS from the cgroup's CPU limit.
	runtime.GOMAXPROCS(1)
}

// startThreads makes the threads ginit will need, before the child
// starts: the log writer's and spareThreads idle ones. No first GC: its
// mark workers are goroutines, which need no thread of their own, and a
// forced collection here was the larger part of what the threads cost
// ginit's start-up (doc/performance.md, threads and the pids limit).
func startThreads(lg *log.Logger) {
	lg.StartWriter()
	var locked, done sync.WaitGroup
	release := make(chan struct{})
	for range spareThreads {
		locked.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			runtime.LockOSThread() // this thread is this goroutine's until unlocked
			locked.Done()
			<-release
			runtime.UnlockOSThread() // unlocked before it ends, so the thread stays, idle
		}()
	}
	locked.Wait()
	close(release)
	done.Wait()
}
