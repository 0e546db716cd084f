// Package oom tells an out-of-memory kill from a SIGKILL. When the kernel's
// OOM killer ends a process, all anyone sees is SIGKILL: exit 137, as if
// something had killed it on purpose. The container's memory cgroup counts
// OOM kills, for the whole container, without saying whose; so each kill
// is noted with the time ginit learnt of it (the kernel tells as it
// happens: watch.go), and a SIGKILL is blamed on one only if it came near
// the death and after ginit's previous reap (blame.go).
package oom

import (
	"strconv"
	"strings"
	"time"

	"github.com/ginit-dev/ginit/internal/rawfile"
)

// Counter is the container's memory cgroup OOM-kill count and the kills
// noted since ginit's previous reap. The loop owns it: C only wakes the
// loop, which calls Note.
type Counter struct {
	// C gets a value when the kernel says the counter's file changed;
	// nil when it cannot tell (then kills are noticed only at reaps).
	C     <-chan struct{}
	path  string // memory.events (cgroup v2) or memory.oom_control (v1); "" if none
	file  rawfile.Reread
	v1    bool
	count int64     // the counter at the last read
	at    time.Time // when it was read
	early time.Time // v1: an event that found no kill yet (v1 tells just before it kills)
	said  int64     // the counter at the last Note

	kills   []kill    // noted since the previous reap, not yet blamed
	last    kill      // the latest kill noted (zero: none yet)
	used    bool      // last was blamed on a death already
	reaped  time.Time // the previous reap
	watched bool
}

// maxKills bounds the kills kept between two reaps; more than that in so
// short a time and the oldest ones cannot be near any death to come.
const maxKills = 64

// New finds the counter, reads the baseline and starts the watch. It runs
// just after the child is started, so the child's start never waits for it
// (two small reads, /proc/self/cgroup and the counter, and the watch's set-up),
// and before the child can have grown enough to be killed.
func New() *Counter {
	b, _ := rawfile.Read("/proc/self/cgroup")
	for _, try := range files(string(b)) {
		if n, ok := readOOMKills(try); ok {
			o := &Counter{path: try, count: n, said: n, at: time.Now(), file: rawfile.Reread{Path: try},
				v1: strings.HasSuffix(try, "/memory.oom_control")}
			o.C = watch(try, o.v1)
			o.watched = o.C != nil
			return o
		}
	}
	return &Counter{}
}

// files lists where the counter may be, best first. A container's
// /sys/fs/cgroup shows its own cgroup at the root (cgroup namespace, or
// the runtime's bind mount), so the root is tried after the path that
// /proc/self/cgroup names.
func files(cgroup string) []string {
	var v2, v1 []string
	for line := range strings.SplitSeq(cgroup, "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		path := f[2]
		if path == "/" {
			path = ""
		}
		switch {
		case f[0] == "0" && f[1] == "":
			v2 = append(v2, "/sys/fs/cgroup"+path+"/memory.events", "/sys/fs/cgroup/memory.events")
		case hasController(f[1], "memory"):
			v1 = append(v1, "/sys/fs/cgroup/memory"+path+"/memory.oom_control", "/sys/fs/cgroup/memory/memory.oom_control")
		}
	}
	return append(v2, v1...)
}

func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// readOOMKills reads the "oom_kill N" line of a counter file.
func readOOMKills(path string) (int64, bool) {
	b, err := rawfile.Read(path)
	if err != nil {
		return 0, false
	}
	return parseOOMKills(b)
}

func parseOOMKills(b []byte) (int64, bool) {
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "oom_kill "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// read re-reads the counter through the descriptor kept open (one pread)
// and notes each new kill as k: when it happened, as far as ginit can tell.
func (o *Counter) read(now time.Time, k kill) {
	b, err := o.file.Read()
	if err != nil {
		return
	}
	n, ok := parseOOMKills(b)
	if !ok {
		return
	}
	if n > o.count {
		o.early = time.Time{}
	}
	for i := o.count; i < n; i++ {
		if len(o.kills) == maxKills {
			o.kills = o.kills[1:]
		}
		o.kills = append(o.kills, k)
		o.last, o.used = k, false
	}
	o.count, o.at = n, now // a counter that went down (a new cgroup?) is the new base
}

// unprompted is when a kill found by a read that no event prompted
// happened: with a watch, now (the kernel's word is on its way), or on v1
// at the event just before (v1 tells of the OOM, then kills); without one,
// somewhere since the previous read.
func (o *Counter) unprompted(now time.Time) kill {
	switch {
	case o.watched && o.v1 && !o.early.IsZero():
		return kill{after: o.early, seen: o.early}
	case o.watched:
		return kill{after: now, seen: now}
	}
	return kill{after: o.at, seen: now}
}

// Note runs when the kernel says the counter's file changed; it returns
// how many OOM kills the container has had since the previous Note, to be
// said at once: the process killed may be one that ginit never reaps.
func (o *Counter) Note(now time.Time) int64 {
	if o == nil || o.path == "" {
		return 0
	}
	before := o.count
	o.read(now, kill{after: now, seen: now})
	if o.v1 && o.count == before {
		o.early = now // v1 tells of the OOM before the kill: the kill is next
	}
	n := o.count - o.said
	o.said = o.count
	return max(n, 0)
}

// Reaped runs after each reap: every kill noted so far is taken as told,
// blamed or not. Without it, an OOM kill of a process ginit never reaps (a
// worker pool's child, reaped by its master) could be blamed on an
// unrelated SIGKILL that follows within Near. One pread per reap, not per
// process reaped.
func (o *Counter) Reaped(now time.Time) {
	if o == nil || o.path == "" {
		return
	}
	o.read(now, o.unprompted(now))
	o.kills, o.reaped = o.kills[:0], now
}

// Blame runs when a process ginit reaps died of a SIGKILL that ginit did
// not send (or a shell exited 137): it says whether an OOM kill is its
// cause, and if not, while the container had OOM kills, a note that says
// why none is blamed. born is when the process started, zero if unknown.
func (o *Counter) Blame(now, born time.Time) (bool, string) {
	if o == nil || o.path == "" {
		return false, ""
	}
	o.read(now, o.unprompted(now))
	i := pick(o.kills, now, born)
	if i < 0 {
		return false, o.unknown(now, born)
	}
	if o.kills[i] == o.last {
		o.used = true
	}
	o.kills = append(o.kills[:i], o.kills[i+1:]...)
	return true, ""
}
