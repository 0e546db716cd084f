package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// The app gets the stop signal no earlier than --stop-delay after it
// arrived; other signals reach it meanwhile.
func TestStopDelayHoldsSignal(t *testing.T) {
	t.Parallel()
	const delay = 2 * time.Second
	report := filepath.Join(t.TempDir(), "report")
	r := itest.Start(t, itest.Opts{Args: append([]string{"--stop-delay", delay.String(), "--report-file", report}, itest.Helper("record", "TERM", "0")...)})
	r.Expect("ready")
	sent := time.Now()
	r.Signal(syscall.SIGTERM)
	r.ExpectErr("holding it for --stop-delay")
	r.Signal(syscall.SIGUSR1)
	if l := r.Expect("got "); l != "got SIGUSR1" {
		t.Errorf("first signal the app got: %q, want SIGUSR1 (forwarded during the delay)", l)
	}
	r.Expect("got SIGTERM")
	if d := time.Since(sent); d < delay {
		t.Errorf("the app got SIGTERM %v after it was sent, before the %v delay", d, delay)
	}
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
	stderr := r.Stderr()
	for _, want := range []string{"delay_ms=2000", "until=", "stop delay over; delivered", "delayed_ms="} {
		if !strings.Contains(stderr, want) {
			t.Errorf("report lacks %q:\n%s", want, stderr)
		}
	}
	b, _ := os.ReadFile(report)
	if !regexp.MustCompile(`(?m)^stop delay: \S+ to \S+ \(\d+ ms of --stop-delay 2s; the delay passed\)$`).Match(b) {
		t.Errorf("report file does not tell the delay:\n%s", b)
	}
}

// The grace period counts from the signal's arrival, delay included.
func TestStopDelayCountsInGrace(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: append([]string{"--stop-delay", "2s", "--grace", "3s"}, itest.Helper("ignoreterm")...)})
	r.Expect("ready")
	sent := time.Now()
	r.Signal(syscall.SIGTERM)
	if code := r.Wait(); code != 137 {
		t.Errorf("exit %d, want 137", code)
	}
	if d := time.Since(sent); d < 3*time.Second {
		t.Errorf("killed %v after the signal, before the 3s grace", d)
	}
	// ginit's own count: from arrival it kills at 3 s; from delivery it
	// would be 5 s or later. 2 s of margin for a busy machine.
	m := regexp.MustCompile(`deadline passed; sent SIGKILL .* after_ms=(\d+)`).FindStringSubmatch(r.Stderr())
	if m == nil {
		t.Fatalf("no kill line:\n%s", r.Stderr())
	}
	if after, _ := strconv.Atoi(m[1]); after >= 5000 {
		t.Errorf("killed %d ms after arrival: the grace counted from delivery", after)
	}
}

// A different stop signal during the delay is delivered at once and ends
// the delay; the held one is not delivered.
func TestStopDelayCutShort(t *testing.T) {
	t.Parallel()
	report := filepath.Join(t.TempDir(), "report")
	r := itest.Start(t, itest.Opts{Args: append([]string{"--stop-delay", "1h", "--report-file", report}, itest.Helper("record", "QUIT", "0")...)})
	r.Expect("ready")
	r.Signal(syscall.SIGTERM)
	r.ExpectErr("holding it for --stop-delay")
	r.Signal(syscall.SIGTERM) // repeated: still held, never delivered twice
	r.Signal(syscall.SIGQUIT)
	l := r.Expect("got ")
	if l == "got SIGCONT" { // it follows the stop signal, and may overtake it in the app
		l = r.Expect("got ")
	}
	if l != "got SIGQUIT" {
		t.Errorf("the app got %q, want SIGQUIT first", l)
	}
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
	if strings.Contains(r.Stdout(), "SIGTERM") {
		t.Errorf("the held SIGTERM was delivered too:\n%s", r.Stdout())
	}
	if !strings.Contains(r.Stderr(), "different stop signal during the delay; delivered at once") {
		t.Errorf("report does not say the delay was cut short:\n%s", r.Stderr())
	}
	b, _ := os.ReadFile(report)
	if !regexp.MustCompile(`(?m)^stop: SIGTERM at \S+ \(held, never delivered\), then SIGQUIT at \S+ \(delivered at once\)\n` +
		`stop delay: \S+ to \S+ \(\d+ ms of --stop-delay 1h0m0s; cut short by SIGQUIT\)\n`).Match(b) {
		t.Errorf("report file does not tell the delay:\n%s", b)
	}
}

// If the main child exits during the delay, the drain proceeds as usual.
func TestStopDelayChildExits(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: append([]string{"--stop-delay", "1h"}, itest.Helper("record", "USR1", "5")...)})
	r.Expect("ready")
	r.Signal(syscall.SIGTERM)
	r.ExpectErr("holding it for --stop-delay")
	r.Signal(syscall.SIGUSR1)
	if code := r.Wait(); code != 5 {
		t.Errorf("exit %d, want the child's 5", code)
	}
	if !strings.Contains(r.Stderr(), "main child exited during the stop delay") {
		t.Errorf("report lacks the delay's end:\n%s", r.Stderr())
	}
}

func TestStopDelayMustBeShorterThanGrace(t *testing.T) {
	t.Parallel()
	for _, o := range []itest.Opts{
		{Args: []string{"--stop-delay", "30s", "--grace", "28s", "true"}, NotNS: true},
		{Args: []string{"--grace", "5s", "true"}, Env: []string{"GINIT_STOP_DELAY=5"}, NotNS: true},
	} {
		r := itest.Start(t, o)
		if code := r.Wait(); code != 1 || !strings.Contains(r.Stderr(), "must be shorter than --grace") {
			t.Errorf("%q %q: exit %d, stderr %q", o.Args, o.Env, code, r.Stderr())
		}
	}
}
