// Command bench measures ginit beside tini, dumb-init and catatonit, and
// beside Go's own floor, in one run, interleaved, and prints one table of
// medians with ratios to tini.
//
//	go run ./integration/bench [-quick] [-ginit PATH] [-ldflags FLAGS]
//
// Each init runs as PID 1 of a new PID namespace, as in a container. Its
// children are this program run again in a helper mode (see helpers.go).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

type config struct {
	quick          bool
	ginit, ldflags string
	startRounds    int // runs of each init at start-up
	signals        int // signals to each init
	storms         int // storms for each init
	orphans        int // zombies in a storm
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
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helper(mode, os.Args[1:]))
	}
	var cfg config
	flag.BoolVar(&cfg.quick, "quick", false, "a few seconds, few rounds: proves the bench works, measures little")
	flag.StringVar(&cfg.ginit, "ginit", "", "the ginit binary (default: make build into a temporary directory)")
	flag.StringVar(&cfg.ldflags, "ldflags", "", "linker flags for Go's floor (default: the Makefile's, else -s -w)")
	flag.IntVar(&cfg.orphans, "orphans", 20000, "zombies in one storm")
	flag.Parse()
	cfg.startRounds, cfg.signals, cfg.storms = 300, 1000, 5
	cfg.settle, cfg.window = 2*time.Second, 5*time.Second
	if cfg.quick {
		cfg.startRounds, cfg.signals, cfg.storms = 20, 30, 1
		cfg.settle, cfg.window = 300*time.Millisecond, time.Second
		if cfg.orphans == 20000 {
			cfg.orphans = 2000
		}
	}
	if err := run(cfg); err != nil {
		if errors.Is(err, errNoNamespace) {
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
			b.skipped = append(b.skipped, fmt.Sprintf("SKIP: %s: not installed (apt-get install %s, or make bench-deps); its column is left out", c.name, c.pkg))
			continue
		}
		b.add(&subject{name: c.name, path: path, init: true})
	}
	b.add(&subject{name: "ginit", path: b.cfg.ginit, init: true})
	b.add(&subject{name: "Go min-init", path: floors["mininit"], init: true, floor: true})
	b.add(&subject{name: "Go floor", path: floors["empty"], idle: floors["idle"], floor: true})
	for _, l := range b.skipped {
		fmt.Println(l)
	}

	progress("start-up: %d rounds of INIT -- /bin/true", b.cfg.startRounds)
	if err := b.phaseStartup(); err != nil {
		return err
	}
	progress("idle: memory, threads, wake-ups over %v", b.cfg.window)
	if err := b.phaseIdle(); err != nil {
		return err
	}
	progress("signal latency: %d rounds of SIGUSR1", b.cfg.signals)
	if err := b.phaseLatency(); err != nil {
		return err
	}
	progress("orphan storms: %d rounds of %d zombies", b.cfg.storms, b.cfg.orphans)
	if err := b.phaseStorm(); err != nil {
		return err
	}
	b.load[1] = loadAvg()
	b.report(os.Stdout)
	return nil
}

func (b *bench) add(s *subject) {
	s.measured = map[string]bool{}
	if st, err := os.Stat(s.path); err == nil {
		s.size = st.Size()
		s.measured["size"] = true
	}
	b.subjects = append(b.subjects, s)
}

func (b *bench) column(name string) *subject {
	for _, s := range b.subjects {
		if s.name == name {
			return s
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
