// Command demo runs ginit as PID 1 of a fresh PID namespace over a small
// app, sends it SIGTERM as `docker stop` would, and tells what happened.
// The app is the case ginit exists for: a shell script that starts a job
// worker without exec and leaves orphans behind. The worker needs 8 s after
// SIGTERM to finish its job, as a real one does. ginit runs with its default
// flags, as after the README's one-line migration from tini. If tini is
// installed, the same app runs under it too, for contrast.
//
// Usage: go run ./tools/demo path/to/ginit   (make demo)
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/launch"
)

// jobSeconds is how long the worker needs after SIGTERM to finish its job.
const jobSeconds = 8

var app = fmt.Sprintf(`
echo "app: starting; leaving 3 orphans behind"
for i in 1 2 3; do ( sleep 0.3 & ) ; done
# The last line runs the worker without exec: the shell stays in between.
sh -c 'trap "echo worker: SIGTERM received, finishing the in-flight job, %[1]d s...; sleep %[1]d; echo worker: job done, exiting cleanly; exit 0" TERM
echo worker: busy with a job; while :; do sleep 0.1; done'
`, jobSeconds)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: demo path/to/ginit")
		os.Exit(2)
	}
	fmt.Println("== ginit as PID 1, default flags: ginit -- sh -c APP; SIGTERM once the worker is busy, as `docker stop` sends it")
	code, took, done, err := runInit(os.Args[1], "--", "sh", "-c", app)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	if done {
		fmt.Printf("== ginit exited %d after %.1fs: the worker finished its %d s job although the shell did not pass SIGTERM on.\n",
			code, took.Seconds(), jobSeconds)
	} else {
		fmt.Printf("== ginit exited %d after %.1fs: no \"job done\" line: the worker did NOT finish its job.\n", code, took.Seconds())
	}
	if tini, err := exec.LookPath("tini"); err == nil {
		fmt.Println("\n== the same app under tini: tini -- sh -c APP")
		code, took, done, _ := runInit(tini, "--", "sh", "-c", app)
		if done {
			fmt.Printf("== tini exited %d after %.1fs, and the job finished.\n", code, took.Seconds())
		} else {
			fmt.Printf("== tini exited %d after %.1fs: no \"job done\" line: the worker was SIGKILLed mid-job with the namespace.\n",
				code, took.Seconds())
		}
	}
}

// runInit starts init as PID 1 of a new PID namespace, sends it SIGTERM
// once the worker says it is busy with its job (its SIGTERM trap is set by
// then), and returns init's exit code, how long it took to exit after the
// SIGTERM, and whether the worker said its job was done.
func runInit(init string, args ...string) (code int, took time.Duration, done bool, err error) {
	name := init[strings.LastIndexByte(init, '/')+1:]
	r, w, err := os.Pipe()
	if err != nil {
		return 0, 0, false, err
	}
	defer r.Close()
	cmd := launch.Command(launch.Spec{Argv: append([]string{init}, args...)})
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close()
	if err != nil {
		if launch.Refused(err) {
			err = fmt.Errorf("%w: %w", launch.ErrNoNamespace, err)
		}
		return 0, 0, false, fmt.Errorf("cannot start %s: %w", name, err)
	}
	// Every line is shown as it comes and kept; the worker's "busy" line
	// is the event the SIGTERM waits for.
	var out strings.Builder
	busy, copied := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(copied)
		said := false
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			fmt.Println(sc.Text())
			out.WriteString(sc.Text() + "\n")
			if !said && strings.Contains(sc.Text(), "worker: busy") {
				close(busy)
				said = true
			}
		}
	}()
	select {
	case <-busy:
	case <-copied:
		cmd.Wait()
		return 0, 0, false, fmt.Errorf("%s exited before the worker was busy", name)
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		cmd.Wait()
		return 0, 0, false, fmt.Errorf("the worker under %s did not say it was busy within a minute", name)
	}
	fmt.Println("-- sending SIGTERM to PID 1")
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	took = time.Since(sent)
	<-copied // the namespace is gone with its PID 1: so is every writer
	return cmd.ProcessState.ExitCode(), took, strings.Contains(out.String(), "worker: job done"), nil
}
