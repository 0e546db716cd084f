package main

import (
	"strconv"
	"strings"
)

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
