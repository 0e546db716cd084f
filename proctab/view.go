package proctab

import (
	"errors"
	"strconv"
	"strings"
	"syscall"

	"github.com/ginit-dev/ginit/internal/rawfile"
)

// View is how ginit reads /proc. In a container /proc is the namespace's
// own and ginit is PID 1 there, so it lists every process of the container.
// Otherwise (a subreaper, or a new PID namespace whose /proc still belongs
// to the parent's) ginit sees its own descendants, renumbered into its
// namespace through NSpid when /proc numbers them differently.
type View struct {
	ns       string // ginit's PID namespace, as /proc/self/ns/pid links to it
	self     int    // ginit's pid in its own namespace
	viewSelf int    // ginit's pid as /proc numbers it
	depth    int    // ginit's namespace's index in NSpid lines, when foreign
	foreign  bool   // /proc numbers processes in another namespace
	last     int    // the last pid handed out, when ginit last looked (Forked)

	// What ginit learns once and keeps, per view rather than per package,
	// so that nothing in proctab is shared state: whether pidfds work
	// (pidfd.go), the descriptor ceiling, /proc/loadavg kept open.
	pidfds   int8   // 1 when handles hold pidfds, -1 when not, 0 before the first look
	noPidfds string // why not, once pidfds is -1
	ceiling  int    // fdCeiling's cache: nothing in ginit changes its limit once it runs
	loadavg  rawfile.Reread
	// buf holds the stat line readStat reads: a few hundred bytes, read
	// thousands of times in a drain, by the loop alone. One read into it,
	// no allocation, where rawfile.Read makes two reads and a 2 KiB
	// buffer: of a drain's per-process system calls, a read is the one
	// that need not be.
	buf [1024]byte
}

// readStat reads /proc/PID/stat into the view's buffer.
func (v *View) readStat(pid int) (Proc, bool) { return readStat(pid, v.buf[:]) }

// NewView finds ginit in /proc.
func NewView() (*View, error) {
	var buf [32]byte // /proc/self links to a PID
	n, err := syscall.Readlink("/proc/self", buf[:])
	if err != nil {
		return nil, errors.New("cannot read /proc: " + err.Error())
	}
	link := string(buf[:n])
	v := &View{self: syscall.Getpid(), ns: nsLink("self"), loadavg: rawfile.Reread{Path: "/proc/loadavg"}}
	if v.viewSelf, err = strconv.Atoi(link); err != nil {
		return nil, errors.New("cannot read /proc: /proc/self is " + link)
	}
	if v.foreign = v.viewSelf != v.self; v.foreign {
		ns, err := nsPids(v.viewSelf)
		if err != nil {
			return nil, err
		}
		v.depth = len(ns) - 1
	}
	return v, nil
}

// Whole reports whether List sees every process of ginit's PID namespace:
// ginit is its PID 1.
func (v *View) Whole() bool { return v.self == 1 }

// List returns every process ginit must account for, live or not: the
// whole namespace but ginit when Whole, else ginit's descendants.
func (v *View) List() ([]Proc, error) {
	v.last = v.lastPid() // before the listing: a process forked during it moves the number
	names, err := rawfile.DirNames("/proc")
	if err != nil {
		return nil, errors.New("cannot read /proc: " + err.Error())
	}
	all := make([]Proc, 0, len(names))
	for _, n := range names {
		if pid, err := strconv.Atoi(n); err == nil && pid != v.viewSelf {
			if p, ok := v.readStat(pid); ok {
				all = append(all, p)
			}
		}
	}
	switch {
	case v.Whole() && !v.foreign:
		return all, nil // a parent outside the namespace (docker exec) shows as 0
	case v.Whole():
		return v.namespace(all), nil
	}
	return v.descendants(all), nil
}

// namespace keeps the processes of ginit's namespace from a /proc that
// shows more (a new namespace whose /proc was not remounted), renumbered.
// Other namespaces as deep as ginit's have numbers too: only the namespace
// link tells them apart.
func (v *View) namespace(all []Proc) []Proc {
	mapped := map[int]int{v.viewSelf: v.self}
	var out []Proc
	for _, p := range all {
		if nsLink(strconv.Itoa(p.view)) == v.ns && v.ns != "" && v.renumber(&p) {
			mapped[p.view] = p.Pid
			out = append(out, p)
		}
	}
	return v.remap(out, mapped)
}

// descendants keeps the processes below ginit and renumbers them into
// ginit's namespace; a parent or group leader outside them becomes 0.
func (v *View) descendants(all []Proc) []Proc {
	kids := map[int][]int{}
	byPid := map[int]Proc{}
	for _, p := range all {
		kids[p.PPid] = append(kids[p.PPid], p.Pid)
		byPid[p.Pid] = p
	}
	mapped := map[int]int{v.viewSelf: v.self}
	var out []Proc
	queue := append([]int(nil), kids[v.viewSelf]...)
	for len(queue) > 0 {
		p := byPid[queue[0]]
		queue = append(queue[1:], kids[p.Pid]...)
		if !v.renumber(&p) {
			continue // exited meanwhile, or not in ginit's namespace
		}
		mapped[p.view] = p.Pid
		out = append(out, p)
	}
	return v.remap(out, mapped)
}

// remap renumbers parents and group leaders; one outside the set becomes 0.
func (v *View) remap(out []Proc, mapped map[int]int) []Proc {
	for i := range out {
		out[i].PPid = mapped[out[i].PPid]
		out[i].Pgrp = mapped[out[i].Pgrp]
	}
	return out
}

// renumber turns p's /proc numbers into ginit's namespace's.
func (v *View) renumber(p *Proc) bool {
	if !v.foreign {
		return true
	}
	ns, err := nsPids(p.view)
	if err != nil || len(ns) <= v.depth {
		return false
	}
	p.Pid = ns[v.depth]
	return true
}

// Children returns ginit's children as they are now, fresh from the
// kernel's per-thread children lists: one small read per ginit thread, so
// a drain can find what an exiting process handed to ginit without
// reading all of /proc. A child for which known(pid) is true is left out
// without reading its stat: the caller holds it already. ok is false when
// the kernel has no such lists (CONFIG_PROC_CHILDREN); the caller then
// lists everything.
func (v *View) Children(known func(pid int) bool) (kids []Proc, ok bool) {
	v.last = v.lastPid()
	return v.childrenOf(v.viewSelf, v.self, known)
}

// Family returns the process pid (in ginit's numbering) and its children's
// pids: those a stop signal to pid concerns, read without all of /proc and
// without a stat per child (a main child may have thousands). With a /proc
// of another namespace, or no children lists, it reads all of /proc.
func (v *View) Family(pid int) (p Proc, kids []int, err error) {
	if !v.foreign {
		var ok bool
		if p, ok = v.readStat(pid); !ok {
			return Proc{}, nil, nil
		}
		if kids, ok = v.childPids(pid); ok {
			return p, kids, nil
		}
	}
	all, err := v.List()
	for _, q := range all {
		if q.Pid == pid {
			p = q
		}
		if q.PPid == pid {
			kids = append(kids, q.Pid)
		}
	}
	return p, kids, err
}

// childPids reads the children lists of pid's threads, numbered as /proc
// numbers them.
func (v *View) childPids(pid int) (kids []int, ok bool) {
	task := "/proc/" + strconv.Itoa(pid) + "/task/"
	tids, err := rawfile.DirNames(task)
	if err != nil {
		return nil, false
	}
	for _, tid := range tids {
		b, err := rawfile.Read(task + tid + "/children")
		if err != nil {
			return nil, false
		}
		for f := range strings.FieldsSeq(string(b)) {
			n, _ := strconv.Atoi(f)
			kids = append(kids, n)
		}
	}
	return kids, true
}

// Foreign reports whether /proc numbers processes in another namespace
// than ginit's (a new PID namespace whose /proc was not remounted).
func (v *View) Foreign() bool { return v.foreign }

// Stat reads the process pid (ginit's numbering) afresh; false when it is
// gone. With a /proc of another namespace, false: callers list instead.
func (v *View) Stat(pid int) (Proc, bool) {
	if v.foreign {
		return Proc{}, false
	}
	return v.readStat(pid)
}

// childrenOf reads the children of viewPid (as /proc numbers it); pid is
// the parent's number in ginit's namespace.
func (v *View) childrenOf(viewPid, pid int, known func(int) bool) (kids []Proc, ok bool) {
	pids, ok := v.childPids(viewPid)
	kids = make([]Proc, 0, len(pids))
	for _, n := range pids {
		if known != nil && !v.foreign && known(n) {
			continue
		}
		if p, ok := v.readStat(n); ok && v.renumber(&p) {
			p.PPid, p.Pgrp = pid, v.pgrp(p)
			kids = append(kids, p)
		}
	}
	return kids, ok
}

// pgrp renumbers p's group when it is p's own (the common case: a child
// ginit started leads its group); another group is unknown here: 0.
func (v *View) pgrp(p Proc) int {
	if p.Pgrp == p.view {
		return p.Pid
	}
	if !v.foreign {
		return p.Pgrp
	}
	return 0
}

// Refresh re-reads p; false when it has exited or its pid now belongs to
// another process.
func (v *View) Refresh(p Proc) (Proc, bool) {
	q, ok := v.readStat(p.view)
	if !ok || q.Start != p.Start {
		return Proc{}, false
	}
	q.Pid = p.Pid
	if v.foreign {
		q.PPid, q.Pgrp = p.PPid, p.Pgrp // renumbering them is not worth a read
	}
	return q, true
}

func nsLink(pid string) string {
	var buf [64]byte
	n, err := syscall.Readlink("/proc/"+pid+"/ns/pid", buf[:])
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

func nsPids(pid int) ([]int, error) {
	b, err := rawfile.Read("/proc/" + strconv.Itoa(pid) + "/status")
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

// lastPid is the last pid the kernel handed out in ginit's namespace, as
// /proc/loadavg tells the reader (whatever namespace /proc belongs to).
// The file stays open: a drain reads it on every exit (Forked).
func (v *View) lastPid() int {
	b, err := v.loadavg.Read()
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) < 5 {
		return -1
	}
	n, err := strconv.Atoi(f[4])
	if err != nil {
		return -1
	}
	return n
}

// Forked reports whether any process has been created in ginit's
// namespace since the last List, ListHeld or Children: one small read, so
// that a drain need not read ginit's children after every exit when no
// process it does not know of can exist. True when it cannot tell.
func (v *View) Forked() bool {
	n := v.lastPid()
	if v.foreign {
		return n < 0 || n != v.last // /proc numbers ids in another namespace
	}
	forked := newProcesses(v.last, n, isProcess)
	if !forked {
		v.last = n // every id handed out since is a thread, or gone
	}
	return forked
}

// maxNewIDs bounds the ids newProcesses looks at one by one; more, and
// a listing is cheaper.
const maxNewIDs = 64

// newProcesses: whether any of the ids handed out after last, up to n,
// may be a process that a listing would find. A new thread takes its id
// from the same counter as a new process: the Go runtime's threads of
// ginit itself, an app's (a JVM's pool), each would otherwise cost a
// drain a listing of ginit's children and a reap by wait4(-1), which
// looks through every child (measured, doc/performance.md). An id that
// is a thread, or already gone, is no process to find: a process that
// came and went left any child it had under a later id, looked at too.
// isProcess(id) is 1 for a process, 0 for a thread or nothing, -1 when
// it cannot tell.
func newProcesses(last, n int, isProcess func(id int) int) bool {
	switch {
	case n == last:
		return false
	case n < 0 || n < last || n-last > maxNewIDs:
		return true // unknown, wrapped, or many
	}
	for id := last + 1; id <= n; id++ {
		if isProcess(id) != 0 {
			return true
		}
	}
	return false
}

// isProcess tells a process from a thread by its thread group
// (/proc/ID/status answers for a thread id too): 1, 0, or -1 when
// the file cannot be read for another reason than the id being gone.
func isProcess(id int) int {
	b, err := rawfile.Read("/proc/" + strconv.Itoa(id) + "/status")
	if err == syscall.ENOENT || err == syscall.ESRCH {
		return 0
	}
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Tgid:"); ok {
			if tgid, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				if tgid == id {
					return 1
				}
				return 0
			}
		}
	}
	return -1
}

// Adopted re-reads p, known to ginit, after its parent exited: q with
// PPid ginit when p is now ginit's child; false when p has gone, or went
// to another subreaper.
func (v *View) Adopted(p Proc) (q Proc, ok bool) {
	r, ok := v.readStat(p.view)
	if !ok || r.Start != p.Start || r.PPid != v.viewSelf {
		return Proc{}, false
	}
	p.PPid, p.State, p.Threads = v.self, r.State, r.Threads
	return p, true
}
