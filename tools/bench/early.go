package main

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/launch"
)

// The early-signal window: SIGTERM sent to PID 1 at moments spread over
// the first earlySpan after execve. Until an init has a handler the kernel
// drops the signal (a namespace's PID 1 is immune to a default action):
// lost. A Go init has a second window, from the Go runtime's handlers to
// the init's first signal.Notify, in which the runtime exits 2: died. The
// counts, times earlySpan/tries, are the two windows' sizes.

// earlySpan is the span over which the tries are spread.
const earlySpan = 6 * time.Millisecond

// phaseEarly makes b.cfg.early tries per init, in random order.
func (b *bench) phaseEarly() error {
	inits := b.inits("early")
	for i := range b.cfg.early {
		d := earlySpan * time.Duration(i) / time.Duration(b.cfg.early)
		for _, j := range rand.Perm(len(inits)) {
			s := inits[j]
			died, lost, err := earlyTry(s.argv(launch.Helper(b.self, "idle")...), d)
			if err != nil {
				return fmt.Errorf("%s: %v", s.name, err)
			}
			s.earlyTries++
			if died {
				s.earlyDied++
			}
			if lost {
				s.earlyLost++
			}
		}
	}
	for _, s := range inits {
		s.measured["early"] = true
	}
	return nil
}

// earlyTry starts argv as PID 1, sends SIGTERM d after the fork returned,
// and says whether PID 1 died of the Go runtime's handler (exit 2) or the
// signal was lost (the child came up and nothing ended it: the idle helper
// says "ready" and waits; a delivered SIGTERM ends it in milliseconds, so
// a second of nothing after "ready" means lost).
func earlyTry(argv []string, d time.Duration) (died, lost bool, err error) {
	r, err := start(argv[0], argv)
	if err != nil {
		return false, false, err
	}
	defer r.stop()
	for t0 := time.Now(); time.Since(t0) < d; {
		// Spin: a timer's wake-up is coarser than the span measured.
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	var ws syscall.WaitStatus
	go func() {
		st, _ := r.cmd.Process.Wait()
		if st != nil {
			ws, _ = st.Sys().(syscall.WaitStatus)
		}
		close(done)
	}()
	ready := make(chan struct{})
	go func() {
		if _, err := r.line(time.Minute); err == nil {
			close(ready)
		}
	}()
	select {
	case <-done:
	case <-ready:
		select {
		case <-done:
		case <-time.After(time.Second):
			r.cmd.Process.Kill()
			<-done
			return false, true, nil
		}
	case <-time.After(time.Minute):
		return false, false, fmt.Errorf("neither exited nor started its child")
	}
	return ws.Exited() && ws.ExitStatus() == 2, false, nil
}
