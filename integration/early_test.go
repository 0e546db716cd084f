package integration

import (
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// earlyTries spreads SIGTERMs over the first earlySpan after execve.
const (
	earlyTries = 60
	earlySpan  = 6 * time.Millisecond
)

// earlyOutcome counts what a SIGTERM in the first milliseconds did.
type earlyOutcome struct {
	died    int // exit 2: the Go runtime's handler, before ginit's
	early   int // ginit caught it before starting the program, and did not start it
	handled int // the program got it
	lost    int // nobody got it: PID 1 had no handler yet, and the kernel drops the signal
}

func (o earlyOutcome) String() string {
	return fmt.Sprintf("%d died (exit 2), %d stopped before the program started, %d reached the program, %d lost",
		o.died, o.early, o.handled, o.lost)
}

// TestHeavyEarlySignals sends SIGTERM to PID 1 at moments spread over the
// first milliseconds after execve, under ginit and under tini-static, and
// counts deaths, deliveries and lost signals. The Go runtime installs its
// own handler before any of ginit's code runs, and until ginit's first
// Notify that handler exits 2 (as PID 1 its re-raise is dropped); ginit
// makes that Notify, for the stop signals alone, its first act. The counts
// go to the log and the README states the window they measure; the test
// fails only when deaths are so many that ginit's own code must be late.
// (A death may show the program started: the runtime's dying thread
// yields before its exit(2), and the main thread runs on meanwhile.)
func TestHeavyEarlySignals(t *testing.T) {
	tini, err := exec.LookPath("tini-static")
	if err != nil {
		t.Skip("SKIP: no tini-static (Debian's tini; make deps installs it)")
	}
	var got [2]earlyOutcome
	for i := 0; i < earlyTries; i++ {
		d := time.Duration(i) * earlySpan / earlyTries
		for j, in := range []string{"", tini} {
			earlyTry(t, in, d, &got[j])
		}
	}
	t.Logf("ginit: %v", got[0])
	t.Logf("tini-static: %v", got[1])
	if got[0].died > earlyTries/2 {
		t.Errorf("ginit died in %d of %d tries: more than the Go runtime's start-up explains", got[0].died, earlyTries)
	}
}

// earlyTry starts one init, sends it SIGTERM d after execve, and adds what
// happened to o.
func earlyTry(t *testing.T, init string, d time.Duration, o *earlyOutcome) {
	t.Helper()
	r := itest.Start(t, itest.Opts{Init: init, Args: append([]string{"--"}, itest.Helper("worker", "0")...)})
	for t0 := time.Now(); time.Since(t0) < d; {
		// Spin: a timer's wake-up is coarser than the span measured.
	}
	r.Cmd.Process.Signal(syscall.SIGTERM)
	// A lost signal leaves the worker running and ready, and nothing more
	// comes: once it is ready, a delivered SIGTERM ends it in milliseconds,
	// so two seconds of nothing mean lost (a slow delivery taken for lost
	// changes only the log's count).
	ready := make(chan struct{})
	go func() {
		for l := range r.Lines {
			if strings.Contains(l, "worker ready") {
				close(ready)
				break
			}
		}
	}()
	select {
	case <-r.Done():
	case <-ready:
		select {
		case <-r.Done():
		case <-time.After(2 * time.Second):
			o.lost++
			r.Cmd.Process.Signal(syscall.SIGTERM)
			<-r.Done()
			return
		}
	case <-time.After(itest.Patience):
		t.Fatalf("PID 1 neither exited nor started the program after %v", itest.Patience)
	}
	code := r.Code()
	switch {
	case code == 2:
		o.died++
	case strings.Contains(r.Stderr(), "before the program started"):
		o.early++
	default:
		o.handled++
	}
}
