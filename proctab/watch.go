package proctab

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Watcher turns process exits into events on C, for the supervision
// loop's select. Its goroutine only relays: it reads no state of the
// loop's and reaps nothing. Each held process is reported once, by pid,
// when all its threads have ended (child or not). Without pidfds, C gets
// Poll at a steady interval instead, and the loop checks its handles.
type Watcher struct {
	C    <-chan int
	epfd int
}

// Poll on C means "without pidfds: check every handle".
const Poll = -1

// PollInterval is how often the loop checks its handles without pidfds.
const PollInterval = 100 * time.Millisecond

// NewWatcher starts the relay.
func NewWatcher() (*Watcher, error) {
	c := make(chan int, 1024)
	w := &Watcher{C: c, epfd: -1}
	if !Pidfds() {
		go func() {
			for {
				time.Sleep(PollInterval)
				c <- Poll
			}
		}()
		return w, nil
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	w.epfd = epfd
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

// Add watches h. One-shot: an exited process is reported once.
func (w *Watcher) Add(h *Handle) error {
	if w.epfd < 0 || h.fd < 0 {
		return nil
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: int32(h.Pid)}
	return unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, h.fd, &ev)
}
