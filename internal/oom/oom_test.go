package oom

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/internal/rawfile"
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

func TestPick(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	exact := func(d time.Duration) kill { return kill{at(d), at(d)} }
	for _, tc := range []struct {
		name  string
		kills []kill
		now   time.Duration
		born  time.Time
		want  int
	}{
		{"none", nil, 0, time.Time{}, -1},
		{"just before", []kill{exact(-10 * time.Millisecond)}, 0, time.Time{}, 0},
		{"minutes before", []kill{exact(-3 * time.Minute)}, 0, time.Time{}, -1},
		{"at the edge", []kill{exact(-Near)}, 0, time.Time{}, 0},
		{"past the edge", []kill{exact(-Near - time.Millisecond)}, 0, time.Time{}, -1},
		{"the latest of two", []kill{exact(-2 * time.Second), exact(-time.Second)}, 0, time.Time{}, 1},
		{"before it started", []kill{exact(-2 * time.Second)}, 0, at(-time.Second), -1},
		{"after it started", []kill{exact(-2 * time.Second)}, 0, at(-3 * time.Second), 0},
		// Without a watch: somewhere in (after, seen].
		{"interval within Near", []kill{{at(-4 * time.Second), at(0)}}, 0, time.Time{}, 0},
		{"interval too wide", []kill{{at(-10 * time.Minute), at(0)}}, 0, time.Time{}, -1},
	} {
		if got := pick(tc.kills, at(tc.now), tc.born); got != tc.want {
			t.Errorf("%s: pick = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// The note on a SIGKILL not blamed says why, in words an operator reads.
func TestUnknown(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, tc := range []struct {
		name string
		o    Counter
		want string
	}{
		{"no OOM kill ever", Counter{}, ""},
		{"long before", Counter{last: kill{t0.Add(-193 * time.Second), t0.Add(-193 * time.Second)}},
			"cause unknown; the container's last OOM kill was 193.0 s before, not within 5.0 s"},
		{"before a reap", Counter{last: kill{t0.Add(-time.Second), t0.Add(-time.Second)}, reaped: t0.Add(-time.Second / 2)},
			"cause unknown; the container's last OOM kill was 1.0 s before, and ginit reaped a process since"},
		{"blamed already", Counter{last: kill{t0, t0}, used: true},
			"cause unknown; the container's last OOM kill, 0.0 s before, is blamed on another process"},
		{"no watch", Counter{last: kill{t0.Add(-time.Minute), t0}},
			"cause unknown; the container had an OOM kill in the 60.0 s before, ginit cannot tell when (no OOM events from the kernel here)"},
	} {
		if got := tc.o.unknown(t0, time.Time{}); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// The counter's rises, as the loop sees them: a pool master's worker
// killed, then an operator's SIGKILL minutes later with no reap between;
// then an OOM kill and its victim's death just after.
func TestCounterFlow(t *testing.T) {
	file := filepath.Join(t.TempDir(), "memory.events")
	set := func(n int) {
		if err := os.WriteFile(file, []byte("low 0\nhigh 0\nmax 9\noom 3\noom_kill "+strconv.Itoa(n)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set(0)
	t0 := time.Unix(1000, 0)
	for _, watched := range []bool{true, false} {
		set(0)
		o := &Counter{path: file, file: rawfile.Reread{Path: file}, watched: watched, at: t0}
		set(1) // the worker
		if watched {
			if n := o.Note(t0.Add(time.Second)); n != 1 {
				t.Errorf("watched: Note = %d, want 1", n)
			}
		}
		oom, why := o.Blame(t0.Add(3*time.Minute), t0)
		if oom || !strings.HasPrefix(why, "cause unknown; ") {
			t.Errorf("watched %v: a stale kill was blamed: %v %q", watched, oom, why)
		}
		o.Reaped(t0.Add(3 * time.Minute))
		set(2) // a victim, reaped just after
		now := t0.Add(3*time.Minute + time.Second)
		if watched {
			o.Note(now)
		}
		if oom, why := o.Blame(now.Add(10*time.Millisecond), t0); !oom {
			t.Errorf("watched %v: a fresh kill was not blamed: %q", watched, why)
		}
		if oom, why := o.Blame(now.Add(20*time.Millisecond), t0); oom || !strings.Contains(why, "blamed on another process") {
			t.Errorf("watched %v: one kill blamed twice: %v %q", watched, oom, why)
		}
	}
}

// The v2 watch (inotify, read through the runtime's poller) wakes the loop
// when the file changes; tried on a plain file, as no memory.events may
// be at hand.
func TestWatchWakes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "memory.events")
	os.WriteFile(file, []byte("oom_kill 0\n"), 0o644)
	c := watch(file, false)
	if c == nil {
		t.Skip("SKIP: no inotify watch here")
	}
	os.WriteFile(file, []byte("oom_kill 1\n"), 0o644)
	select {
	case <-c:
	case <-time.After(time.Minute):
		t.Fatal("no wake-up a minute after the file changed")
	}
}
