package main

// drainFloor is the drain floor's column.
const drainFloor = "Go drain floor"

// drainFloorSource is the wide drain's floor: the least Go init that drains
// as ginit must, for the drain phase only (it forwards SIGTERM and SIGINT
// alone, and reaps only what it holds). Per process it makes only the
// system calls no drain can skip: one read of the process in the /proc
// listing (its stat), pidfd_open, the signal and SIGCONT through the
// pidfd, one epoll registration, one wake-up (epoll_wait, shared by the
// exits that come together), one reap (waitid P_PIDFD) and the close.
// What the Go runtime adds (its SIGCHLD handler, the scheduler around each
// blocking call) is counted, as it is in ginit. Its CPU time is the one
// ginit's drain is measured against.
const drainFloorSource = `package main

import (
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"unsafe"
)

const (
	sysPidfdOpen       = 434 // the same number on every architecture
	sysPidfdSendSignal = 424
	pPidfd             = 3
)

func main() {
	c := make(chan os.Signal, 8)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
	argv := os.Args[1:]
	if len(argv) > 0 && argv[0] == "--" {
		argv = argv[1:]
	}
	child, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}})
	if err != nil {
		os.Exit(127)
	}
	go func() {
		for s := range c {
			syscall.Kill(child, s.(syscall.Signal))
		}
	}()
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		os.Exit(1)
	}
	childFD := pidfdOpen(child)
	if childFD < 0 || watch(epfd, childFD) != nil {
		os.Exit(1)
	}
	code, left := 0, 1
	events := make([]syscall.EpollEvent, 256)
	for left > 0 {
		n, err := syscall.EpollWait(epfd, events, -1)
		if err != nil {
			continue // EINTR
		}
		for _, e := range events[:n] {
			fd := int(e.Fd)
			status := reap(fd)
			syscall.Close(fd)
			left--
			if fd == childFD {
				code = status
				left += drain(epfd)
			}
		}
	}
	os.Exit(code)
}

// drain lists /proc once and, for each process, takes a pidfd, reads its
// stat, signals it and watches it; it returns how many it watches.
func drain(epfd int) int {
	dir, err := syscall.Open("/proc", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer syscall.Close(dir)
	buf := make([]byte, 16384)
	stat := make([]byte, 512)
	var names []string
	n := 0
	for {
		got, err := syscall.ReadDirent(dir, buf)
		if err != nil || got <= 0 {
			break
		}
		names = names[:0]
		_, _, names = syscall.ParseDirent(buf[:got], -1, names)
		for _, name := range names {
			pid, err := strconv.Atoi(name)
			if err != nil || pid == 1 {
				continue
			}
			fd := pidfdOpen(pid)
			if fd < 0 {
				continue
			}
			sfd, err := syscall.Open("/proc/"+name+"/stat", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
			if err != nil {
				syscall.Close(fd)
				continue
			}
			syscall.Read(sfd, stat)
			syscall.Close(sfd)
			send(fd, syscall.SIGTERM)
			send(fd, syscall.SIGCONT)
			if watch(epfd, fd) != nil {
				syscall.Close(fd)
				continue
			}
			n++
		}
	}
	return n
}

func pidfdOpen(pid int) int {
	fd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	if errno != 0 {
		return -1
	}
	return int(fd)
}

func send(fd int, sig syscall.Signal) {
	syscall.Syscall6(sysPidfdSendSignal, uintptr(fd), uintptr(sig), 0, 0, 0, 0)
}

func watch(epfd, fd int) error {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLONESHOT, Fd: int32(fd)}
	return syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, fd, &ev)
}

// reap collects the child behind fd and returns its exit code as a shell
// gives it (128+N for signal N).
func reap(fd int) int {
	var si [128]byte
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPidfd, uintptr(fd), uintptr(unsafe.Pointer(&si[0])), syscall.WEXITED, 0, 0)
		if errno != syscall.EINTR {
			break
		}
	}
	// siginfo: si_code at 8; si_status after the pid and uid, at 24 on 64-bit, 20 on 32-bit.
	off := 16 + 4*(unsafe.Sizeof(uintptr(0))/8) + 4
	code := *(*int32)(unsafe.Pointer(&si[8]))
	status := int(*(*int32)(unsafe.Pointer(&si[off])))
	if code != 1 { // CLD_EXITED
		return 128 + status
	}
	return status
}
`
