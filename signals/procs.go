package signals

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"syscall"
)

// Proc is one process as /proc shows it, numbered in ginit's PID namespace
// (the numbers kill takes), whatever namespace /proc was mounted for.
type Proc struct {
	Pid   int
	PPid  int    // 0 when the parent is outside ginit's namespace
	Pgrp  int    // 0 when the group leader is outside ginit's namespace
	Start uint64 // start time in clock ticks: with Pid, one process for its life
	Comm  string
	State byte
}

// ID names one process for its whole life, even if its pid is reused.
type ID struct {
	Pid   int
	Start uint64
}

// ID returns p's identity.
func (p Proc) ID() ID { return ID{p.Pid, p.Start} }

// Table reads /proc. When ginit is PID 1 and /proc is its namespace's (as in
// every container), that is every process of the container. Otherwise (a
// subreaper, or a PID namespace whose /proc is still the parent's) it is
// ginit's descendants, renumbered into ginit's namespace through NSpid.
func Table() ([]Proc, error) {
	self := syscall.Getpid()
	var buf [32]byte // /proc/self links to a PID
	n, err := syscall.Readlink("/proc/self", buf[:])
	if err != nil {
		return nil, errors.New("cannot read /proc: " + err.Error())
	}
	link := string(buf[:n])
	viewSelf, err := strconv.Atoi(link)
	if err != nil {
		return nil, errors.New("cannot read /proc: /proc/self is " + link)
	}
	all, err := readAll()
	if err != nil {
		return nil, err
	}
	if viewSelf == self && self == 1 {
		return without(all, self), nil
	}
	return descendants(all, viewSelf, viewSelf != self)
}

func without(all []Proc, pid int) []Proc {
	out := all[:0]
	for _, p := range all {
		if p.Pid != pid {
			out = append(out, p)
		}
	}
	return out
}

// descendants keeps the processes below root (numbers as /proc shows them)
// and, when /proc belongs to another namespace, renumbers them.
func descendants(all []Proc, root int, foreign bool) ([]Proc, error) {
	kids := map[int][]int{}
	byPid := map[int]Proc{}
	for _, p := range all {
		kids[p.PPid] = append(kids[p.PPid], p.Pid)
		byPid[p.Pid] = p
	}
	depth := 0
	if foreign {
		ns, err := nsPids(root)
		if err != nil {
			return nil, err
		}
		depth = len(ns) - 1
	}
	mapped := map[int]int{root: syscall.Getpid()}
	var out []Proc
	queue := append([]int(nil), kids[root]...)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		queue = append(queue, kids[pid]...)
		p := byPid[pid]
		if foreign {
			ns, err := nsPids(pid)
			if err != nil || len(ns) <= depth {
				continue // exited meanwhile, or not in ginit's namespace
			}
			p.Pid = ns[depth]
		}
		mapped[pid] = p.Pid
		out = append(out, p)
	}
	// The map knows only ginit and its descendants: a parent or group
	// leader outside them becomes 0, as Proc documents.
	for i := range out {
		out[i].PPid = mapped[out[i].PPid]
		out[i].Pgrp = mapped[out[i].Pgrp]
	}
	return out, nil
}

func nsPids(pid int) ([]int, error) {
	b, err := readFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return nil, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, "NSpid:")
		if !ok {
			continue
		}
		var out []int
		for f := range strings.FieldsSeq(rest) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	}
	return nil, errors.New("no NSpid in /proc/" + strconv.Itoa(pid) + "/status (Linux < 4.1?)")
}

func readAll() ([]Proc, error) {
	names, err := readDirNames("/proc")
	if err != nil {
		return nil, errors.New("cannot read /proc: " + err.Error())
	}
	out := make([]Proc, 0, len(names))
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		if p, ok := readStat(pid); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// readStat parses /proc/PID/stat; false when the process is already gone.
func readStat(pid int) (Proc, bool) {
	b, err := readFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Proc{}, false
	}
	return ParseStat(b)
}

// ParseStat parses one /proc/PID/stat line. The command name sits in
// parentheses and may itself hold spaces and parentheses, so the fields are
// counted from the last ')'.
func ParseStat(b []byte) (Proc, bool) {
	open := bytes.IndexByte(b, '(')
	closing := bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return Proc{}, false
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return Proc{}, false
	}
	f := strings.Fields(string(b[closing+1:]))
	// f[0] is field 3 (state); starttime is field 22.
	if len(f) < 20 || len(f[0]) != 1 {
		return Proc{}, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgrp, err2 := strconv.Atoi(f[2])
	start, err3 := strconv.ParseUint(f[19], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return Proc{}, false
	}
	return Proc{Pid: pid, PPid: ppid, Pgrp: pgrp, Start: start,
		Comm: string(b[open+1 : closing]), State: f[0][0]}, true
}
