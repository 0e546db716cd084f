// Package proctab is ginit's view of the processes it must wait for: a
// table read from /proc, a pidfd that holds each process's identity from the
// moment it is known (so a reused PID is never signalled), a watcher that
// reports their exits as events, and Tops, the plain function that decides
// who gets the stop signal in a drain. /proc is read through
// internal/rawfile (the size rule is there); a /proc file is never
// pollable, so nothing is lost.
package proctab

import (
	"bytes"
	"strconv"

	"github.com/ginit-dev/ginit/internal/rawfile"
)

// Proc is one process as /proc shows it, numbered in ginit's PID namespace
// (the numbers kill and pidfd_open take), whatever namespace /proc was
// mounted for.
type Proc struct {
	Pid     int
	PPid    int    // 0 when the parent is outside ginit's namespace (docker exec)
	Pgrp    int    // 0 when the group leader is outside ginit's namespace
	Start   uint64 // start time in clock ticks: with Pid, one process for its life
	Comm    string
	State   byte
	Threads int

	view int // the pid as this /proc numbers it
}

// ID names one process for its whole life, even if its pid is reused.
type ID struct {
	Pid   int
	Start uint64
}

// ID returns p's identity.
func (p Proc) ID() ID { return ID{p.Pid, p.Start} }

// Alive: not yet exited. /proc shows Z for a process whose main thread has
// exited while other threads run; it lives until its last thread ends
// (the leader stays counted in Threads until it is reaped).
func (p Proc) Alive() bool { return p.State != 'Z' || p.Threads > 1 }

// LogName is what ginit's log names p by.
func (p Proc) LogName() (int, string) { return p.Pid, p.Comm }

// Name is "pid(comm)", for logs.
func (p Proc) Name() string { return strconv.Itoa(p.Pid) + "(" + p.Comm + ")" }

// ParseStat parses one /proc/PID/stat line. The command name sits in
// parentheses and may itself hold spaces and parentheses, so the fields are
// counted from the last ')'. It allocates only the name: a drain parses a
// stat or two per process, and splitting the line into strings was most of
// what a storm allocated (doc/performance.md).
func ParseStat(b []byte) (Proc, bool) {
	open := bytes.IndexByte(b, '(')
	closing := bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return Proc{}, false
	}
	pid, ok := number(bytes.TrimSpace(b[:open]))
	if !ok {
		return Proc{}, false
	}
	// f[0] is field 3 (state); num_threads is field 20, starttime 22.
	var f [20][]byte
	n := 0
	for rest := b[closing+1:]; n < len(f); n++ {
		rest = bytes.TrimLeft(rest, " \t\n")
		end := bytes.IndexAny(rest, " \t\n")
		if end < 0 {
			end = len(rest)
		}
		if end == 0 {
			break
		}
		f[n], rest = rest[:end], rest[end:]
	}
	if n < len(f) || len(f[0]) != 1 {
		return Proc{}, false
	}
	ppid, ok1 := number(f[1])
	pgrp, ok2 := number(f[2])
	threads, ok3 := number(f[17])
	start, ok4 := number(f[19])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return Proc{}, false
	}
	return Proc{Pid: int(pid), PPid: int(ppid), Pgrp: int(pgrp), Start: start, Threads: int(threads),
		Comm: string(b[open+1 : closing]), State: f[0][0], view: int(pid)}, true
}

// number parses a decimal of the digits alone, as /proc writes the
// fields ParseStat reads.
func number(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// readStat reads /proc/PID/stat into buf (View.buf); false when the
// process is already gone.
func readStat(pid int, buf []byte) (Proc, bool) {
	b, err := rawfile.ReadInto("/proc/"+strconv.Itoa(pid)+"/stat", buf)
	if err != nil {
		return Proc{}, false
	}
	return ParseStat(b)
}
