package proctab

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	line := []byte("42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 3 0 12345 1000 10 rest")
	p, ok := ParseStat(line)
	if !ok || p.Pid != 42 || p.Comm != "a (b) c" || p.State != 'S' || p.PPid != 1 || p.Pgrp != 42 ||
		p.Start != 12345 || p.Threads != 3 {
		t.Errorf("ParseStat = %+v, %v", p, ok)
	}
	// The kernel's own line, with its trailing newline: this process's.
	// Under qemu-user the line is the emulator's own, mostly zeros.
	self, err := os.ReadFile("/proc/self/stat")
	if emu := os.Getenv("GINIT_TEST_EMULATOR"); emu != "" {
		t.Logf("SKIP: /proc/self/stat under %s is made up by the emulator (state 0, no threads)", emu)
	} else if err == nil {
		if p, ok := ParseStat(self); !ok || p.Pid != os.Getpid() || p.PPid != os.Getppid() || p.State != 'R' || p.Threads < 1 || p.Start == 0 {
			t.Errorf("ParseStat(/proc/self/stat) = %+v, %v", p, ok)
		}
	}
	for _, bad := range []string{"", "42", "42 (x", "x (y) S 1 2 3", "42 (x) S 1 2",
		"42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 3 0", // no start time
		"42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 3 0 1x"} {
		if _, ok := ParseStat([]byte(bad)); ok {
			t.Errorf("ParseStat(%q) accepted", bad)
		}
	}
}

func TestAlive(t *testing.T) {
	for _, tc := range []struct {
		p    Proc
		want bool
	}{
		{Proc{State: 'S', Threads: 1}, true},
		{Proc{State: 'T', Threads: 1}, true},
		{Proc{State: 'Z', Threads: 1}, false},
		{Proc{State: 'Z', Threads: 2}, true}, // main thread gone, another runs
	} {
		if got := tc.p.Alive(); got != tc.want {
			t.Errorf("%+v: Alive %v", tc.p, got)
		}
	}
}

// Tops is the drain's decision, over a plain process list.
func TestTops(t *testing.T) {
	const self = 1
	procs := []Proc{
		{Pid: 7, PPid: self, State: 'S', Threads: 1, Comm: "orphan"},
		{Pid: 8, PPid: 7, State: 'S', Threads: 1, Comm: "job"},        // its parent is alive: left to it
		{Pid: 9, PPid: 0, State: 'S', Threads: 1, Comm: "exec"},       // docker exec: a top
		{Pid: 10, PPid: 9, State: 'S', Threads: 1, Comm: "execjob"},   // left to the session
		{Pid: 11, PPid: self, State: 'Z', Threads: 1, Comm: "zombie"}, // gone: nobody signals the dead
		{Pid: 12, PPid: self, State: 'Z', Threads: 2, Comm: "threads"},
		{Pid: 13, PPid: self, State: 'T', Threads: 1, Comm: "stopped", Start: 5},
		{Pid: 14, PPid: self, State: 'S', Threads: 1, Comm: "had", Start: 6},
	}
	had := func(id ID) bool { return id == ID{14, 6} }
	send, spared, left := Tops(procs, self, had)
	if got := pids(send); got != "7,9,12,13" {
		t.Errorf("send %s", got)
	}
	if got := pids(spared); got != "14" {
		t.Errorf("spared %s", got)
	}
	if got := pids(left); got != "8,10" {
		t.Errorf("left %s", got)
	}
}

func pids(ps []Proc) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ","
		}
		s += strconv.Itoa(p.Pid)
	}
	return s
}

// sleeper starts "sh -c 'sleep 60 & echo $!; wait'" and returns the shell
// and the grandchild's pid.
func sleeper(t *testing.T) (*exec.Cmd, int) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", "sleep 60 & echo $!; wait")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Skip("SKIP: no /bin/sh:", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	gc, _ := strconv.Atoi(line[:len(line)-1])
	t.Cleanup(func() { syscall.Kill(gc, syscall.SIGKILL) })
	return cmd, gc
}

// List sees a child and a grandchild with their parents, numbered as kill
// takes them (here /proc is this namespace's: no renumbering).
func TestListSeesDescendants(t *testing.T) {
	cmd, gc := sleeper(t)
	v, err := NewView()
	if err != nil {
		t.Fatal(err)
	}
	procs, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, p := range procs {
		if (p.Pid == cmd.Process.Pid && p.PPid == os.Getpid()) || (p.Pid == gc && p.PPid == cmd.Process.Pid) {
			found++
		}
	}
	if found != 2 {
		t.Errorf("child %d and grandchild %d not both listed with their parents: %+v", cmd.Process.Pid, gc, procs)
	}
	kids, ok := v.Children(nil)
	if !ok {
		t.Skip("SKIP: no /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN)")
	}
	if len(kids) != 1 || kids[0].Pid != cmd.Process.Pid || kids[0].PPid != os.Getpid() {
		t.Errorf("Children = %+v, want the shell %d", kids, cmd.Process.Pid)
	}
}

// A held process is signalled through its handle and its exit is an event
// on the watcher, though it is not the watcher's child; with and without
// pidfds.
func TestHoldSignalWatch(t *testing.T) {
	for _, mode := range []int8{1, -1} {
		v, _ := NewView()
		if mode == 1 && !v.Pidfds() {
			t.Log("SKIP: no pidfd_open here; testing the fallback only")
			continue
		}
		v.pidfds = mode
		_, gc := sleeper(t)
		procs, _ := v.List()
		var h *Handle
		for _, p := range procs {
			if p.Pid == gc {
				h, _ = v.Hold(p)
			}
		}
		if h == nil {
			t.Fatalf("pidfds %v: cannot hold grandchild %d", mode, gc)
		}
		w, err := NewWatcher(v.Pidfds())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Add(h); err != nil {
			t.Fatal(err)
		}
		if h.Exited() {
			t.Fatalf("pidfds %v: a live process is Exited", mode)
		}
		if err := h.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		for deadline := time.After(time.Minute); !h.Exited(); {
			select {
			case pid := <-w.C:
				if pid != gc && pid != Poll {
					t.Fatalf("event for %d, want %d", pid, gc)
				}
			case <-deadline:
				t.Fatalf("pidfds %v: no exit event for %d", mode, gc)
			}
		}
		// A handle on an exited process can still be signalled: no effect, and
		// no error (ErrExited once it is reaped; nil while a zombie).
		if err := h.Signal(syscall.SIGTERM); err != nil && err != ErrExited {
			t.Errorf("pidfds %v: signal after exit: %v", mode, err)
		}
		h.Close()
	}
}

func TestNewProcesses(t *testing.T) {
	kinds := map[int]int{11: 0, 12: 1, 13: 0, 14: -1} // 11 a thread or gone, 12 a process, 14 unreadable
	is := func(id int) int { return kinds[id] }
	for _, tc := range []struct {
		last, n int
		want    bool
	}{
		{10, 10, false},             // nothing handed out
		{10, 11, false},             // a thread
		{12, 13, false},             // a thread, after a look that saw 12
		{10, 12, true},              // a thread and a process
		{13, 14, true},              // cannot tell
		{10, -1, true},              // no /proc/loadavg
		{10, 9, true},               // wrapped
		{20, 20 + maxNewIDs, false}, // as many as are looked at, none a process
		{20, 21 + maxNewIDs, true},  // more: a listing is cheaper
	} {
		if got := newProcesses(tc.last, tc.n, is); got != tc.want {
			t.Errorf("newProcesses(%d, %d) = %v, want %v", tc.last, tc.n, got, tc.want)
		}
	}
}

func TestIsProcess(t *testing.T) {
	pid := os.Getpid()
	if got := isProcess(pid); got != 1 {
		t.Errorf("isProcess(self) = %d, want 1", got)
	}
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Skip("SKIP: no /proc/self/task:", err)
	}
	for _, e := range ents {
		if tid, _ := strconv.Atoi(e.Name()); tid != pid {
			if got := isProcess(tid); got != 0 {
				t.Errorf("isProcess(a thread of ours, %d) = %d, want 0", tid, got)
			}
			break
		}
	}
	if got := isProcess(1 << 30); got != 0 {
		t.Errorf("isProcess(no such id) = %d, want 0", got)
	}
}
