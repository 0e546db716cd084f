package integration

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// noFile sets hard and soft RLIMIT_NOFILE to args[0], then execs the rest.
func noFile(args []string) int {
	n, _ := strconv.ParseUint(args[0], 10, 64)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
		fmt.Fprintln(os.Stderr, "nofile:", err)
		return 1
	}
	return itest.ExecOrFail("nofile", args[1:])
}

// seccompExec installs a filter that makes the pidfd calls named in calls
// ("open", "send", or "open,send") fail with errno, on every thread, and
// execs argv, which inherits it: what a container's seccomp profile does.
func seccompExec(calls, errno string, argv []string) int {
	e := map[string]syscall.Errno{"EPERM": syscall.EPERM, "ENOSYS": syscall.ENOSYS}[errno]
	var nrs []uint32
	for _, c := range strings.Split(calls, ",") {
		switch c {
		case "open":
			nrs = append(nrs, unix.SYS_PIDFD_OPEN)
		case "send":
			nrs = append(nrs, unix.SYS_PIDFD_SEND_SIGNAL)
		}
	}
	// BPF: load the syscall number; each refused one returns ERRNO; else allow.
	prog := []unix.SockFilter{{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}}
	for _, nr := range nrs {
		prog = append(prog,
			unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: nr, Jt: 0, Jf: 1},
			unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ERRNO | uint32(e)})
	}
	prog = append(prog, unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW})
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "seccomp: no_new_privs:", err)
		return 1
	}
	if _, _, errno := syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog))); errno != 0 {
		fmt.Fprintln(os.Stderr, "seccomp:", errno)
		return 1
	}
	return itest.ExecOrFail("seccomp", argv)
}

// termWaiters forks n children that wait for SIGTERM, then take ms to
// finish and exit 0; then it waits for SIGTERM itself and exits 0, leaving
// them to ginit's drain. Raw forks keep hundreds cheap.
func termWaiters(n, ms int) int {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	ts := syscall.Timespec{Sec: int64(ms / 1000), Nsec: int64(ms%1000) * 1e6}
	for i := 0; i < n; i++ {
		if forkWaitTerm(&ts) < 0 {
			fmt.Println("fork failed at", i)
			return 1
		}
	}
	fmt.Printf("termwaiters ready: %d\n", n)
	<-c
	return 0
}

//go:norace
//go:nosplit
func forkWaitTerm(ts *syscall.Timespec) int {
	all, old := ^uint64(0), uint64(0)
	term := uint64(1) << (syscall.SIGTERM - 1)
	// Everything blocked across the clone, so the child starts so: a
	// SIGTERM (ginit's drain) that came before the child blocked it
	// itself would run the Go handler it inherited, be used up there, and
	// leave it waiting for ever (once in a full CI run, under load).
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, uintptr(unsafe.Pointer(&all)), uintptr(unsafe.Pointer(&old)), 8, 0, 0)
	pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if pid != 0 || errno != 0 {
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
	}
	if errno != 0 {
		return -1
	}
	if pid == 0 {
		// Only raw system calls from here: this copy of the process has one thread.
		for {
			sig, _, _ := syscall.RawSyscall6(syscall.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(&term)), 0, 0, 8, 0, 0)
			if sig == uintptr(syscall.SIGTERM) {
				break
			}
		}
		syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(ts)), 0, 0)
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
	return int(pid)
}

// leaveGroup moves this process out of the group it leads (into that of a
// child it starts in a group of its own), so the group is empty, then runs
// record with args.
func leaveGroup(args []string) int {
	p, err := os.StartProcess("/bin/sleep", []string{"sleep", "3600"},
		&os.ProcAttr{Sys: &syscall.SysProcAttr{Setpgid: true}})
	if err != nil {
		fmt.Println("leavegroup:", err)
		return 1
	}
	if err := syscall.Setpgid(0, p.Pid); err != nil {
		fmt.Println("leavegroup:", err)
		return 1
	}
	return itest.Record(args)
}

// oomMaster is a worker pool's master: it runs hogArgv as its own child and
// reaps it when the OOM killer has ended it, as a master does; then it
// leaves an orphan that exits at once, so that ginit reaps something,
// waits until ginit has, and dies of a SIGKILL of its own: an operator's,
// long after the OOM kill and unrelated to it.
func oomMaster(hogArgv []string) int {
	spareFromOOM()
	p, err := os.StartProcess(hogArgv[0], hogArgv, &os.ProcAttr{Files: []*os.File{nil, os.Stdout, os.Stderr}, Env: os.Environ()})
	if err != nil {
		fmt.Println("oommaster:", err)
		return 1
	}
	st, _ := p.Wait()
	fmt.Printf("oommaster: hog ended: %v\n", st)
	// The orphan: cat, left by a shell that exits at once, reading a pipe
	// that this process closes once cat is ginit's child.
	pr, pw, _ := os.Pipe()
	sh, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "cat <&3 >/dev/null & exit 0"},
		&os.ProcAttr{Files: []*os.File{nil, nil, nil, pr}})
	if err != nil {
		fmt.Println("oommaster:", err)
		return 1
	}
	sh.Wait()
	pr.Close()
	pw.Close()
	// Wait until ginit has reaped whatever the shell left: no child of PID 1
	// but this one. Polled: ginit tells nobody when it reaps.
	for {
		var kids []string
		tasks, _ := os.ReadDir("/proc/1/task")
		for _, task := range tasks {
			b, _ := os.ReadFile("/proc/1/task/" + task.Name() + "/children")
			kids = append(kids, strings.Fields(string(b))...)
		}
		if len(kids) == 1 && kids[0] == strconv.Itoa(os.Getpid()) {
			break
		}
		syscall.Nanosleep(&syscall.Timespec{Nsec: 10e6}, nil)
	}
	fmt.Println("oommaster: the orphan is reaped; SIGKILL")
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	return 1
}
