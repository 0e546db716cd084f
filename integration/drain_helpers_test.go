package integration

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

// A helper that ends its main thread must start on it and stay there.
func init() {
	if len(os.Args) > 1 && os.Args[1] == "helper:mainexit" {
		runtime.LockOSThread()
	}
}

// mainExit ends its main thread while another keeps running, so /proc
// shows the process as a zombie (Z) although it lives: on SIGTERM the other
// thread prints and exits the process.
func mainExit() int {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	go func() {
		<-c
		fmt.Println("mainexit: SIGTERM, exiting")
		os.Exit(0)
	}()
	ready(fmt.Sprintf("mainexit ready pid=%d", os.Getpid()))
	// Only this thread ends: SYS_EXIT, not exit_group.
	syscall.RawSyscall(syscall.SYS_EXIT, 0, 0, 0)
	return 1
}
