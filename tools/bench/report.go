package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

func median(d []time.Duration) time.Duration { return quantile(d, 0.5) }

// quantile is the nearest-rank q-quantile.
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// row is one measurement across the columns.
type row struct {
	label  string
	metric string                 // which phase measured it
	base   string                 // the column ratios are to
	value  func(*subject) float64 // in the row's unit
	format func(float64) string   // value with its unit
}

func kib(v float64) string { return fmt.Sprintf("%.0f KiB", v) }

func us(v float64) string  { return fmt.Sprintf("%.0f µs", v) }
func us1(v float64) string { return fmt.Sprintf("%.1f µs", v) }

func (b *bench) rows() []row {
	return []row{
		{"start-up overhead", "startup", "tini", b.overhead, us},
		{"resident memory, idle", "idle", "tini", func(s *subject) float64 { return float64(s.rssKB) },
			func(v float64) string { return fmt.Sprintf("%.0f KiB", v) }},
		{"threads, idle", "idle", "", func(s *subject) float64 { return float64(s.threads) },
			func(v float64) string { return fmt.Sprintf("%.0f", v) }},
		{"signal latency, median", "latency", "tini", func(s *subject) float64 { return usOf(median(s.latency)) }, us1},
		{"signal latency, p99", "latency", "tini", func(s *subject) float64 { return usOf(quantile(s.latency, 0.99)) }, us1},
		{fmt.Sprintf("reap %d orphans", b.cfg.orphans), "storm", "tini",
			func(s *subject) float64 { return float64(median(s.storms).Microseconds()) / 1000 },
			func(v float64) string { return fmt.Sprintf("%.1f ms", v) }},
		{fmt.Sprintf("drain %d orphans: CPU", b.cfg.drainN), "drain", "tini",
			func(s *subject) float64 { return float64(median(s.drainCPU).Microseconds()) / 1000 },
			func(v float64) string { return fmt.Sprintf("%.0f ms", v) }},
		{fmt.Sprintf("drain %d orphans: CPU, to the floor", b.cfg.drainN), "drain", drainFloor,
			func(s *subject) float64 { return float64(median(s.drainCPU).Microseconds()) / 1000 },
			func(v float64) string { return fmt.Sprintf("%.0f ms", v) }},
		{fmt.Sprintf("drain %d orphans: SIGTERM to exit", b.cfg.drainN), "drain", "tini",
			func(s *subject) float64 { return float64(median(s.drainWall).Microseconds()) / 1000 },
			func(v float64) string { return fmt.Sprintf("%.0f ms", v) }},
		{"early SIGTERM: died (window)", "early", "", func(s *subject) float64 { return s.earlyWindow(s.earlyDied) },
			func(v float64) string { return fmt.Sprintf("%.2f ms", v) }},
		{"early SIGTERM: lost (window)", "early", "", func(s *subject) float64 { return s.earlyWindow(s.earlyLost) },
			func(v float64) string { return fmt.Sprintf("%.2f ms", v) }},
		{"memory: idle, before a storm", "memory", "", func(s *subject) float64 { return float64(s.memBefore) }, kib},
		{"  of which anonymous (RssAnon)", "memory", "", func(s *subject) float64 { return float64(s.anonBefore) }, kib},
		{"  of which file (RssFile)", "memory", "", func(s *subject) float64 { return float64(s.fileBefore) }, kib},
		{fmt.Sprintf("memory: peak in %d orphans", b.cfg.memoryN), "memory", "", func(s *subject) float64 { return float64(s.memPeak) }, kib},
		{"memory: after the storm", "memory", "", func(s *subject) float64 { return float64(s.memAfter) }, kib},
		{"  of which anonymous (RssAnon)", "memory", "", func(s *subject) float64 { return float64(s.anonAfter) }, kib},
		{"  of which file (RssFile)", "memory", "", func(s *subject) float64 { return float64(s.fileAfter) }, kib},
		{"memory: back within 1 MiB after", "memory", "", func(s *subject) float64 { return s.memReturned() },
			func(v float64) string {
				if v < 0 {
					return "not in " + memoryWait.String()
				}
				return fmt.Sprintf("%.0f ms", v)
			}},
		{"idle wake-ups", "idle", "tini", func(s *subject) float64 { return s.wakeups },
			func(v float64) string { return fmt.Sprintf("%.1f /s", v) }},
		{"binary size", "size", "tini-static", func(s *subject) float64 { return float64(s.size) / 1024 },
			func(v float64) string { return fmt.Sprintf("%.0f KiB", v) }},
	}
}

// earlyWindow turns a count of early tries into the span they stand for:
// each try stands for earlySpan/tries of the time after execve.
func (s *subject) earlyWindow(n int) float64 {
	if s.earlyTries == 0 {
		return 0
	}
	return float64(n) * float64(earlySpan.Microseconds()) / 1000 / float64(s.earlyTries)
}

func usOf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

// overhead is what an init adds to a start: its median run of
// INIT -- /bin/true less the median of /bin/true alone. For the Go floor,
// which runs no child, it is the empty program's median less exit0's: what
// being a Go program costs before doing anything at all.
func (b *bench) overhead(s *subject) float64 {
	if !s.init {
		return usOf(median(s.runs) - median(b.exit0Runs))
	}
	return usOf(median(s.runs) - median(b.trueRuns))
}

func (b *bench) report(w io.Writer) {
	fmt.Fprintf(w, "\nginit bench, %s, %s\n", b.started.UTC().Format("2006-01-02 15:04 MST"), machine())
	sched := ""
	if b.cfg.fifo != 0 {
		sched = fmt.Sprintf("; everything under SCHED_FIFO %d", b.cfg.fifo)
	}
	fmt.Fprintf(w, "load average %s at start, %s at end%s; each round runs every column in a new random order\n", b.load[0], b.load[1], sched)
	fmt.Fprintf(w, "%d start-ups, %d signals and %d storms per column; every init is PID 1 of a new PID namespace\n\n",
		b.cfg.startRounds, b.cfg.signals, b.cfg.storms)

	rows := b.rows()
	cells := [][]string{append([]string{""}, names(b.subjects)...)}
	for _, r := range rows {
		line := []string{r.label}
		base := b.column(r.base)
		for _, s := range b.subjects {
			if !s.measured[r.metric] {
				line = append(line, "-")
				continue
			}
			v := r.value(s)
			c := r.format(v)
			if base != nil && s != base && base.measured[r.metric] {
				if bv := r.value(base); bv > 0 {
					c += fmt.Sprintf(" %.2fx", v/bv)
				}
			}
			line = append(line, c)
		}
		cells = append(cells, line)
	}
	printTable(w, cells)

	fmt.Fprintf(w, "\nratios are to tini, binary size to tini-static (tini and dumb-init are linked to libc, not counted)\n")
	fmt.Fprintf(w, "baselines: /bin/true alone %s; exit0, a %d-byte static ELF that only exits, %s",
		us(usOf(median(b.trueRuns))), fileSize(b.exit0), us(usOf(median(b.exit0Runs))))
	if d := b.direct; d != nil && len(d.latency) > 0 {
		fmt.Fprintf(w, "; SIGUSR1 straight to the child, no init: median %s, p99 %s",
			us1(usOf(median(d.latency))), us1(usOf(quantile(d.latency, 0.99))))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "start-up overhead: median of INIT -- /bin/true less the median of /bin/true; for the Go floor, which runs no child,\n")
	fmt.Fprintf(w, "the empty program's median less exit0's. Go min-init: os/signal for every signal, fork, forward, reap; nothing more\n")
	fmt.Fprintf(w, "%s: the drain's system calls and nothing more (one stat read, pidfd_open, the signal and SIGCONT, epoll, waitid), per process\n", drainFloor)
	fmt.Fprintf(w, "%s: holds each process of the storm (pid, start time, pidfd in a map), signals and reaps it, shrinks the map\n", memFloor)
	fmt.Fprintf(w, "after the storm and hands the free heap back a second after the last reap; nothing else: what the Go runtime keeps\n")
	fmt.Fprintf(w, "memory: VmRSS, which the 1 MiB is judged on, is RssAnon (heap, stacks, the Go runtime's tables) plus RssFile (the binary's pages)\n")
}

func names(ss []*subject) []string {
	var n []string
	for _, s := range ss {
		n = append(n, s.name)
	}
	return n
}

func printTable(w io.Writer, cells [][]string) {
	width := make([]int, len(cells[0]))
	for _, l := range cells {
		for i, c := range l {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, l := range cells {
		var sb strings.Builder
		for i, c := range l {
			pad := width[i] - len([]rune(c))
			if i == 0 {
				sb.WriteString(c + strings.Repeat(" ", pad))
			} else {
				sb.WriteString("  " + strings.Repeat(" ", pad) + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(sb.String(), " "))
	}
}

// machine names the CPU, memory, kernel and Go: numbers from another
// machine are not comparable.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for l := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := procStatus("/proc/meminfo", "MemTotal:")
	var u unix.Utsname
	unix.Uname(&u)
	return fmt.Sprintf("%s x %d, %.1f GiB, Linux %s %s, %s", cpu, runtime.NumCPU(), float64(mem)/(1<<20),
		unix.ByteSliceToString(u.Release[:]), runtime.GOARCH, runtime.Version())
}

func fileSize(p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return st.Size()
}
