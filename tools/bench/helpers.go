package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/ginit-dev/ginit/internal/launch"
	"golang.org/x/sys/unix"
)

// helper is the body of a child the bench starts under an init.
func helper(mode string, args []string) int {
	switch mode {
	case "mountproc":
		return mountProc(args)
	case "drain":
		n, _ := strconv.Atoi(args[0])
		return drainHelper(n)
	case "memory":
		n, _ := strconv.Atoi(args[0])
		return memoryHelper(n)
	case "keeper":
		n, _ := strconv.Atoi(args[0])
		return keeper(n)
	case "idle":
		fmt.Println("ready")
		for {
			syscall.Pause()
		}
	case "sigwait":
		return sigwaitExec()
	case "sigwait2":
		return sigwait()
	case "storm":
		return storm()
	}
	fmt.Fprintln(os.Stderr, "bench: unknown helper", mode)
	return 2
}

// sigwaitExec blocks SIGUSR1 and runs this program again. A Go program
// keeps the signal mask it starts with on every thread it creates, so in the
// new image no thread takes SIGUSR1 through the runtime's handler and
// os/signal: it stays pending until sigtimedwait takes it, a few
// microseconds after it arrives, as in a C program. That keeps the child's
// share of the measured latency small and the same under every init (some
// inits unblock every signal for their child, so the child does it itself).
func sigwaitExec() int {
	runtime.LockOSThread()
	set := uint64(1) << (syscall.SIGUSR1 - 1)
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&set)), 0, 8, 0, 0); e != 0 {
		fmt.Fprintln(os.Stderr, "bench: sigprocmask:", e)
		return 1
	}
	self, err := os.Executable()
	if err == nil {
		err = syscall.Exec(self, launch.Helper(self, "sigwait2"), os.Environ())
	}
	fmt.Fprintln(os.Stderr, "bench: exec:", err)
	return 1
}

// sigwait writes the CLOCK_MONOTONIC time at which each SIGUSR1 is taken.
func sigwait() int {
	runtime.LockOSThread()
	set := uint64(1) << (syscall.SIGUSR1 - 1)
	var cur uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0, 0, uintptr(unsafe.Pointer(&cur)), 8, 0, 0)
	if cur&set == 0 {
		fmt.Fprintln(os.Stderr, "bench: SIGUSR1 not blocked after exec")
		return 1
	}
	var info [128]byte
	buf := []byte("ready\n")
	for {
		if _, err := os.Stdout.Write(buf); err != nil {
			return 0
		}
		for {
			_, _, e := syscall.Syscall6(unix.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(&set)), uintptr(unsafe.Pointer(&info)), 0, 8, 0, 0)
			if e == 0 {
				break
			}
			if e != syscall.EINTR {
				fmt.Fprintln(os.Stderr, "bench: sigtimedwait:", e)
				return 1
			}
		}
		var ts unix.Timespec
		unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
		buf = strconv.AppendInt(buf[:0], ts.Nano(), 10)
		buf = append(buf, '\n')
	}
}

// storm, on "prep N" from stdin, leaves N zombies in an intermediate
// process and answers "ready"; on "go" it kills the intermediate, so the
// zombies all pass to the init at once, and answers "reaped NS": the time
// until the last of them has been reaped.
func storm() int {
	in := bufio.NewScanner(os.Stdin)
	var pids []int32
	inter := 0
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		switch cmd {
		case "prep":
			n, _ := strconv.Atoi(arg)
			var err error
			if inter, pids, err = prepZombies(n); err != nil {
				fmt.Fprintln(os.Stderr, "bench:", err)
				return 1
			}
			fmt.Println("ready")
		case "go":
			start := time.Now()
			syscall.Kill(inter, syscall.SIGKILL)
			var ws syscall.WaitStatus
			for {
				if _, err := syscall.Wait4(inter, &ws, 0, nil); err != syscall.EINTR {
					break
				}
			}
			waitReaped(pids)
			fmt.Println("reaped", time.Since(start).Nanoseconds())
		}
	}
	return 0
}

// waitReaped returns once no pid of the storm exists. A zombie answers
// kill(pid, 0); a reaped process does not. Nothing else starts in the
// namespace meanwhile, so a pid cannot be reused.
func waitReaped(pids []int32) {
	nap := syscall.Timespec{Nsec: 20_000}
	for i := 0; i < len(pids); {
		if syscall.Kill(int(pids[i]), 0) == syscall.ESRCH {
			i++
			continue
		}
		syscall.Nanosleep(&nap, nil)
	}
}

// prepZombies forks an intermediate that forks n children which exit at
// once; it keeps them as zombies, unreaped, sends their pids, and sleeps.
func prepZombies(n int) (int, []int32, error) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return 0, nil, err
	}
	r := os.NewFile(uintptr(p[0]), "zombies")
	defer r.Close()
	pids := make([]int32, n)
	info := make([]byte, 128)
	all := ^uint64(0)
	pid := forkZombies(pids, p[1], &all, &info[0])
	syscall.Close(p[1])
	if pid < 0 {
		return 0, nil, fmt.Errorf("clone failed")
	}
	b := make([]byte, 4*n)
	if _, err := io.ReadFull(r, b); err != nil {
		return 0, nil, fmt.Errorf("the intermediate process failed after forking (out of pids?): %v", err)
	}
	for i := range pids {
		pids[i] = int32(binary.NativeEndian.Uint32(b[4*i:]))
	}
	return pid, pids, nil
}

// forkZombies is the intermediate process. After the clone it is a copy of
// one thread of a Go program, so it makes raw system calls only.
//
//go:norace
//go:nosplit
func forkZombies(pids []int32, wfd int, mask *uint64, info *byte) int {
	pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if errno != 0 {
		return -1
	}
	if pid != 0 {
		return int(pid)
	}
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, uintptr(unsafe.Pointer(mask)), 0, 8, 0, 0)
	for i := 0; i < len(pids); i++ {
		c, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
		if e != 0 {
			syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 1, 0, 0)
		}
		if c == 0 {
			syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
		}
		pids[i] = int32(c)
	}
	// WNOWAIT: wait until each child is a zombie, but leave it one.
	for i := 0; i < len(pids); i++ {
		syscall.RawSyscall6(syscall.SYS_WAITID, 1 /* P_PID */, uintptr(pids[i]), uintptr(unsafe.Pointer(info)),
			syscall.WEXITED|0x01000000 /* WNOWAIT */, 0, 0)
	}
	if len(pids) > 0 {
		syscall.RawSyscall(syscall.SYS_WRITE, uintptr(wfd), uintptr(unsafe.Pointer(&pids[0])), uintptr(4*len(pids)))
	}
	ts := syscall.Timespec{Sec: 1 << 30}
	for {
		syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0)
	}
}
