package reaper

import (
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Wait statuses as the kernel encodes them: exit code in bits 8-15, the
// signal in bits 0-6, 0x80 for a core dump.
func TestCode(t *testing.T) {
	for _, tc := range []struct {
		ws   syscall.WaitStatus
		code int
		desc string
	}{
		{0, 0, "exited 0"},
		{3 << 8, 3, "exited 3"},
		{255 << 8, 255, "exited 255"},
		{15, 143, "killed by SIGTERM"},
		{9, 137, "killed by SIGKILL"},
		{10, 138, "killed by SIGUSR1"},
		{11 | 0x80, 139, "killed by SIGSEGV (core dumped)"},
		// Real-time signals have no name in unix.SignalName.
		{34, 162, "killed by SIGRTMIN+0"},
		{39, 167, "killed by SIGRTMIN+5"},
		{64, 192, "killed by SIGRTMIN+30"},
	} {
		if got := Code(tc.ws); got != tc.code {
			t.Errorf("Code(%#x) = %d, want %d", int(tc.ws), got, tc.code)
		}
		if got := Describe(tc.ws); got != tc.desc {
			t.Errorf("Describe(%#x) = %q, want %q", int(tc.ws), got, tc.desc)
		}
	}
}

func TestReapCollectsEveryChild(t *testing.T) {
	want := map[int]int{}
	for code := range 5 {
		pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "exit " + string(rune('0'+code))}, &syscall.ProcAttr{})
		if err != nil {
			t.Skip("SKIP: no /bin/sh:", err)
		}
		want[pid] = code
	}
	var got []Exit
	for deadline := time.Now().Add(time.Minute); len(got) < len(want) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond) // Reap never blocks: poll until all have exited
		exits, _, err := Reap(nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, exits...)
	}
	for _, e := range got {
		if want[e.Pid] != Code(e.Status) {
			t.Errorf("pid %d: code %d, want %d", e.Pid, Code(e.Status), want[e.Pid])
		}
	}
	if _, gone, _ := Reap(nil); !gone {
		t.Errorf("Reap did not report ECHILD with no children left")
	}
}

// ReapPidfd gives the status wait4 would, for an exit and for a signal.
func TestReapPidfd(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   string
	}{
		{"exit 3", "exited 3"},
		{"kill -TERM $$", "killed by SIGTERM"},
	} {
		pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", tc.script}, &syscall.ProcAttr{})
		if err != nil {
			t.Skip("SKIP: no /bin/sh:", err)
		}
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			syscall.Wait4(pid, nil, 0, nil)
			t.Skip("SKIP: no pidfd_open here:", err)
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		unix.Poll(fds, -1)
		e, ok, err := ReapPidfd(fd)
		syscall.Close(fd)
		if err != nil || !ok || e.Pid != pid || Describe(e.Status) != tc.want {
			t.Errorf("%s: %+v %v %v (%s), want pid %d, %s", tc.script, e, ok, err, Describe(e.Status), pid, tc.want)
		}
	}
}
