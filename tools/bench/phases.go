package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/launch"
	"golang.org/x/sys/unix"
)

// subject is one column: an init, or a piece of Go's floor.
type subject struct {
	name  string
	path  string
	init  bool   // takes "-- PROGRAM" and runs it as its child
	only  string // the one phase it takes part in; empty: all
	ginit bool   // a build of ginit: takes ginit's flags (the memory phase)
	idle  string // for the empty program: its blocking twin, for memory and wake-ups
	size  int64

	runs                             []time.Duration // start-up: whole runs of INIT -- /bin/true (or the empty program)
	rssKB                            int
	threads                          int
	wakeups                          float64
	latency                          []time.Duration
	storms                           []time.Duration
	drainCPU, drainWall              []time.Duration
	earlyTries, earlyDied, earlyLost int
	memBefore, memPeak, memAfter     int           // KiB of VmRSS: idle, the storm's high-water mark, after it
	anonBefore, anonAfter            int           // KiB of RssAnon, idle and after: ginit's own memory
	fileBefore, fileAfter            int           // KiB of RssFile, idle and after: its binary's pages
	memStorm, memBack                time.Duration // the storm, and the wait for memory to return
	measured                         map[string]bool
}

func (s *subject) takes(phase string) bool {
	if phase == "memory" {
		return s.ginit || s.only == phase
	}
	return s.only == "" || s.only == phase
}

func (s *subject) argv(prog ...string) []string {
	if !s.init {
		return []string{s.path}
	}
	return append([]string{s.path, "--"}, prog...)
}

// phaseStartup runs every subject and the two baselines once a round, in a
// new random order each round, so that drift and noise fall on all alike.
func (b *bench) phaseStartup() error {
	type job struct {
		argv []string
		runs *[]time.Duration
	}
	jobs := []job{{[]string{"/bin/true"}, &b.trueRuns}, {[]string{b.exit0}, &b.exit0Runs}}
	for _, s := range b.subjects {
		if s.takes("startup") {
			jobs = append(jobs, job{s.argv("/bin/true"), &s.runs})
		}
	}
	// One run of each first, unrecorded, so that every binary is in the page cache.
	for _, j := range jobs {
		if _, err := timedRun(j.argv); err != nil {
			return err
		}
	}
	for range b.cfg.startRounds {
		for _, i := range rand.Perm(len(jobs)) {
			d, err := timedRun(jobs[i].argv)
			if err != nil {
				return err
			}
			*jobs[i].runs = append(*jobs[i].runs, d)
		}
	}
	for _, s := range b.subjects {
		s.measured["startup"] = s.takes("startup")
	}
	return nil
}

// phaseIdle starts every init with a child that sleeps, all at once, lets
// them settle, reads their resident memory and threads, then counts their
// context switches over one window, the same window for all.
func (b *bench) phaseIdle() error {
	var rs []*running
	defer func() {
		for _, r := range rs {
			r.stop()
		}
	}()
	var subs []*subject
	for _, s := range b.subjects {
		if !s.takes("idle") {
			continue
		}
		argv := s.argv(launch.Helper(b.self, "idle")...)
		if !s.init {
			argv = []string{s.idle}
		}
		r, err := start(s.name, argv)
		if err != nil {
			return err
		}
		rs, subs = append(rs, r), append(subs, s)
		if s.init {
			if _, err := r.line(time.Minute); err != nil {
				return err
			}
		}
	}
	time.Sleep(b.cfg.settle)
	before := make([]int, len(rs))
	for i, r := range rs {
		pid := r.cmd.Process.Pid
		subs[i].rssKB = procStatus(fmt.Sprintf("/proc/%d/status", pid), "VmRSS:")
		subs[i].threads = len(threads(pid))
		before[i] = switches(pid)
	}
	time.Sleep(b.cfg.window)
	for i, r := range rs {
		n := switches(r.cmd.Process.Pid) - before[i]
		subs[i].wakeups = float64(n) / b.cfg.window.Seconds()
		subs[i].measured["idle"] = true
	}
	return nil
}

// phaseLatency starts every init with a child that takes SIGUSR1 in
// sigtimedwait; each round signals each init once, in random order, and
// reads the child's CLOCK_MONOTONIC time of receipt. A pause between
// signals lets every init fall idle again, as it is when a real signal
// comes. The first entry, "none", is the child alone, signalled directly.
func (b *bench) phaseLatency() error {
	direct := &subject{name: "none", init: true, measured: map[string]bool{}}
	var rs []*running
	var subs []*subject
	defer func() {
		for _, r := range rs {
			r.stop()
		}
	}()
	targets := map[*running]int{}
	for _, s := range append([]*subject{direct}, b.subjects...) {
		if !s.init || !s.takes("latency") {
			continue
		}
		argv := launch.Helper(b.self, "sigwait")
		if s != direct {
			argv = s.argv(argv...)
		}
		r, err := start(s.name, argv)
		if err != nil {
			return err
		}
		rs, subs = append(rs, r), append(subs, s)
		if _, err := r.line(time.Minute); err != nil {
			return err
		}
		targets[r] = r.cmd.Process.Pid
	}
	for range b.cfg.signals {
		for _, i := range rand.Perm(len(rs)) {
			time.Sleep(time.Duration(200+rand.IntN(800)) * time.Microsecond)
			var ts unix.Timespec
			unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
			if err := syscall.Kill(targets[rs[i]], syscall.SIGUSR1); err != nil {
				return fmt.Errorf("%s: kill: %v", rs[i].name, err)
			}
			l, err := rs[i].line(10 * time.Second)
			if err != nil {
				return fmt.Errorf("%s did not forward SIGUSR1: %v", rs[i].name, err)
			}
			got, _ := strconv.ParseInt(l, 10, 64)
			subs[i].latency = append(subs[i].latency, time.Duration(got-ts.Nano()))
		}
	}
	for _, s := range subs {
		s.measured["latency"] = true
	}
	b.direct = direct
	return nil
}

// phaseStorm gives each init, in turn and in random order each round, a
// storm of orphans: zombies that all pass to it at once.
func (b *bench) phaseStorm() error {
	var stormers []stormer
	for _, s := range b.subjects {
		if !s.init || !s.takes("storm") {
			continue
		}
		r, err := start(s.name, s.argv(launch.Helper(b.self, "storm")...))
		if err != nil {
			return err
		}
		defer r.stop()
		stormers = append(stormers, stormer{s, r})
	}
	for range b.cfg.storms {
		for _, i := range rand.Perm(len(stormers)) {
			st := stormers[i]
			if err := st.r.send("prep " + strconv.Itoa(b.cfg.orphans)); err != nil {
				return err
			}
			if _, err := st.r.line(5 * time.Minute); err != nil {
				return err
			}
			if err := st.r.send("go"); err != nil {
				return err
			}
			l, err := st.r.line(5 * time.Minute)
			if err != nil {
				return err
			}
			ns, _ := strconv.ParseInt(strings.TrimPrefix(l, "reaped "), 10, 64)
			st.s.storms = append(st.s.storms, time.Duration(ns))
		}
	}
	for _, st := range stormers {
		st.s.measured["storm"] = true
	}
	return nil
}

type stormer struct {
	s *subject
	r *running
}
