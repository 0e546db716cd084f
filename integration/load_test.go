package integration

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// vmKB reads a VmRSS-style field (kB) of a process's status.
func vmKB(pid int, field string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// A storm of 20,000 orphans: every one reaped, ginit's memory bounded.
func TestHeavyOrphanStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: -short")
	}
	t.Parallel()
	const n = 20000
	r := itest.Start(t, itest.Opts{Args: append([]string{"-w"}, itest.Helper("orphans", strconv.Itoa(n), "1")...)})
	// The sampler owns peak and hands it over once ginit has exited.
	peakc := make(chan int)
	go func() {
		peak := 0
		for {
			select {
			case <-r.Done():
				peakc <- peak
				return
			case <-time.After(10 * time.Millisecond):
				if kb := vmKB(r.Cmd.Process.Pid, "VmHWM"); kb > peak {
					peak = kb
				}
			}
		}
	}()
	code := r.Wait()
	peak := <-peakc
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	// A reader that falls behind (a busy machine) fills ginit's log
	// buffer: ginit then drops lines rather than block, and the next line
	// that gets through counts them (log_lines_dropped=N).
	stderr := r.Stderr()
	dropped := 0
	for _, m := range regexp.MustCompile(`log_lines_dropped=(\d+)`).FindAllStringSubmatch(stderr, -1) {
		k, _ := strconv.Atoi(m[1])
		dropped += k
	}
	if got := strings.Count(stderr, "reaped zombie"); got+dropped != n || got == 0 {
		t.Errorf("reaped %d zombies and dropped %d lines, want %d in all", got, dropped, n)
	}
	if dropped > 0 {
		t.Logf("ginit dropped %d log lines for a reader that fell behind, and said so", dropped)
	}
	// Generous: ginit idles at a few MiB; a leak per orphan would show here.
	if peak > 64*1024 {
		t.Errorf("ginit's peak RSS %d kB during the storm", peak)
	}
	t.Logf("peak RSS %d kB", peak)
}

// 3,000 signals in a burst, then SIGTERM: ginit keeps up and the stop
// signal still gets through.
func TestHeavySignalBurst(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("record", "TERM", "0")})
	r.Expect("ready")
	burst := []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGHUP, syscall.SIGWINCH, syscall.SIGALRM, 40}
	for i := 0; i < 3000; i++ {
		r.Signal(burst[i%len(burst)])
	}
	r.Signal(syscall.SIGTERM)
	r.Expect("got SIGTERM")
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// The main child exits while orphans exit and signals arrive, 500 times:
// ginit reports the main child's code every time, never an orphan's.
func TestHeavyExitCodeUnderChurn(t *testing.T) {
	rounds := 500
	if testing.Short() {
		rounds = 50
	}
	t.Parallel()
	var wg sync.WaitGroup
	errs := make(chan string, rounds)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < rounds; i += 2 {
				code := rand.IntN(256)
				r := itest.Start(t, itest.Opts{Args: itest.Helper("churn", strconv.Itoa(code))})
				stop := make(chan struct{})
				go func() { // signals churn while the child runs and exits
					for {
						select {
						case <-stop:
							return
						default:
							// WINCH: ignored by default, so a child that has not set up yet survives it.
							r.Cmd.Process.Signal(syscall.SIGWINCH)
							time.Sleep(200 * time.Microsecond)
						}
					}
				}()
				got := r.Wait()
				close(stop)
				if got != code {
					errs <- fmt.Sprintf("round %d: exit %d, want the main child's %d\n%s", i, got, code, r.Stderr())
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
