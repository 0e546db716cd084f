// Package reaper collects exited processes with wait4(-1, WNOHANG), turns a
// wait status into a shell-style exit code, and registers ginit as a child
// subreaper. It never blocks: the supervision loop calls Reap on every
// SIGCHLD, and signals coalesce, so one call drains every zombie there is.
package reaper

import (
	"strconv"
	"syscall"
	"unsafe"

	"github.com/ginit-dev/ginit/signals"
	"golang.org/x/sys/unix"
)

// Exit is one reaped process.
type Exit struct {
	Pid    int
	Status syscall.WaitStatus
}

// Code is the exit code a shell would report for a wait status: the status
// for a normal exit, 128+N for death by signal N.
func Code(ws syscall.WaitStatus) int {
	switch {
	case ws.Exited():
		return ws.ExitStatus()
	case ws.Signaled():
		return 128 + int(ws.Signal())
	}
	return 255 // stopped or continued: not an exit; callers never see it
}

// Describe says how a process ended, for logs: "exited 3", "killed by
// SIGTERM", "killed by SIGRTMIN+3". Names come from package signals, which
// therefore must never import reaper.
func Describe(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		s := "killed by " + signals.Name(ws.Signal())
		if ws.CoreDump() {
			s += " (core dumped)"
		}
		return s
	}
	return "exited " + strconv.Itoa(ws.ExitStatus())
}

// Reap collects every child that has exited, appending to buf. It returns
// gone=true when ginit has no children left at all (ECHILD): as PID 1 or a
// subreaper that means every descendant is gone.
//
// It never passes __WALL: the Go runtime may have clone children of its own
// (its pidfd probe) that are not ginit's to collect.
func Reap(buf []Exit) (exits []Exit, gone bool, err error) {
	exits = buf
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.ECHILD:
			return exits, true, nil
		case err != nil:
			return exits, false, err
		case pid <= 0:
			return exits, false, nil
		}
		exits = append(exits, Exit{Pid: pid, Status: ws})
	}
}

// siginfo is the kernel's siginfo_t as waitid fills it for a child, on
// 64-bit and 32-bit Linux alike: the union starts at byte 12 (32-bit) or
// 16 (64-bit), padded to the pointer size; pid, uid, status follow.
type siginfo struct {
	signo, errno, code int32
	_                  [ptrPad]byte
	pid, uid, status   int32
	_                  [128]byte // the kernel writes up to 128 bytes in all
}

// ptrPad is the padding before siginfo's union: 4 bytes on 64-bit.
const ptrPad = 4 * (unsafe.Sizeof(uintptr(0)) / 8)

// ReapPidfd collects the child that pidfd refers to, if it has exited:
// ok is false when it has not (or is not ginit's child). Unlike Reap it
// costs the same whatever the number of children: wait4(-1) looks through
// every child of ginit's on each call, which in a drain of thousands is
// the most of ginit's work.
func ReapPidfd(pidfd int) (e Exit, ok bool, err error) {
	var si siginfo
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, unix.P_PIDFD, uintptr(pidfd),
			uintptr(unsafe.Pointer(&si)), syscall.WEXITED|syscall.WNOHANG, 0, 0)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.ECHILD:
			return Exit{}, false, nil
		case errno != 0:
			return Exit{}, false, errno
		case si.pid == 0:
			return Exit{}, false, nil // alive: WNOHANG
		}
		return Exit{Pid: int(si.pid), Status: waitStatus(si.code, si.status)}, true, nil
	}
}

// waitStatus turns waitid's code and status into wait4's status word.
func waitStatus(code, status int32) syscall.WaitStatus {
	const cldExited, cldKilled, cldDumped = 1, 2, 3
	switch code {
	case cldExited:
		return syscall.WaitStatus(status&0xff) << 8
	case cldKilled:
		return syscall.WaitStatus(status & 0x7f)
	case cldDumped:
		return syscall.WaitStatus(status&0x7f) | 0x80
	}
	return syscall.WaitStatus(0xff) << 8 // stopped or continued: WEXITED excludes them
}
