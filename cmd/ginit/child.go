package main

import (
	"strconv"
	"strings"
	"syscall"
	"time"
)

// mainChild is the program ginit runs, and how it ended.
type mainChild struct {
	pid     int
	comm    string // argv[0]'s base name until /proc tells the kernel's
	started time.Time
	done    bool // reaped
	status  syscall.WaitStatus
	desc    string // how it ended: "exited 3", "killed by SIGKILL (out of memory)"
	ended   time.Time
}

// baseName is argv[0] without its directory: the child's name in logs
// until /proc tells the kernel's (at most 15 bytes, no arguments logged).
func baseName(argv0 string) string {
	return argv0[strings.LastIndexByte(argv0, '/')+1:]
}

func joinArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}
