package proctab

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestParseMasks(t *testing.T) {
	// bash waiting for its foreground child: SIGQUIT ignored, SIGCHLD blocked and caught.
	status := "Name:\tbash\nState:\tS (sleeping)\nSigQ:\t0/63432\nSigPnd:\t0000000000000000\n" +
		"ShdPnd:\t0000000000000000\nSigBlk:\t0000000000010000\nSigIgn:\t0000000000000004\n" +
		"SigCgt:\t0000000000010002\nCapInh:\t0000000000000000\n"
	m, ok := ParseMasks([]byte(status))
	if !ok {
		t.Fatal("ParseMasks refused a status file")
	}
	if !m.Ignores(syscall.SIGQUIT) || m.Ignores(syscall.SIGTERM) || m.Ignores(syscall.SIGINT) {
		t.Errorf("ignored set %x read wrong", m.Ign)
	}
	if !m.Blocks(syscall.SIGCHLD) || m.Blocks(syscall.SIGTERM) || m.Cgt != 0x10002 {
		t.Errorf("masks %+v", m)
	}
	if m.Ignores(0) || m.Ignores(65) {
		t.Error("a signal number out of range counted")
	}
	for _, bad := range []string{"", "SigIgn:\t4\nSigBlk:\t0\n", "SigIgn:\tzz\nSigBlk:\t0\nSigCgt:\t0\n"} {
		if _, ok := ParseMasks([]byte(bad)); ok {
			t.Errorf("ParseMasks(%q) accepted", bad)
		}
	}
}

// A live process's sets, read through a View: a shell told to ignore SIGQUIT.
func TestSigMasks(t *testing.T) {
	cmd := exec.Command("sh", "-c", "trap '' QUIT; echo ready; exec sleep 60")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	buf := make([]byte, 6)
	if _, err := out.Read(buf); err != nil {
		t.Fatal(err)
	}
	v, err := NewView()
	if err != nil {
		t.Fatal(err)
	}
	p, ok := readStat(cmd.Process.Pid, make([]byte, 1024))
	// exec sleep is racing the read: wait for it, ignored dispositions survive exec.
	for deadline := time.Now().Add(time.Minute); ok && p.Comm != "sleep" && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		p, ok = readStat(cmd.Process.Pid, make([]byte, 1024))
	}
	if !ok {
		t.Fatal("the shell is gone")
	}
	m, ok := v.SigMasks(p)
	if !ok || !m.Ignores(syscall.SIGQUIT) || m.Ignores(syscall.SIGTERM) {
		t.Errorf("SigMasks = %+v, %v: want SIGQUIT ignored, SIGTERM not", m, ok)
	}
}
