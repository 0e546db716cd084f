package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/ginit-dev/ginit/internal/launch"
)

// The wide drain: the main child leaves N orphans that each exit within
// drainSpread of the stop signal, as a forking server's workers do, and
// the init's own CPU time over the drain is measured. An init that does
// work per exit in proportion to what is still alive grows as N²; ginit
// must grow with N. Inits that do not drain (tini, dumb-init, catatonit
// exit at once and leave the orphans to the kernel's SIGKILL) spend
// almost nothing: their column is there as the floor, not as a rival.

// drainSpread is how long after the stop signal the last orphan exits.
const drainSpread = 2 * time.Second

// phaseDrain runs one wide drain per init and round, in random order.
func (b *bench) phaseDrain() error {
	inits := b.inits("drain")
	for range b.cfg.drains {
		for _, i := range rand.Perm(len(inits)) {
			s := inits[i]
			cpu, wall, err := oneDrain(s, b.self, b.cfg.drainN)
			if err != nil {
				return err
			}
			s.drainCPU = append(s.drainCPU, cpu)
			s.drainWall = append(s.drainWall, wall)
		}
	}
	for _, s := range inits {
		s.measured["drain"] = true
	}
	return nil
}

// oneDrain starts s over the drain helper, sends SIGTERM once the orphans
// wait, and returns the init's own CPU time (its threads', not its
// children's: read from /proc while it runs, the last reading before it
// exits) and the time from SIGTERM to its exit.
func oneDrain(s *subject, self string, n int) (cpu, wall time.Duration, err error) {
	// With a /proc of its own, as in a container: a drain reads /proc.
	argv := append(launch.Helper(self, "mountproc"), s.argv(launch.Helper(self, "drain", strconv.Itoa(n))...)...)
	r, err := startSpec(s.name, launch.Spec{Argv: argv, Env: []string{launch.HelperEnv}, Mount: true})
	if err != nil {
		return 0, 0, err
	}
	defer r.stop()
	if _, err := r.line(5 * time.Minute); err != nil {
		return 0, 0, err
	}
	pid := r.cmd.Process.Pid
	base := procCPU(pid)
	done := make(chan struct{})
	go func() { r.cmd.Wait(); close(done) }()
	t0 := time.Now()
	r.cmd.Process.Signal(syscall.SIGTERM)
	last := base
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return last - base, time.Since(t0), nil
		case <-tick.C:
			if c := procCPU(pid); c > 0 {
				last = c
			}
		case <-time.After(5 * time.Minute):
			return 0, 0, fmt.Errorf("%s: the drain of %d orphans did not end", s.name, n)
		}
	}
}

// procCPU is a process's own user and system time, from /proc/PID/stat.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// drainHelper forks n orphans-to-be that wait for SIGTERM and exit at
// moments spread evenly over drainSpread after it, says "ready", and exits
// on SIGTERM itself, leaving them to the init.
func drainHelper(n int) int {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	all := ^uint64(0)
	term := uint64(1) << (syscall.SIGTERM - 1)
	for i := 0; i < n; i++ {
		d := drainSpread * time.Duration(i+1) / time.Duration(n)
		ts := syscall.NsecToTimespec(d.Nanoseconds())
		if forkTermWaiter(&ts, &all, &term) < 0 {
			fmt.Fprintln(os.Stderr, "bench: clone failed at", i)
			return 1
		}
	}
	fmt.Println("ready")
	<-c
	return 0
}

// forkTermWaiter forks a child that waits for SIGTERM, sleeps ts and
// exits. After the clone the child is a copy of one thread of a Go
// program, so it makes raw system calls only.
//
//go:norace
//go:nosplit
func forkTermWaiter(ts *syscall.Timespec, all, term *uint64) int {
	// Everything blocked across the clone, so the child starts so: a
	// SIGTERM that came before it blocked it itself would be used up by
	// what it inherited (the Go handler, or the keeper's ignore), and it
	// would wait for ever.
	var old uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, uintptr(unsafe.Pointer(all)), uintptr(unsafe.Pointer(&old)), 8, 0, 0)
	pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if pid != 0 || errno != 0 {
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
	}
	if errno != 0 {
		return -1
	}
	if pid != 0 {
		return int(pid)
	}
	for {
		sig, _, _ := syscall.RawSyscall6(syscall.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(term)), 0, 0, 8, 0, 0)
		if sig == uintptr(syscall.SIGTERM) {
			break
		}
	}
	syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(ts)), 0, 0)
	syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	return 0
}

// mountProc is launch.MountProc with a real /proc.
func mountProc(argv []string) int { return launch.MountProc("proc", argv) }
