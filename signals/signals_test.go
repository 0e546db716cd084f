package signals

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]syscall.Signal{
		"SIGTERM": syscall.SIGTERM, "TERM": syscall.SIGTERM, "term": syscall.SIGTERM, "15": syscall.SIGTERM,
		"SIGKILL": syscall.SIGKILL, "1": syscall.SIGHUP, "64": 64, "RTMIN+3": 37, "SIGRTMIN+0": 34,
	} {
		if got, err := Parse(in, false); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "65", "-1", "SIG", "FOO", "RTMIN+31", "RTMIN+x", " 15", "1.5"} {
		if got, err := Parse(in, false); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", in, got)
		}
	}
	if got, err := Parse("0", true); err != nil || got != 0 {
		t.Errorf("Parse(0, allowZero) = %v, %v", got, err)
	}
}

func TestName(t *testing.T) {
	for sig, want := range map[syscall.Signal]string{
		syscall.SIGTERM: "SIGTERM", syscall.SIGUSR1: "SIGUSR1", 37: "SIGRTMIN+3", 99: "signal 99",
	} {
		if got := Name(sig); got != want {
			t.Errorf("Name(%d) = %q, want %q", sig, got, want)
		}
	}
	for s := syscall.Signal(1); s <= MaxSignal; s++ {
		if s == 32 || s == 33 {
			continue
		}
		if back, err := Parse(Name(s), false); err != nil || back != s {
			t.Errorf("Parse(Name(%d)=%q) = %v, %v", s, Name(s), back, err)
		}
	}
}

func TestForwardedSet(t *testing.T) {
	never := []syscall.Signal{syscall.SIGCHLD, syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGFPE, syscall.SIGILL,
		syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGABRT, syscall.SIGTRAP, syscall.SIGSYS, syscall.SIGTTIN,
		syscall.SIGTTOU, syscall.SIGPROF, 32, 33, 34}
	for _, s := range never {
		if Forwarded(s) {
			t.Errorf("%s is forwarded", Name(s))
		}
	}
	for _, s := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGURG, syscall.SIGCONT, syscall.SIGTSTP, 35, 64} {
		if !Forwarded(s) {
			t.Errorf("%s is not forwarded", Name(s))
		}
	}
}

func TestRewrite(t *testing.T) {
	for spec, want := range map[string][2]syscall.Signal{
		"15:3": {15, 3}, "TERM:QUIT": {15, 3}, "SIGHUP:0": {1, 0}, "usr1:usr2": {10, 12}, "TSTP:STOP": {20, 19},
	} {
		from, to, err := ParseRewrite(spec)
		if err != nil || from != want[0] || to != want[1] {
			t.Errorf("ParseRewrite(%q) = %v, %v, %v", spec, from, to, err)
		}
	}
	for _, spec := range []string{"", "15", ":3", "15:", "0:3", "15:65", "x:y", "15:3:1", "CHLD:TERM", "KILL:TERM"} {
		if _, _, err := ParseRewrite(spec); err == nil {
			t.Errorf("ParseRewrite(%q): no error", spec)
		}
	}
	r := Rewrites{syscall.SIGTERM: syscall.SIGQUIT, syscall.SIGHUP: 0}
	if s, ok := r.Apply(syscall.SIGTERM); s != syscall.SIGQUIT || !ok {
		t.Errorf("TERM -> %v %v", s, ok)
	}
	if _, ok := r.Apply(syscall.SIGHUP); ok {
		t.Errorf("HUP not dropped")
	}
	if s, ok := r.Apply(syscall.SIGUSR1); s != syscall.SIGUSR1 || !ok {
		t.Errorf("USR1 -> %v %v", s, ok)
	}
}

func TestParseStat(t *testing.T) {
	line := []byte("42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 12345 1000 10 rest")
	p, ok := ParseStat(line)
	if !ok || p.Pid != 42 || p.Comm != "a (b) c" || p.State != 'S' || p.PPid != 1 || p.Pgrp != 42 || p.Start != 12345 {
		t.Errorf("ParseStat = %+v, %v", p, ok)
	}
	for _, bad := range []string{"", "42", "42 (x", "x (y) S 1 2 3", "42 (x) S 1 2"} {
		if _, ok := ParseStat([]byte(bad)); ok {
			t.Errorf("ParseStat(%q) accepted", bad)
		}
	}
}

// Table sees a child and a grandchild with their parents, numbered as kill
// takes them (here /proc is this namespace's: no renumbering).
func TestTableSeesDescendants(t *testing.T) {
	r, w, _ := os.Pipe()
	attr := syscall.ProcAttr{Files: []uintptr{0, w.Fd(), 2}}
	pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "sleep 30 & echo $!; wait"}, &attr)
	w.Close()
	if err != nil {
		t.Skip("SKIP: no /bin/sh:", err)
	}
	defer func() {
		syscall.Kill(-pid, syscall.SIGKILL)
		syscall.Kill(pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
	}()
	var grandchild int
	if _, err := fmt.Fscan(r, &grandchild); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(grandchild, syscall.SIGKILL)
	procs, err := Table()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, p := range procs {
		if (p.Pid == pid && p.PPid == syscall.Getpid()) || (p.Pid == grandchild && p.PPid == pid) {
			found++
		}
	}
	if found != 2 {
		t.Errorf("child %d and grandchild %d not both in Table with their parents: %+v", pid, grandchild, procs)
	}
}
