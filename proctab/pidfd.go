package proctab

import (
	"errors"
	"strconv"
	"strings"
	"syscall"

	"github.com/ginit-dev/ginit/internal/rawfile"

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

// Pidfds reports whether handles hold pidfds: false before Linux 5.3, or
// when seccomp refuses pidfd_open or pidfd_send_signal. Both are probed,
// on ginit itself, at the first call (a run with no stop or drain never
// asks): a filter may allow one and refuse the other (Docker answers
// EPERM, others ENOSYS), and half a pidfd interface would leave every
// signal undelivered.
func (v *View) Pidfds() bool {
	if v.pidfds == 0 {
		v.pidfds = -1
		fd, err := unix.PidfdOpen(syscall.Getpid(), 0)
		if err == nil {
			err = unix.PidfdSendSignal(fd, 0, nil, 0)
			syscall.Close(fd)
			if err != nil {
				v.noPidfds = "pidfd_send_signal: " + err.Error()
			}
		} else {
			v.noPidfds = "pidfd_open: " + err.Error()
		}
		if err == nil {
			v.pidfds = 1
		}
	}
	return v.pidfds > 0
}

// Mode says how handles hold processes, for the log: "pidfd", or why not.
func (v *View) Mode() string {
	if v.Pidfds() {
		return "pidfd"
	}
	return "pid and start time (" + v.noPidfds + ")"
}

// refuse turns pidfds off for every handle from now on: a call that worked
// at the probe has been refused since (a filter installed later).
func (v *View) refuse(call string, err error) {
	if v.pidfds > 0 {
		v.pidfds, v.noPidfds = -1, call+": "+err.Error()
	}
}

// refused: the error of a pidfd call that a seccomp filter, or an old
// kernel, refuses, rather than one about the process.
func refused(err error) bool { return err == syscall.EPERM || err == syscall.ENOSYS }

// Hold takes a handle on p, as listed by v. ok is false when p has exited
// or its pid has been reused since the listing. A process for which no
// pidfd can be had (the descriptor limit, EMFILE or ENFILE) is held as
// without pidfds, by its start time: Handle.Pidfd tells which.
func (v *View) Hold(p Proc) (h *Handle, ok bool) {
	h = &Handle{Proc: p, fd: -1, v: v}
	if v.Pidfds() {
		h.fd = v.pidfd(p.Pid)
		if h.fd >= 0 && v.foreign && fdinfoPid(h.fd) != p.view {
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

// Fd is h's pidfd, or -1: for waitid(P_PIDFD), which reaps one child
// without looking through all of ginit's.
func (h *Handle) Fd() int { return h.fd }

// Pidfd reports whether h holds a pidfd; without one, h is checked by its
// start time and its exit is seen only by looking.
func (h *Handle) Pidfd() bool { return h.fd >= 0 }

// fdinfoPid is the pid a pidfd refers to, as /proc numbers it; 0 if unknown.
func fdinfoPid(fd int) int {
	b, err := rawfile.Read("/proc/self/fdinfo/" + strconv.Itoa(fd))
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

// ErrExited is Signal's answer for a process that has already exited:
// not a failure, but not a delivery either.
var ErrExited = errors.New("already exited")

// Signal sends sig to the process. A pidfd_send_signal that a seccomp
// filter refuses falls back to kill, after the start-time check, for this
// signal and every later one.
func (h *Handle) Signal(sig syscall.Signal) error {
	if h.fd >= 0 && h.v.Pidfds() {
		err := unix.PidfdSendSignal(h.fd, sig, nil, 0)
		if !refused(err) {
			return exited(err)
		}
		h.v.refuse("pidfd_send_signal", err)
	}
	if _, ok := h.v.Refresh(h.Proc); !ok {
		return ErrExited
	}
	return exited(syscall.Kill(h.Pid, sig))
}

func exited(err error) error {
	if err == syscall.ESRCH {
		return ErrExited
	}
	return err
}

// Exited reports whether every thread of the process has ended.
func (h *Handle) Exited() bool {
	if h.fd >= 0 {
		return exitedFD(h.fd)
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

// ListHeld lists as List does and takes a handle on every live process
// listed that known(pid) does not claim, reading each stat once: the pidfd
// is taken first, and a stat read while that pidfd's process is still
// alive can only be its own. Hold, for a process listed earlier, must read
// the stat a second time; for a container of thousands that is the
// costlier half of a drain's start. Outside the cases where List reads
// every process of ginit's namespace from its own /proc, it is List alone,
// and the caller holds what it lists with Hold.
func (v *View) ListHeld(known func(pid int) bool) ([]Proc, []*Handle, error) {
	if !v.Whole() || v.foreign || !v.Pidfds() {
		procs, err := v.List()
		return procs, nil, err
	}
	v.last = v.lastPid()
	names, err := rawfile.DirNames("/proc")
	if err != nil {
		return nil, nil, errors.New("cannot read /proc: " + err.Error())
	}
	procs := make([]Proc, 0, len(names))
	var hs []*Handle
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil || pid == v.viewSelf {
			continue
		}
		fd := -1
		if !known(pid) {
			fd = v.pidfd(pid)
		}
		p, ok := v.readStat(pid)
		if !ok {
			closeFD(fd)
			continue
		}
		procs = append(procs, p)
		if fd >= 0 && exitedFD(fd) {
			closeFD(fd) // it has exited since: the stat may be another's
			continue
		}
		if !known(pid) && p.Alive() {
			hs = append(hs, &Handle{Proc: p, fd: fd, v: v})
		}
	}
	return procs, hs, nil
}

// pidfd opens a pidfd for pid as Hold does, or returns -1: the process is
// gone, pidfds have been refused, or only the descriptors' reserve is left.
func (v *View) pidfd(pid int) int {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	switch {
	case refused(err):
		v.refuse("pidfd_open", err)
		return -1
	case err != nil:
		return -1
	case fd >= v.fdCeiling():
		syscall.Close(fd)
		return -1
	}
	return fd
}

func closeFD(fd int) {
	if fd >= 0 {
		syscall.Close(fd)
	}
}

// exitedFD reports whether a pidfd's process has exited.
func exitedFD(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 0)
		if err != syscall.EINTR {
			return n > 0 || err != nil
		}
	}
}

// FdReserve is how many descriptors pidfds leave free below the limit:
// enough for ginit to go on reading /proc, which it needs to find and
// check the processes it holds without a pidfd.
const FdReserve = 16

// fdCeiling is the lowest descriptor number a pidfd may not take.
// Descriptors are handed out lowest first, so a pidfd numbered this high
// means that only the reserve is left.
func (v *View) fdCeiling() int {
	if v.ceiling == 0 {
		var lim syscall.Rlimit
		v.ceiling = 1 << 30
		if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < 1<<30 {
			v.ceiling = int(lim.Cur) - FdReserve
		}
	}
	return v.ceiling
}
