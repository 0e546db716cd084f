package itest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/ginit-dev/ginit/internal/launch"
	"github.com/ginit-dev/ginit/signals"
	"golang.org/x/sys/unix"
)

// HelperFunc is the body of a helper child: this test binary, run by
// ginit as helper NAME with args; it returns the exit code.
type HelperFunc func(args []string) int

// Helpers is a registry: helper name to body.
type Helpers map[string]HelperFunc

// shared are the helpers every test package has: processes that behave as
// apps do (exit, record, worker, ...) and the set-up steps Opts.Via and
// Opts.Mount name. A package adds its own in Main's extra.
var shared = Helpers{
	"exit":   func(args []string) int { return AtoiOr(args, 0, 0) },
	"record": Record,
	"orphans": func(args []string) int {
		orphans(AtoiOr(args, 0, 100), AtoiOr(args, 1, 50), 0)
		return 0
	},
	"churn": func(args []string) int { // churn CODE: leave orphans that exit CODE+1, then exit CODE at once
		orphans(20, 2, (AtoiOr(args, 0, 0)+1)%256)
		return AtoiOr(args, 0, 0)
	},
	"worker": func(args []string) int { return Worker(AtoiOr(args, 0, 1000)) },
	"ignoreterm": func([]string) int {
		signal.Ignore(syscall.SIGTERM)
		Ready("ready")
		time.Sleep(time.Hour)
		return 0
	},
	"spawn": spawn, // spawn ARGV...: start a child in our group, print its pid, wait
	"bg": func(args []string) int { // bg CODE ARGV...: start a child and exit CODE at once, leaving it behind
		return bg(AtoiOr(args, 0, 0), args[1:])
	},
	"passthrough": func(args []string) int {
		fmt.Printf("argv=%q\n", args)
		fmt.Printf("env=%s\n", os.Getenv("GINIT_TEST_VALUE"))
		b := make([]byte, 1<<16)
		n, _ := os.Stdin.Read(b)
		fmt.Printf("stdin=%q\n", b[:n])
		return 0
	},
	"sigstate":  func([]string) int { return sigstate() },
	"mountproc": mountProc,
	"parent":    parent,
	"sigconf":   sigconf,
	"mainexit":  func([]string) int { return mainExit() },
	"closefds": func(args []string) int { // close the fds in GINIT_TEST_CLOSE, then become argv
		for _, n := range strings.Split(os.Getenv("GINIT_TEST_CLOSE"), ",") {
			fd, _ := strconv.Atoi(n)
			syscall.Close(fd)
		}
		return ExecOrFail("closefds", args)
	},
}

// runHelper runs helper name from shared or extra.
func runHelper(name string, args []string, extra Helpers) int {
	h, ok := shared[name]
	if e, dup := extra[name]; dup {
		if ok {
			fmt.Fprintln(os.Stderr, "helper", name, "registered twice")
			return 2
		}
		h, ok = e, true
	}
	if !ok {
		fmt.Fprintln(os.Stderr, "unknown helper", name)
		return 2
	}
	return h(args)
}

// AtoiOr is args[i] as a number, or def.
func AtoiOr(args []string, i, def int) int {
	if i < len(args) {
		if n, err := strconv.Atoi(args[i]); err == nil {
			return n
		}
	}
	return def
}

// ExecOrFail becomes argv; if it cannot, it says so and returns 1.
func ExecOrFail(name string, argv []string) int {
	err := syscall.Exec(argv[0], argv, os.Environ())
	fmt.Fprintln(os.Stderr, name+":", err)
	return 1
}

// Record prints "got SIGNAME" for each signal; it exits with code when
// exitOn arrives: record [exitOn [code]].
func Record(args []string) int {
	exitOn := syscall.Signal(0)
	code := 0
	if len(args) > 0 {
		exitOn, _ = signals.Parse(args[0], false)
	}
	if len(args) > 1 {
		code, _ = strconv.Atoi(args[1])
	}
	c := make(chan os.Signal, 128)
	for s := syscall.Signal(1); s <= signals.MaxSignal; s++ {
		if signals.Forwarded(s) {
			signal.Notify(c, s)
		}
	}
	if pgrp, err := unix.IoctlGetInt(0, unix.TIOCGPGRP); err == nil {
		fmt.Printf("foreground=%v\n", pgrp == syscall.Getpgrp())
	}
	Ready(fmt.Sprintf("ready pid=%d", os.Getpid())) // on fd 3 too, for bg
	for s := range c {
		fmt.Printf("got %s\n", signals.Name(s.(syscall.Signal)))
		if s == exitOn {
			return code
		}
	}
	return 1
}

// Worker is launch.Worker, ready on stdout (and for bg): exit 0 after
// its job.
func Worker(ms int) int { return launch.Worker(ms, 0, Ready) }

func spawn(args []string) int {
	p, err := os.StartProcess(args[0], args, &os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}, Env: os.Environ()})
	if err != nil {
		fmt.Println("spawn:", err)
		return 1
	}
	fmt.Printf("spawned pid=%d\n", p.Pid)
	st, _ := p.Wait()
	return st.ExitCode()
}

// bg starts argv and exits code once argv says it is ready (its signal
// dispositions in place) on fd 3, leaving it behind.
func bg(code int, argv []string) int {
	r, w, _ := os.Pipe()
	p, err := os.StartProcess(argv[0], argv, &os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr, w},
		Env: append(os.Environ(), "GINIT_READY_FD=3")})
	if err != nil {
		fmt.Println("bg:", err)
		return 1
	}
	w.Close()
	line, _ := bufio.NewReader(r).ReadString('\n')
	fmt.Printf("left behind pid=%d: %s", p.Pid, line)
	return code
}

// Ready says a helper is set up: on stdout, and on GINIT_READY_FD for bg.
func Ready(line string) {
	fmt.Println(line)
	if fd, err := strconv.Atoi(os.Getenv("GINIT_READY_FD")); err == nil {
		f := os.NewFile(uintptr(fd), "ready")
		f.WriteString(line + "\n")
		f.Close()
		os.Unsetenv("GINIT_READY_FD")
	}
}

// orphans forks n children that sleep ms and exit, then exits itself, so
// they are re-parented to ginit. A raw fork rather than exec keeps a storm
// of thousands cheap; the child runs only raw system calls.
func orphans(n, ms, code int) {
	ts := syscall.Timespec{Sec: int64(ms / 1000), Nsec: int64(ms%1000) * 1e6}
	for i := 0; i < n; i++ {
		if forkSleepExit(&ts, code) < 0 {
			fmt.Println("fork failed at", i)
			os.Exit(1)
		}
	}
	fmt.Printf("forked %d\n", n)
}

//go:norace
//go:nosplit
func forkSleepExit(ts *syscall.Timespec, code int) int {
	all := ^uint64(0)
	pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if errno != 0 {
		return -1
	}
	if pid == 0 {
		// Only raw system calls from here: this copy of the process has one thread.
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, uintptr(unsafe.Pointer(&all)), 0, 8, 0, 0)
		syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(ts)), 0, 0)
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, uintptr(code), 0, 0)
	}
	return int(pid)
}

// sigstate prints the ignored and blocked sets this process started with.
func sigstate() int {
	b, _ := os.ReadFile("/proc/self/status")
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "SigIgn:") || strings.HasPrefix(sc.Text(), "SigBlk:") {
			fmt.Println(strings.ReplaceAll(sc.Text(), "\t", " "))
		}
	}
	return 0
}

// mountProc is launch.MountProc; GINIT_TEST_NOPROC=1 mounts an empty
// /proc instead, which ginit must do without.
func mountProc(argv []string) int {
	if os.Getenv("GINIT_TEST_NOPROC") == "1" {
		return launch.MountProc("tmpfs", argv)
	}
	return launch.MountProc("proc", argv)
}

// parent runs ginit (argv) with our stdout and waits to be killed: for -p.
func parent(argv []string) int {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Println("parent:", err)
		return 1
	}
	cmd.Wait()
	return 0
}

// sigconf ignores and blocks what GINIT_TEST_IGNORE and GINIT_TEST_BLOCK
// name, then becomes argv, as tini's sigconf test does.
func sigconf(argv []string) int {
	for _, n := range strings.Split(os.Getenv("GINIT_TEST_IGNORE"), ",") {
		if s, err := signals.Parse(n, false); err == nil {
			signal.Ignore(s)
		}
	}
	var mask uint64
	for _, n := range strings.Split(os.Getenv("GINIT_TEST_BLOCK"), ",") {
		if s, err := signals.Parse(n, false); err == nil {
			mask |= 1 << (s - 1)
		}
	}
	// The mask is per thread: block and exec on the same one.
	runtime.LockOSThread()
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&mask)), 0, 8, 0, 0)
	err := syscall.Exec(argv[0], argv, os.Environ())
	fmt.Fprintln(os.Stderr, "sigconf:", err)
	return 1
}

// mainExit ends its main thread while another keeps running, so /proc
// shows the process as a zombie (Z) although it lives: on SIGTERM the other
// thread prints and exits the process. It runs on the main thread (see init).
func mainExit() int {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	go func() {
		<-c
		fmt.Println("mainexit: SIGTERM, exiting")
		os.Exit(0)
	}()
	Ready(fmt.Sprintf("mainexit ready pid=%d", os.Getpid()))
	// Only this thread ends: SYS_EXIT, not exit_group.
	syscall.RawSyscall(syscall.SYS_EXIT, 0, 0, 0)
	return 1
}
