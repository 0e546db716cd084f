// Command bench measures ginit beside tini, dumb-init and catatonit, and
// beside Go's own floor, in one run, interleaved, and prints one table of
// medians with ratios to tini.
//
//	go run ./tools/bench [-quick] [-ginit PATH] [-ldflags FLAGS]   (make bench)
//
// Each init runs as PID 1 of a new PID namespace, as in a container, started
// by internal/launch as the integration tests start it. Its children are
// this program run again as a helper (see helpers.go). The bench prints
// measurements and ratios; it judges nothing.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/ginit-dev/ginit/internal/launch"
)

type config struct {
	quick          bool
	ginit, ldflags string
	variants       variants // more ginit builds, as columns of their own
	phases         string
	only           string // the columns to run, by name; empty: all
	fifo           int
	startRounds    int // runs of each init at start-up
	signals        int // signals to each init
	storms         int // storms for each init
	orphans        int // zombies in a storm
	drains, drainN int // wide drains for each init, and orphans in one
	early          int // early SIGTERMs for each init
	memoryN        int // orphans in the memory phase's storm
	settle, window time.Duration
}

type bench struct {
	cfg       config
	self      string
	exit0     string
	trueRuns  []time.Duration
	exit0Runs []time.Duration
	subjects  []*subject
	direct    *subject // the latency child signalled with no init
	skipped   []string
	started   time.Time
	load      [2]string
}

// contenders are the inits ginit is measured against, from Debian's packages.
var contenders = []struct{ name, pkg string }{
	{"tini", "tini"},
	{"tini-static", "tini"},
	{"dumb-init", "dumb-init"},
	{"catatonit", "catatonit"},
}

func main() {
	if name, args, ok := launch.AsHelper(); ok {
		os.Exit(helper(name, args))
	}
	var cfg config
	flag.BoolVar(&cfg.quick, "quick", false, "a few seconds, few rounds: proves the bench works, measures little")
	flag.StringVar(&cfg.ginit, "ginit", "", "the ginit binary (default: make build into a temporary directory)")
	flag.StringVar(&cfg.ldflags, "ldflags", "", "linker flags for Go's floor (default: the Makefile's, else -s -w)")
	flag.IntVar(&cfg.orphans, "orphans", 20000, "zombies in one storm")
	flag.Var(&cfg.variants, "variant", "NAME=PATH: another ginit build as a column of its own, to weigh a change (repeatable)")
	flag.IntVar(&cfg.drainN, "drain", 5000, "orphans in one wide drain")
	flag.StringVar(&cfg.phases, "phases", "startup,idle,latency,storm,drain,early,memory", "which measurements to make")
	flag.IntVar(&cfg.memoryN, "memory", 100000, "orphans that pass through ginit in the memory phase")
	flag.StringVar(&cfg.only, "only", "", "NAME,...: run only these columns (\"ginit,Go drain floor\"); default: all")
	flag.IntVar(&cfg.fifo, "fifo", 0, "run the bench and everything it starts under SCHED_FIFO at this priority (root only):\n"+
		"on a machine busy with other work, every column then gets a CPU the moment it wakes, as on an idle machine")
	flag.Parse()
	cfg.startRounds, cfg.signals, cfg.storms, cfg.drains, cfg.early = 300, 1000, 5, 3, 60
	cfg.settle, cfg.window = 2*time.Second, 5*time.Second
	if cfg.quick {
		cfg.startRounds, cfg.signals, cfg.storms, cfg.drains, cfg.early = 20, 30, 1, 1, 20
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["drain"] {
			cfg.drainN = 500
		}
		cfg.settle, cfg.window = 300*time.Millisecond, time.Second
		if cfg.orphans == 20000 {
			cfg.orphans = 2000
		}
		if !set["memory"] {
			cfg.memoryN = 2000
		}
	}
	if err := run(cfg); err != nil {
		if errors.Is(err, launch.ErrNoNamespace) {
			fmt.Println("SKIP: bench:", err)
			os.Exit(3)
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(cfg config) error {
	b := &bench{cfg: cfg, started: time.Now()}
	b.load[0] = loadAvg()
	if err := realtime(cfg.fifo); err != nil {
		return err
	}
	var err error
	if b.self, err = os.Executable(); err != nil {
		return err
	}
	if devNull, err = os.OpenFile(os.DevNull, os.O_RDWR, 0); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "ginit-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	if b.cfg.ldflags == "" {
		b.cfg.ldflags = "-s -w"
		if out, err := exec.Command("make", "-s", "--no-print-directory", "print-ldflags").Output(); err == nil {
			b.cfg.ldflags = strings.TrimSpace(string(out))
		}
	}
	if b.cfg.ginit == "" {
		b.cfg.ginit = filepath.Join(dir, "ginit")
		mk := exec.Command("make", "-s", "--no-print-directory", "build", "OUT="+b.cfg.ginit)
		mk.Stdout, mk.Stderr = os.Stderr, os.Stderr
		if err := mk.Run(); err != nil {
			return fmt.Errorf("building ginit (or pass -ginit): %v", err)
		}
	}
	progress("building Go's floor with -ldflags %q", b.cfg.ldflags)
	floors, err := buildFloors(dir, b.cfg.ldflags)
	if err != nil {
		return err
	}
	if b.exit0, err = tinyELF(dir); err != nil {
		return err
	}

	for _, c := range contenders {
		path, err := exec.LookPath(c.name)
		if err != nil {
			b.skipped = append(b.skipped, fmt.Sprintf("SKIP: %s: not installed (apt-get install %s, or make deps); its column is left out", c.name, c.pkg))
			continue
		}
		b.add(&subject{name: c.name, path: path, init: true})
	}
	b.add(&subject{name: "ginit", path: b.cfg.ginit, init: true, ginit: true})
	for _, v := range b.cfg.variants {
		b.add(&subject{name: v[0], path: v[1], init: true, ginit: true})
	}
	b.add(&subject{name: "Go min-init", path: floors["mininit"], init: true})
	b.add(&subject{name: drainFloor, path: floors["drainfloor"], init: true, only: "drain"})
	b.add(&subject{name: memFloor, path: floors["memfloor"], init: true, only: "memory"})
	b.add(&subject{name: "Go floor", path: floors["empty"], idle: floors["idle"]})
	for _, l := range b.skipped {
		fmt.Println(l)
	}

	phases := []struct {
		name string
		run  func() error
		what string
	}{
		{"startup", b.phaseStartup, fmt.Sprintf("start-up: %d rounds of INIT -- /bin/true", b.cfg.startRounds)},
		{"idle", b.phaseIdle, fmt.Sprintf("idle: memory, threads, wake-ups over %v", b.cfg.window)},
		{"latency", b.phaseLatency, fmt.Sprintf("signal latency: %d rounds of SIGUSR1", b.cfg.signals)},
		{"storm", b.phaseStorm, fmt.Sprintf("orphan storms: %d rounds of %d zombies", b.cfg.storms, b.cfg.orphans)},
		{"early", b.phaseEarly, fmt.Sprintf("early signals: %d SIGTERMs spread over the first %v after execve", b.cfg.early, earlySpan)},
		{"drain", b.phaseDrain, fmt.Sprintf("wide drains: %d rounds of %d orphans that exit within %v of SIGTERM", b.cfg.drains, b.cfg.drainN, drainSpread)},
		{"memory", b.phaseMemory, fmt.Sprintf("memory after a storm: %d orphans through a drain that goes on, then up to %v for ginit's memory to return", b.cfg.memoryN, memoryWait)},
	}
	for _, p := range phases {
		if !slices.Contains(strings.Split(b.cfg.phases, ","), p.name) {
			continue
		}
		progress("%s", p.what)
		if err := p.run(); err != nil {
			return err
		}
	}
	b.load[1] = loadAvg()
	b.report(os.Stdout)
	return nil
}

func (b *bench) add(s *subject) {
	if b.cfg.only != "" && !slices.Contains(strings.Split(b.cfg.only, ","), s.name) {
		return
	}
	s.measured = map[string]bool{}
	if st, err := os.Stat(s.path); err == nil {
		s.size = st.Size()
		s.measured["size"] = true
	}
	b.subjects = append(b.subjects, s)
}

// inits are the subjects that run a child in phase: every column but
// Go's floor, and the drain's floor in the drain only.
func (b *bench) inits(phase string) []*subject {
	var out []*subject
	for _, s := range b.subjects {
		if s.init && s.takes(phase) {
			out = append(out, s)
		}
	}
	return out
}

func (b *bench) column(name string) *subject {
	for _, s := range b.subjects {
		if s.name == name {
			return s
		}
	}
	return nil
}

// realtime puts every thread of the bench under SCHED_FIFO; the threads it
// makes later, and the processes they start, inherit it. The kernel still
// keeps 5% of each second for everything else.
func realtime(prio int) error {
	if prio == 0 {
		return nil
	}
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	param := int32(prio)
	for _, e := range ents {
		tid, _ := strconv.Atoi(e.Name())
		_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, uintptr(tid), 1 /* SCHED_FIFO */, uintptr(unsafe.Pointer(&param)))
		if errno != 0 {
			return fmt.Errorf("-fifo %d: %v", prio, errno)
		}
	}
	return nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

type variants [][2]string

func (v *variants) String() string { return fmt.Sprint(*v) }

func (v *variants) Set(s string) error {
	name, path, ok := strings.Cut(s, "=")
	if !ok || name == "" || path == "" {
		return errors.New("want NAME=PATH")
	}
	*v = append(*v, [2]string{name, path})
	return nil
}
