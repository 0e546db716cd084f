package oom

import (
	"slices"
	"testing"
)

func TestOOMFiles(t *testing.T) {
	v1 := "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n"
	got := files(v1)
	want := []string{"/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory.events",
		"/sys/fs/cgroup/memory/docker/abc/memory.oom_control", "/sys/fs/cgroup/memory/memory.oom_control"}
	if !slices.Equal(got, want) {
		t.Errorf("v1: %q", got)
	}
	got = files("0::/kubepods/pod1/c1\n")
	if got[0] != "/sys/fs/cgroup/kubepods/pod1/c1/memory.events" || got[1] != "/sys/fs/cgroup/memory.events" {
		t.Errorf("v2: %q", got)
	}
}

// The baseline is read once, just after the child starts: its cost.
func BenchmarkOOMBaseline(b *testing.B) {
	for b.Loop() {
		New()
	}
}
