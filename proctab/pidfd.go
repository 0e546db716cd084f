package proctab

import (
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Handle holds one process from the moment ginit knows it. With pidfds
// (Linux 5.3) the handle is the process itself: signals sent through it can
// never reach another process that reused the pid. Without, the handle
// re-reads the process's start time before each signal, which leaves a
// window of a few microseconds.
type Handle struct {
	Proc
	fd int // -1 without pidfds
	v  *View
}

// pidfdState is 1 when this kernel has pidfd_open, -1 when not, 0 before
// the first look: a run with no stop or drain never asks.
var pidfdState int8

// Pidfds reports whether handles hold pidfds (false before Linux 5.3, or
// when seccomp refuses pidfd_open).
func Pidfds() bool {
	if pidfdState == 0 {
		pidfdState = -1
		if fd, err := unix.PidfdOpen(syscall.Getpid(), 0); err == nil {
			syscall.Close(fd)
			pidfdState = 1
		}
	}
	return pidfdState > 0
}

// Hold takes a handle on p, as listed by v. ok is false when p has exited
// or its pid has been reused since the listing.
func (v *View) Hold(p Proc) (h *Handle, ok bool) {
	h = &Handle{Proc: p, fd: -1, v: v}
	if Pidfds() {
		fd, err := unix.PidfdOpen(p.Pid, unix.PIDFD_NONBLOCK)
		if err != nil {
			return nil, false
		}
		h.fd = fd
		if v.foreign && fdinfoPid(fd) != p.view {
			h.Close() // the pid now names another process
			return nil, false
		}
	}
	// p is still at its pid after the pidfd was taken: the pidfd is p's.
	q, ok := v.Refresh(p)
	if !ok || !q.Alive() {
		h.Close()
		return nil, false
	}
	h.Proc = q
	return h, true
}

// fdinfoPid is the pid a pidfd refers to, as /proc numbers it; 0 if unknown.
func fdinfoPid(fd int) int {
	b, err := readFile("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// Signal sends sig to the process. A process that has exited is not an
// error.
func (h *Handle) Signal(sig syscall.Signal) error {
	var err error
	if h.fd >= 0 {
		err = unix.PidfdSendSignal(h.fd, sig, nil, 0)
	} else if _, ok := h.v.Refresh(h.Proc); ok {
		err = syscall.Kill(h.Pid, sig)
	}
	if err == syscall.ESRCH {
		return nil
	}
	return err
}

// Exited reports whether every thread of the process has ended.
func (h *Handle) Exited() bool {
	if h.fd >= 0 {
		fds := []unix.PollFd{{Fd: int32(h.fd), Events: unix.POLLIN}}
		for {
			n, err := unix.Poll(fds, 0)
			if err != syscall.EINTR {
				return n > 0 || err != nil
			}
		}
	}
	q, ok := h.v.Refresh(h.Proc)
	return !ok || !q.Alive()
}

// Close releases the pidfd.
func (h *Handle) Close() {
	if h.fd >= 0 {
		syscall.Close(h.fd)
		h.fd = -1
	}
}
