// Package oom tells an out-of-memory kill from a SIGKILL. When the kernel's
// OOM killer ends a process, all anyone sees is SIGKILL: exit 137, as if
// something had killed it on purpose. The container's memory cgroup counts
// OOM kills; ginit reads the count when a process dies of a SIGKILL ginit
// did not send, and if it rose since ginit's previous reap, says "out of
// memory".
package oom

import (
	"strconv"
	"strings"

	"github.com/ginit-dev/ginit/internal/rawfile"
)

// Counter is the container's memory cgroup OOM-kill count.
type Counter struct {
	path string // memory.events (cgroup v2) or memory.oom_control (v1); "" if none
	base int64  // kills already accounted for
	file rawfile.Reread
}

// New finds the counter and reads the baseline. It runs just
// after the child is started, so the child's start never waits for it
// (two small reads: /proc/self/cgroup and the counter, tens of
// microseconds), and before the child can have grown enough to be killed.
func New() *Counter {
	b, _ := rawfile.Read("/proc/self/cgroup")
	for _, try := range files(string(b)) {
		if n, ok := readOOMKills(try); ok {
			return &Counter{path: try, base: n, file: rawfile.Reread{Path: try}}
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

// kills re-reads the counter through the descriptor kept open: Rebase
// runs at every reap of a drain.
func (o *Counter) kills() (int64, bool) {
	b, err := o.file.Read()
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

// Rose re-reads the counter and takes one kill off it if it rose since
// the last reap (Rebase), so each OOM kill is told once.
func (o *Counter) Rose() bool {
	if o == nil || o.path == "" {
		return false
	}
	n, ok := o.kills()
	if !ok || n <= o.base {
		return false
	}
	o.base++
	return true
}

// Rebase takes every kill counted so far as accounted for; ginit calls it
// after each reap. Without it, an OOM kill of a process ginit never reaps
// (a worker pool's child, reaped by its master) would be blamed on the
// next unrelated SIGKILL, minutes later.
func (o *Counter) Rebase() {
	if o == nil || o.path == "" {
		return
	}
	if n, ok := o.kills(); ok {
		o.base = n
	}
}
