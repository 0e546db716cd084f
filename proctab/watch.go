package proctab

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Watcher turns process exits into events on C, for the supervision
// loop's select. Its goroutines only relay: they read no state of the
// loop's and reap nothing. Each process held by a pidfd is reported once,
// by pid, when all its threads have ended (child or not). Once a process
// is held without one (no pidfds here, or none to be had at the descriptor
// limit), C also gets Poll at a steady interval, and the loop checks its
// handles.
type Watcher struct {
	C       <-chan int
	c       chan int
	epfd    int
	kids    int // epoll for ginit's own children: read by Exited, no relay
	polling bool
	events  []unix.EpollEvent
}

// Poll on C means "without pidfds: check every handle".
const Poll = -1

// PollInterval is how often the loop checks its handles without pidfds.
const PollInterval = 100 * time.Millisecond

// NewWatcher starts the relay for the handles of a view whose pidfds
// answer View.Pidfds. If epoll cannot be had, or there are no pidfds, the
// watcher polls instead, and the error says why.
func NewWatcher(pidfds bool) (*Watcher, error) {
	c := make(chan int, 1024)
	w := &Watcher{C: c, c: c, epfd: -1, kids: -1}
	if !pidfds {
		w.poll()
		return w, nil
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		w.poll()
		return w, err
	}
	w.epfd = epfd
	if w.kids, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		w.kids = -1 // children go to the relay too
	}
	go relay(epfd, c)
	return w, nil
}

func relay(epfd int, c chan<- int) {
	events := make([]unix.EpollEvent, 64)
	for {
		n, err := unix.EpollWait(epfd, events, -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return // the loop notices nothing more: its rescans still find the end
		}
		for _, e := range events[:n] {
			c <- int(e.Fd)
		}
	}
}

// poll starts the steady Poll events, once.
func (w *Watcher) poll() {
	if w.polling {
		return
	}
	w.polling = true
	go func() {
		for {
			time.Sleep(PollInterval)
			w.c <- Poll
		}
	}()
}

// Add watches h. One-shot: an exited process is reported once.
func (w *Watcher) Add(h *Handle) error {
	if h.fd < 0 {
		w.poll()
		return nil
	}
	if w.epfd < 0 {
		return nil // a watcher made without epoll polls everything
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: int32(h.Pid)}
	return unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, h.fd, &ev)
}

// AddChild watches h, a child of ginit's. Its exit comes with a SIGCHLD,
// which wakes the loop anyway: the loop asks ExitedChildren then, and no
// relay wakes it a second time. Without that epoll, as Add.
func (w *Watcher) AddChild(h *Handle) error {
	if w.kids < 0 || h.fd < 0 {
		return w.Add(h)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: int32(h.Pid)}
	return unix.EpollCtl(w.kids, unix.EPOLL_CTL_ADD, h.fd, &ev)
}

// ExitedChildren returns the pids of children added with AddChild that
// have exited since the last call, without blocking.
func (w *Watcher) ExitedChildren() []int {
	if w.kids < 0 {
		return nil
	}
	if w.events == nil {
		w.events = make([]unix.EpollEvent, 256)
	}
	var pids []int
	for {
		n, err := unix.EpollWait(w.kids, w.events, 0)
		if err == syscall.EINTR {
			continue
		}
		for _, e := range w.events[:max(n, 0)] {
			pids = append(pids, int(e.Fd))
		}
		if n < len(w.events) {
			return pids
		}
	}
}
