// Command numbers prints the figures doc/performance.md quotes, each with
// the command that made it, so that a reader can make them again:
// `make numbers` (which builds bin/ginit first). One run, no comparison:
// the binary's size; its threads and resident memory when idle, as PID 1
// of a new PID namespace over a sleeping child; the system calls of a
// start-up and exit (strace -f -c); and the instructions of one
// (perf stat -e instructions:u where the machine counts them, else
// valgrind). Each line says what it measured and how.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ginit-dev/ginit/internal/launch"
)

func main() {
	bin := flag.String("ginit", "bin/ginit", "the ginit binary to measure")
	runs := flag.Int("runs", 5, "runs of each measurement; the median is printed")
	flag.Parse()
	if _, err := os.Stat(*bin); err != nil {
		fail(err)
	}
	header(*bin)
	size(*bin)
	idle(*bin, *runs)
	syscalls(*bin)
	instructions(*bin, *runs)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "numbers:", err)
	os.Exit(1)
}

func out(name string, args ...string) string {
	b, err := exec.Command(name, args...).Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func header(bin string) {
	commit := out("git", "rev-parse", "--short=7", "HEAD")
	if out("git", "status", "--porcelain", "--untracked-files=no") != "" {
		commit += " (with uncommitted changes)"
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("make numbers: %s, commit %s, %s, Linux %s, %d CPUs, load average %s\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), commit, runtime.Version(), out("uname", "-r"),
		runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Printf("binary: %s (%s)\n", bin, out(bin, "--version"))
}

func size(bin string) {
	st, _ := os.Stat(bin)
	fmt.Printf("binary size: %d bytes, %d KiB\n", st.Size(), (st.Size()+512)/1024)
}

// idle starts ginit as PID 1 of a new PID namespace over `sleep`, waits
// until the child runs and a second more, and reads ginit's threads and
// VmRSS from /proc.
func idle(bin string, runs int) {
	var rss, thr []int
	for range runs {
		cmd := launch.Command(launch.Spec{Argv: []string{bin, "--", "sleep", "1000"}})
		if err := cmd.Start(); err != nil {
			if launch.Refused(err) {
				fmt.Println("idle: not measured: this machine makes no PID namespace:", err)
				return
			}
			fail(err)
		}
		pid := cmd.Process.Pid
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
			if hasChild(pid) {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				fail(fmt.Errorf("ginit started no child within a minute"))
			}
		}
		time.Sleep(time.Second) // let the runtime's start-up threads settle
		rss = append(rss, status(pid, "VmRSS:"))
		ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		thr = append(thr, len(ents))
		cmd.Process.Kill() // PID 1: its namespace goes with it
		cmd.Wait()
	}
	fmt.Printf("idle, as PID 1 of a new PID namespace over `sleep 1000` (median of %d, 1 s after the child started):\n"+
		"  threads: %d (each run: %v)\n  resident memory (VmRSS): %d KiB (each run: %v)\n",
		runs, median(thr), thr, median(rss), rss)
}

// hasChild says whether pid has a child: any of its threads may have
// forked it, and each thread's children file lists its own.
func hasChild(pid int) bool {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, e := range ents {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, e.Name()))
		if len(bytes.TrimSpace(b)) > 0 {
			return true
		}
	}
	return false
}

func status(pid int, key string) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	return -1
}

func median(xs []int) int {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// syscalls counts the system calls of `ginit -- /bin/true` and of
// `/bin/true` alone, with strace -f -c. Not as PID 1: under strace, ginit
// is an ordinary process (it registers as a subreaper, as it does by
// default when not PID 1).
func syscalls(bin string) {
	if _, err := exec.LookPath("strace"); err != nil {
		fmt.Println("system calls: not counted: strace is not installed (make deps installs it)")
		return
	}
	count := func(argv ...string) (total int, top string, err error) {
		f, err := os.CreateTemp("", "numbers-strace-")
		if err != nil {
			return 0, "", err
		}
		f.Close()
		defer os.Remove(f.Name())
		args := append([]string{"-f", "-c", "-o", f.Name()}, argv...)
		if b, err := exec.Command("strace", args...).CombinedOutput(); err != nil {
			return 0, "", fmt.Errorf("strace %s: %v: %s", strings.Join(args, " "), err, b)
		}
		b, _ := os.ReadFile(f.Name())
		type row struct {
			name  string
			calls int
		}
		var rows []row
		for _, l := range strings.Split(string(b), "\n") {
			fs := strings.Fields(l)
			if len(fs) >= 5 && fs[len(fs)-1] == "total" {
				total, _ = strconv.Atoi(fs[3])
			} else if len(fs) >= 5 {
				if _, err := strconv.ParseFloat(fs[0], 64); err == nil {
					n, _ := strconv.Atoi(fs[3])
					rows = append(rows, row{fs[len(fs)-1], n})
				}
			}
		}
		slices.SortStableFunc(rows, func(a, b row) int { return b.calls - a.calls })
		var most []string
		for _, r := range rows[:min(6, len(rows))] {
			most = append(most, fmt.Sprintf("%s %d", r.name, r.calls))
		}
		return total, strings.Join(most, ", "), nil
	}
	g, gtop, err := count(bin, "--", "/bin/true")
	if err != nil {
		fmt.Println("system calls: not counted:", err)
		return
	}
	t, _, err := count("/bin/true")
	if err != nil {
		fmt.Println("system calls: not counted:", err)
		return
	}
	fmt.Printf("system calls, `strace -f -c %s -- /bin/true` (not PID 1): %d in all, /bin/true's own %d of them "+
		"(`strace -f -c /bin/true`); the most called: %s (one run)\n", bin, g, t, gtop)
}

// instructions counts the user-space instructions of one start-up and
// exit: perf stat -e instructions:u where the machine's PMU counts them
// (`perf stat -e instructions true` says), else valgrind's lackey, which
// counts every instruction it runs. Not callgrind: on this project's VMs
// its own assertion (threads.c, vgCallgrind_post_signal) fails in most
// runs of a Go program, 19 of 20 on 2026-12-07. The count moves with the
// Go runtime's scheduling (its threads spin before they sleep): the
// median of several runs, and their spread.
func instructions(bin string, runs int) {
	argv := []string{bin, "--", "/bin/true"}
	if _, err := exec.LookPath("perf"); err == nil {
		if _, err := perfCount("/bin/true"); err == nil {
			if ns, _, err := repeat(runs, func() (int, error) { return perfCount(argv...) }); err == nil {
				t, _ := perfCount("/bin/true")
				fmt.Printf("instructions, `perf stat -e instructions:u %s` (with its child, not PID 1): %s; "+
					"/bin/true alone: %d\n", strings.Join(argv, " "), spread(ns, 0), t)
				return
			}
		} else {
			fmt.Printf("instructions: perf cannot count here (%v); valgrind's lackey instead\n", err)
		}
	}
	if _, err := exec.LookPath("valgrind"); err != nil {
		fmt.Println("instructions: not counted: neither perf nor valgrind works here (make deps installs valgrind)")
		return
	}
	ns, failed, err := repeat(runs, func() (int, error) { return lackey(argv...) })
	if err != nil {
		fmt.Println("instructions: not counted:", err)
		return
	}
	line := fmt.Sprintf("instructions, `valgrind --tool=lackey %s` (ginit alone, not its child; not PID 1): %s",
		strings.Join(argv, " "), spread(ns, failed))
	if tini, err := exec.LookPath("tini-static"); err == nil {
		if ts, tf, err := repeat(runs, func() (int, error) { return lackey(tini, "-s", "--", "/bin/true") }); err == nil {
			line += fmt.Sprintf("; `tini-static -s -- /bin/true` the same way: %s", spread(ts, tf))
		}
	}
	fmt.Println(line)
}

// repeat runs f until it has runs counts, allowing four failures a count:
// a valgrind run of a Go program stops at times at an instruction
// valgrind 3.19 does not know (RDTSCP, which the kernel's vDSO clock uses
// on some machines), on a path the runtime takes now and then. How many
// failed is said.
func repeat(runs int, f func() (int, error)) (ns []int, failed int, err error) {
	for try := 0; len(ns) < runs && try < 5*runs; try++ {
		n, e := f()
		if e != nil {
			failed, err = failed+1, e
			continue
		}
		ns = append(ns, n)
	}
	if len(ns) < runs {
		return nil, failed, fmt.Errorf("%d of %d runs failed; the last: %v", failed, failed+len(ns), err)
	}
	return ns, failed, nil
}

func spread(ns []int, failed int) string {
	s := fmt.Sprintf("median %d of %d runs (from %d to %d)", median(ns), len(ns), slices.Min(ns), slices.Max(ns))
	if failed > 0 {
		s += fmt.Sprintf(", %d more runs failed inside valgrind", failed)
	}
	return s
}

var perfCSV = regexp.MustCompile(`(?m)^([^,]*),[^,]*,instructions:u,`)

func perfCount(argv ...string) (int, error) {
	args := append([]string{"stat", "-x", ",", "-e", "instructions:u", "--"}, argv...)
	b, err := exec.Command("perf", args...).CombinedOutput()
	m := perfCSV.FindSubmatch(b)
	if err != nil || m == nil {
		return 0, fmt.Errorf("perf %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(b))
	}
	n, err := strconv.Atoi(string(m[1]))
	if err != nil {
		return 0, fmt.Errorf("instructions:u %s", m[1])
	}
	return n, nil
}

var guestInstrs = regexp.MustCompile(`guest instrs:\s+([\d,]+)`)

func lackey(argv ...string) (int, error) {
	args := append([]string{"--tool=lackey"}, argv...)
	b, err := exec.Command("valgrind", args...).CombinedOutput()
	m := guestInstrs.FindSubmatch(b)
	if err != nil || m == nil {
		return 0, fmt.Errorf("valgrind %s: %v: %.300s", strings.Join(args, " "), err, bytes.TrimSpace(b))
	}
	return strconv.Atoi(strings.ReplaceAll(string(m[1]), ",", ""))
}
