package itest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// leftover describes ginit (pid) and every process under it, from the
// host's /proc: for a test that times out with ginit's log unread (a
// stalled stderr), what each is doing tells a hang of ginit from a
// process that never got, or never took, its signal.
func leftover(pid int) string {
	ents, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, e := range ents {
		if p, err := strconv.Atoi(e.Name()); err == nil {
			parent[p] = statusInt(p, "PPid:")
		}
	}
	under := func(p int) bool {
		for ; p > 1; p = parent[p] {
			if p == pid {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil || !under(p) {
			continue
		}
		wchan, _ := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", p))
		fmt.Fprintf(&b, "\n  pid %d ppid %d %s wchan=%s", p, parent[p], statusLine(p, "Name:", "State:", "SigPnd:", "ShdPnd:", "SigBlk:", "SigCgt:"), wchan)
	}
	return b.String()
}

func statusInt(pid int, key string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(statusLine(pid, key), key)))
	return n
}

// statusLine returns the lines of /proc/PID/status that start with keys,
// joined on one line.
func statusLine(pid int, keys ...string) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		for _, k := range keys {
			if strings.HasPrefix(l, k) {
				out = append(out, strings.Join(strings.Fields(l), " "))
			}
		}
	}
	return strings.Join(out, " ")
}
