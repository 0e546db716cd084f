// Command demo runs ginit as PID 1 of a fresh PID namespace over a small
// app, sends it SIGTERM as `docker stop` would, and tells what happened.
// The app is the case ginit exists for: a shell script that starts a job
// worker without exec and leaves orphans behind. If tini is installed, the
// same app runs under it too, for contrast.
//
// Usage: go run ./integration/demo path/to/ginit   (make demo)
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

const app = `
echo "app: starting; leaving 3 orphans behind"
for i in 1 2 3; do ( sleep 0.3 & ) ; done
# The last line runs the worker without exec: the shell stays in between.
sh -c 'trap "echo worker: SIGTERM received, finishing the in-flight job...; sleep 2; echo worker: job done, exiting cleanly; exit 0" TERM
echo worker: busy with a job; while :; do sleep 0.1; done'
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: demo path/to/ginit")
		os.Exit(2)
	}
	fmt.Println("== ginit as PID 1; SIGTERM after 1s, as `docker stop` sends it")
	code, err := runInit(os.Args[1], "--grace", "10s", "--", "sh", "-c", app)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	fmt.Printf("== ginit exited %d: the worker finished its job although the shell did not pass SIGTERM on.\n", code)
	if tini, err := exec.LookPath("tini"); err == nil {
		fmt.Println("\n== the same app under tini")
		code, _ := runInit(tini, "--", "sh", "-c", app)
		fmt.Printf("== tini exited %d: no \"job done\" line: the worker was SIGKILLed mid-job with the namespace.\n", code)
	}
}

// runInit starts init as PID 1 of a new PID namespace, sends it SIGTERM
// after a second, and returns its exit code.
func runInit(init string, args ...string) (int, error) {
	cmd := exec.Command(init, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID, Pdeathsig: syscall.SIGKILL}
	if os.Getuid() != 0 {
		cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("cannot start %s in a new PID namespace (needs root or user namespaces): %w",
			init[strings.LastIndexByte(init, '/')+1:], err)
	}
	time.Sleep(time.Second)
	fmt.Println("-- sending SIGTERM to PID 1")
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	return cmd.ProcessState.ExitCode(), nil
}
