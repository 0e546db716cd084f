// Command containerapp is the app inside the Docker tests' image: a static
// binary (CGO_ENABLED=0), since the image is FROM scratch.
//
//	containerapp worker MS CODE   on SIGTERM finish a job of MS ms, exit CODE
//	containerapp ignoreterm       ignore SIGTERM, run until killed
//	containerapp orphans N        leave N short-lived orphans, run until SIGTERM
//	containerapp record           print each signal; exit 0 on SIGINT or SIGTERM
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"github.com/ginit-dev/ginit/internal/launch"
)

func main() {
	arg := func(i, def int) int {
		if i < len(os.Args) {
			if n, err := strconv.Atoi(os.Args[i]); err == nil {
				return n
			}
		}
		return def
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: containerapp worker|ignoreterm|orphans|record")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "worker":
		os.Exit(worker(arg(2, 1000), arg(3, 0)))
	case "ignoreterm":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready: ignoring SIGTERM")
		for {
			time.Sleep(time.Hour) // not select{}: the runtime would call that a deadlock
		}
	case "orphans":
		orphans(arg(2, 1000))
	case "record":
		record()
	}
	os.Exit(2)
}

func worker(ms, code int) int {
	return launch.Worker(ms, code, func(line string) { fmt.Println(line) })
}

func record() {
	c := make(chan os.Signal, 16)
	signal.Notify(c, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGINT, syscall.SIGTERM, syscall.SIGWINCH)
	fmt.Println("ready")
	for s := range c {
		fmt.Println("got", s.(syscall.Signal).String(), int(s.(syscall.Signal)))
		if s == syscall.SIGINT || s == syscall.SIGTERM {
			os.Exit(0)
		}
	}
}

// orphans makes n orphans while the app itself keeps running, as a real
// app's forgotten grandchildren do: each child forks a sleeper and exits, the
// app reaps the child, and the sleeper, orphaned, is re-parented to PID 1,
// which must reap it when it exits.
func orphans(n int) {
	ts := syscall.Timespec{Nsec: 200e6}
	for i := 0; i < n; i++ {
		if forkOrphan(&ts) < 0 {
			fmt.Println("fork failed at", i)
			os.Exit(1)
		}
	}
	var ws syscall.WaitStatus
	for { // reap our own children (the middles), not the orphans
		if _, err := syscall.Wait4(-1, &ws, 0, nil); err == syscall.ECHILD {
			break
		}
	}
	fmt.Println("orphans left:", n)
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	<-c
}

// forkOrphan forks a middle process that forks a sleeper and exits at once.
// Only raw system calls run in the copies: they have one thread.
//
//go:norace
//go:nosplit
func forkOrphan(ts *syscall.Timespec) int {
	all := ^uint64(0)
	pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if errno != 0 {
		return -1
	}
	if pid == 0 {
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2, uintptr(unsafe.Pointer(&all)), 0, 8, 0, 0)
		if p, _, _ := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0); p == 0 {
			syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(ts)), 0, 0)
		}
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
	return int(pid)
}
