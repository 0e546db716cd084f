package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/launch"
)

// Memory after a storm: ginit must not keep a storm's high-water mark.
// Its resident memory is read idle; then, in a drain that goes on (a
// process stays, as a process manager or an exec session does), 100k
// orphans pass through ginit's hands in batches, one batch after another;
// then its memory is read every memoryStep until it is back within
// memorySlack of the idle reading, for up to memoryWait. Only ginit's
// columns take part (the drain is ginit's), and the Go memory floor
// (memfloor.go), which shows what the Go runtime itself keeps. The
// target is judged on VmRSS; its two parts are read with it, RssAnon
// (heap, stacks, the runtime's own tables: what ginit keeps) and RssFile
// (the binary's pages, shared and reclaimable), to show which one a storm
// grew.

const (
	memoryBatch = 10000 // orphans at once: below the default pid_max of 32768
	memorySlack = 1024  // KiB
	memoryWait  = time.Minute
	memoryStep  = 100 * time.Millisecond
)

// phaseMemory runs the storm once for ginit and each variant.
func (b *bench) phaseMemory() error {
	for _, s := range b.inits("memory") {
		if err := b.oneMemory(s); err != nil {
			return err
		}
		s.measured["memory"] = true
	}
	return nil
}

func (b *bench) oneMemory(s *subject) error {
	// --grace: the drain must outlast the storm (its default bound is 30 s).
	argv := append(launch.Helper(b.self, "mountproc"), s.path, "--grace", "10m", "--")
	argv = append(argv, launch.Helper(b.self, "memory", strconv.Itoa(b.cfg.memoryN))...)
	r, err := startSpec(s.name, launch.Spec{Argv: argv, Env: []string{launch.HelperEnv}, Mount: true})
	if err != nil {
		return err
	}
	defer r.stop()
	if _, err := r.line(time.Minute); err != nil {
		return err
	}
	time.Sleep(b.cfg.settle)
	status := fmt.Sprintf("/proc/%d/status", r.cmd.Process.Pid)
	s.memBefore, s.anonBefore, s.fileBefore = rss(status)
	t0 := time.Now()
	r.cmd.Process.Signal(syscall.SIGTERM) // the main child leaves the keeper: a drain that goes on
	if _, err := r.line(10 * time.Minute); err != nil {
		return fmt.Errorf("%s: the storm of %d orphans did not end: %v", s.name, b.cfg.memoryN, err)
	}
	s.memStorm = time.Since(t0)
	s.memPeak = procStatus(status, "VmHWM:")
	t1 := time.Now()
	for {
		s.memAfter, s.anonAfter, s.fileAfter = rss(status)
		s.memBack = time.Since(t1)
		if s.memAfter <= s.memBefore+memorySlack || s.memBack >= memoryWait {
			break
		}
		time.Sleep(memoryStep)
	}
	r.send("quit")
	return nil
}

// rss reads VmRSS and its parts RssAnon and RssFile, in KiB, from one
// reading of a /proc/PID/status file.
func rss(status string) (total, anon, file int) {
	b, err := os.ReadFile(status)
	if err != nil {
		return -1, -1, -1
	}
	return statusField(b, "VmRSS:"), statusField(b, "RssAnon:"), statusField(b, "RssFile:")
}

// memoryHelper is the main child: it says "ready", and on SIGTERM starts
// the first keeper and exits.
func memoryHelper(n int) int {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	fmt.Println("ready")
	<-c
	return startKeeper(n)
}

// startKeeper starts the next keeper and waits until it ignores SIGTERM
// (it closes descriptor 3): the init sends it the drain's signal the
// moment this process exits and it is adopted.
func startKeeper(left int) int {
	self, err := os.Executable()
	var p [2]int
	if err == nil {
		err = syscall.Pipe2(p[:], syscall.O_CLOEXEC)
	}
	if err == nil {
		_, err = syscall.ForkExec(self, launch.Helper(self, "keeper", strconv.Itoa(left)),
			&syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2, uintptr(p[1])}})
		syscall.Close(p[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: keeper:", err)
		return 1
	}
	var b [1]byte
	for {
		if n, err := syscall.Read(p[0], b[:]); n == 0 && err != syscall.EINTR {
			return 0
		}
	}
}

// keeper waits until it is alone with the init, forks a batch of orphans
// that exit on the init's SIGTERM, starts the next keeper and exits: the
// init adopts both, signals the batch and holds the next keeper, which
// takes the signal and stays. The last keeper says "done" once alone and
// exits when told.
func keeper(left int) int {
	signal.Ignore(syscall.SIGTERM) // the drain's signal; its orphans block it, and take it all the same
	syscall.Close(3)
	for others() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
	if left == 0 {
		fmt.Println("done")
		bufio.NewScanner(os.Stdin).Scan()
		return 0
	}
	n := min(left, memoryBatch)
	all := ^uint64(0)
	term := uint64(1) << (syscall.SIGTERM - 1)
	for i := range n {
		ts := syscall.NsecToTimespec((100 * time.Millisecond * time.Duration(i) / time.Duration(n)).Nanoseconds())
		if forkTermWaiter(&ts, &all, &term) < 0 {
			fmt.Fprintln(os.Stderr, "bench: clone failed at", i)
			return 1
		}
	}
	return startKeeper(left - n)
}

// others counts the processes of the namespace but the init and this one.
func others() int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid != 1 && pid != os.Getpid() {
			n++
		}
	}
	return n
}

// memReturned is how long, in ms, memory took to come back within
// memorySlack after the storm, or -1 if it did not within memoryWait.
func (s *subject) memReturned() float64 {
	if s.memAfter > s.memBefore+memorySlack {
		return -1
	}
	return float64(s.memBack.Milliseconds())
}
