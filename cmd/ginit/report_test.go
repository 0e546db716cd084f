package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/proctab"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or writes it there with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update writes it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestCapReport(t *testing.T) {
	lines := []string{"stop: SIGTERM at x"}
	for range 300 {
		lines = append(lines, "  123(integration.tes): exited 0, 2001 ms after the drain began")
	}
	lines = append(lines, "exit code 0")
	got := capReport(lines)
	if len(got) > reportMax || !strings.HasSuffix(got, "\n... (cut to 4 KiB)\nexit code 0\n") || !strings.HasPrefix(got, "stop: SIGTERM") {
		t.Errorf("%d bytes: ...%s", len(got), got[len(got)-100:])
	}
	if got := capReport([]string{"a", "exit code 1"}); got != "a\nexit code 1\n" {
		t.Errorf("short report changed: %q", got)
	}
}

// The report (the text of --report-file) for the stops an operator reads
// it after, one golden file each.
func TestRenderReport(t *testing.T) {
	at := time.Date(2026, 12, 7, 4, 24, 39, 780512000, time.UTC)
	worker := proctab.Proc{Pid: 10, Comm: "sidekiq"}
	for _, tc := range []struct {
		name string
		sum  summary
	}{
		{"wrapper-drained", summary{stopped: true, recv: "SIGTERM", sig: "SIGTERM", at: at, childDone: true,
			child: "9(bash)", childDesc: "killed by SIGTERM", childAfter: 3 * time.Millisecond, drained: true, drainSig: "SIGTERM",
			ended: []ended{{worker, "exited 0", 18200 * time.Millisecond}}, code: 143}},
		{"rewritten-delay-cut", summary{stopped: true, recv: "SIGQUIT", sig: "SIGQUIT", held: "SIGTERM", at: at,
			delayEnd: at.Add(2 * time.Second), delay: 5 * time.Second, delayHow: "cut short by SIGQUIT", childDone: true,
			child: "9(nginx)", childDesc: "exited 0", childAfter: 7 * time.Second, code: 0}},
		{"grace-killed", summary{stopped: true, recv: "SIGTERM", sig: "SIGWINCH", at: at, childDone: true,
			child: "9(bash)", childDesc: "exited 143", childAfter: 10 * time.Millisecond, drained: true, drainSig: "SIGWINCH",
			killed: []string{"10(apache2)", "11(apache2)"}, killWhy: "the grace period (--grace 20s)", killAfter: 20 * time.Second,
			logNote: "stderr failed (broken pipe): 5 log line(s) not written", code: 137}},
		{"no-stop", summary{childDone: true, child: "9(job)", childDesc: "exited 3", childAfter: 90 * time.Second,
			drained: true, drainSig: "SIGTERM", ended: []ended{{worker, "killed by SIGTERM", 5 * time.Millisecond}}, code: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, _ := renderReport(tc.sum)
			golden(t, "report-"+tc.name+".txt", text)
		})
	}
}

// The exit event, in JSON, as a log reader (or a log pipeline) parses it.
func TestExitEvent(t *testing.T) {
	at := time.Date(2026, 12, 7, 4, 24, 39, 780512000, time.UTC)
	got := log.Line(true, at, "info", "exit", "ginit exiting", exitFields(143, "", nil)...) +
		log.Line(true, at, "info", "exit", "ginit exiting",
			exitFields(137, "killed by SIGKILL (out of memory)", []proctab.Proc{{Pid: 9, Comm: "java"}})...) +
		log.Line(false, at, "info", "exit", "ginit exiting", exitFields(143, "", nil)...)
	golden(t, "exit-events.txt", got)
}

func TestExitCode(t *testing.T) {
	exited := func(c int) syscall.WaitStatus { return syscall.WaitStatus(c << 8) }
	killed := func(s syscall.Signal) syscall.WaitStatus { return syscall.WaitStatus(s) }
	for _, tc := range []struct {
		name         string
		ws           syscall.WaitStatus
		done, killed bool
		want         int
	}{
		{"exited 0", exited(0), true, false, 0},
		{"exited 3", exited(3), true, false, 3},
		{"killed by SIGTERM", killed(syscall.SIGTERM), true, false, 143},
		{"a shell's 143", exited(143), true, false, 143},
		{"killed by SIGKILL, not by ginit", killed(syscall.SIGKILL), true, false, 137},
		{"ginit's deadline killed work in a stop", exited(0), true, true, 137},
		{"never ended", 0, false, false, 137},
	} {
		if got := exitCodeOf(tc.ws, tc.done, tc.killed); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}
