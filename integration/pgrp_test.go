package integration

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// regroup is a main child that starts a stranger (in a group of its own)
// and exits, leaving its own group empty: its number may then be reused.
func regroup() int {
	cmd := exec.Command(os.Args[0], "helper:stranger")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	ready, w, _ := os.Pipe()
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		fmt.Println("regroup:", err)
		return 1
	}
	w.Close()
	bufio.NewReader(ready).ReadString('\n') // its SIGTERM handler is in place
	fmt.Printf("regroup: group %d, left %d behind\n", os.Getpid(), cmd.Process.Pid)
	return 0
}

// stranger waits for the drain's SIGTERM (its parent, the main child, is
// reaped by then), then starts a process whose pid is the main child's old
// one, through ns_last_pid, and which leads a group of that number: an
// unrelated group leader with the old group number. It records the signals
// it gets. A line on stdin ends it, and the stranger with it.
func stranger() int {
	group := os.Getppid()
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	fmt.Println("stranger: waiting for the drain")
	os.NewFile(3, "ready").Close() // tells regroup, which exits now
	<-c
	for try := 0; try < 1000; try++ {
		// Threads of this process take pids too: try until one lands.
		err := os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(strconv.Itoa(group-1)), 0)
		if err != nil {
			fmt.Println("stranger: SKIP: cannot set ns_last_pid:", err)
			return 0
		}
		cmd := exec.Command(os.Args[0], "helper:record", "SIGTERM")
		cmd.Env = os.Environ()
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			fmt.Println("stranger:", err)
			return 1
		}
		if cmd.Process.Pid != group {
			cmd.Process.Kill()
			cmd.Wait()
			continue
		}
		br := bufio.NewReader(out)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				fmt.Println("stranger: record ended:", err)
				return 1
			}
			if strings.HasPrefix(l, "ready") {
				break
			}
		}
		fmt.Printf("stranger ready: pid=%d pgrp=%d\n", group, group)
		go io.Copy(os.Stdout, br)
		bufio.NewReader(os.Stdin).ReadString('\n')
		cmd.Process.Signal(syscall.SIGTERM) // its parent's: the pid is its own until reaped
		cmd.Wait()
		return 0
	}
	fmt.Println("stranger: never got pid", group)
	return 1
}

// With -g, after the main child is reaped and its group is empty, an
// unrelated process becomes the leader of a group with the old number: a
// signal ginit forwards must not reach it.
func TestGroupNumberReused(t *testing.T) {
	t.Parallel()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	r := itest.Start(t, itest.Opts{Mount: true, Stdin: pr, Args: append([]string{"-g", "-v"}, itest.Helper("regroup")...)})
	r.Expect("stranger: waiting for the drain")
	if l := r.Expect("stranger"); strings.Contains(l, "SKIP:") {
		t.Skip(l[strings.Index(l, "SKIP:"):])
	} else if !strings.HasPrefix(l, "stranger ready") {
		t.Fatalf("the stranger did not start: %s", l)
	}
	r.Signal(syscall.SIGUSR1)
	got := r.ExpectErr("signal=SIGUSR1")
	pw.WriteString("done\n")
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if !strings.Contains(got, "dropped signal: the child has exited") {
		t.Errorf("ginit did not drop the signal: %s", got)
	}
	out := r.Stdout()
	if !strings.Contains(out, "got SIGTERM") {
		t.Errorf("the stranger did not record its own SIGTERM:\n%s", out)
	}
	if strings.Contains(out, "got SIGUSR1") {
		t.Errorf("the stranger leading the reused group got ginit's SIGUSR1:\n%s", out)
	}
}

// With -g, after the main child is reaped, a group that a process ginit
// holds is still in is the child's: a forwarded signal goes to the group.
func TestGroupKeptAfterChildExit(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Mount: true, Args: append([]string{"-g", "-v"}, itest.Helper("bg", append([]string{"0"}, itest.Helper("record", "SIGUSR2", "0")...)...)...)})
	r.Expect("left behind")
	r.ExpectErr("main child gone; draining")
	r.Signal(syscall.SIGUSR1)
	if l := r.ExpectErr("signal=SIGUSR1"); !strings.Contains(l, "forwarded signal signal=SIGUSR1 to=group") {
		t.Errorf("not forwarded to the group: %s", l)
	}
	r.Expect("got SIGUSR1")
	r.Signal(syscall.SIGUSR2)
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}
