package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// wrapper is the case ginit exists for: a shell that runs the worker
// without exec, so the shell, not the worker, gets the orchestrator's SIGTERM.
func wrapper(jobMs string) []string {
	return []string{"sh", "-c", "echo starting; " + strings.Join(itest.Helper("worker", jobMs), " ")}
}

func TestWrapperJobFinishes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		o    itest.Opts
		warn bool
	}{
		{"default", itest.Opts{Args: wrapper("1500")}, true},
		{"default, container /proc", itest.Opts{Args: wrapper("1500"), Mount: true}, true},
		{"-g", itest.Opts{Args: append([]string{"-g"}, wrapper("1500")...)}, false},
		{"-g, container /proc", itest.Opts{Args: append([]string{"-g"}, wrapper("1500")...), Mount: true}, false},
		{"TINI_KILL_PROCESS_GROUP", itest.Opts{Args: wrapper("1500"), Env: []string{"TINI_KILL_PROCESS_GROUP=1"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := itest.Start(t, tc.o)
			r.Expect("worker ready")
			r.Signal(syscall.SIGTERM)
			r.Expect("worker: SIGTERM, finishing job")
			r.Signal(syscall.SIGTERM) // the orchestrator may repeat itself; the worker must not hear it twice
			if code := r.Wait(); code != 143 {
				t.Errorf("exit %d, want 143 (the shell's death by SIGTERM)", code)
			}
			out, stderr := r.Stdout(), r.Stderr()
			if !strings.Contains(out, "worker: job done") || strings.Contains(out, "second SIGTERM") {
				t.Errorf("the job did not finish cleanly:\n%s", out)
			}
			if got := strings.Contains(stderr, itest.WrapperWarning); got != tc.warn {
				t.Errorf("wrapper warning shown: %v, want %v:\n%s", got, tc.warn, stderr)
			}
			if tc.warn && !(strings.Contains(stderr, "wrapper_cmd=sh") && strings.Contains(stderr, "exec the app")) {
				t.Errorf("warning does not name the shell and the fix:\n%s", stderr)
			}
			for _, want := range []string{"stop signal received", "main child exited", "every process has exited", "exiting code=143"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stop report lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

// The warning is for a wrapper that dropped the signal, and nothing else.
func TestNoWrapperWarningOtherwise(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		itest.Helper("worker", "100"),
		{"sh", "-c", "exec " + strings.Join(itest.Helper("worker", "100"), " ")},
		append([]string{"sh", "-c"}, "trap 'kill -TERM $pid; wait $pid; exit 0' TERM; "+strings.Join(itest.Helper("worker", "100"), " ")+" & pid=$!; wait $pid"),
	} {
		r := itest.Start(t, itest.Opts{Args: args})
		r.Expect("worker ready")
		r.Signal(syscall.SIGTERM)
		r.Wait()
		if strings.Contains(r.Stderr(), itest.WrapperWarning) || !strings.Contains(r.Stdout(), "job done") {
			t.Errorf("%q:\nstdout %s\nstderr %s", args, r.Stdout(), r.Stderr())
		}
	}
}

func TestGraceKillsAtDeadline(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: append([]string{"--grace", "1s"}, itest.Helper("ignoreterm")...)})
	r.Expect("ready")
	sent := time.Now()
	r.Signal(syscall.SIGTERM)
	if code := r.Wait(); code != 137 {
		t.Errorf("exit %d, want 137", code)
	}
	// Only the lower bound is certain: ginit must not kill early. A slow
	// machine may make it late, which is not a failure.
	if d := time.Since(sent); d < time.Second {
		t.Errorf("killed after %v, before the 1s grace period", d)
	}
	if !strings.Contains(r.Stderr(), "deadline passed; sent SIGKILL") || !strings.Contains(r.Stderr(), "killed by SIGKILL") {
		t.Errorf("stop report lacks the kill:\n%s", r.Stderr())
	}
}

func TestGraceFromEnvironment(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("ignoreterm"), Env: []string{"GINIT_GRACE=0.5"}})
	r.Expect("ready")
	r.Signal(syscall.SIGTERM)
	if code := r.Wait(); code != 137 {
		t.Errorf("exit %d, want 137", code)
	}
}

// A process left behind that ignores SIGTERM is killed when the drain
// bound passes; the exit code stays the main child's. Here with --grace;
// TestHeavyDrainKillsStragglers waits out the default bound.
func TestDrainKillsStragglers(t *testing.T) {
	t.Parallel()
	drainKillsStragglers(t, "--grace 1s", []string{"--grace", "1s"}, time.Second)
}

// TestDrainKillsStragglers under the default drain bound, 30 s: heavy for
// its length alone.
func TestHeavyDrainKillsStragglers(t *testing.T) {
	t.Parallel()
	drainKillsStragglers(t, "default 30s", nil, 30*time.Second)
}

// drainKillsStragglers is subtest name of TestDrainKillsStragglers: ginit
// with extra, which must not give up on the straggler before min.
func drainKillsStragglers(t *testing.T, name string, extra []string, min time.Duration) {
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		began := time.Now()
		r := itest.Start(t, itest.Opts{Args: append(extra, itest.Helper("bg", append([]string{"3"}, itest.Helper("ignoreterm")...)...)...)})
		r.Expect("left behind")
		if code := r.Wait(); code != 3 {
			t.Errorf("exit %d, want the main child's 3", code)
		}
		if d := time.Since(began); d < min {
			t.Errorf("gave up after %v, before the %v bound", d, min)
		}
		for _, want := range []string{"draining the processes left", "sent SIGKILL", "exiting code=3"} {
			if !strings.Contains(r.Stderr(), want) {
				t.Errorf("report lacks %q:\n%s", want, r.Stderr())
			}
		}
	})
}

// A drain with nothing stubborn ends as soon as everything is gone: no fixed wait.
func TestDrainEndsWhenAllGone(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: append([]string{"--grace", "1h"}, itest.Helper("bg", append([]string{"4"}, itest.Helper("worker", "10")...)...)...)})
	r.Expect("left behind")
	if code := r.Wait(); code != 4 {
		t.Errorf("exit %d, want 4", code)
	}
	if strings.Contains(r.Stderr(), "SIGKILL") {
		t.Errorf("killed a process that exited on SIGTERM:\n%s", r.Stderr())
	}
}

func TestRewrite(t *testing.T) {
	t.Parallel()
	// TERM delivered as QUIT (nginx's graceful stop); the stop still begins.
	r := itest.Start(t, itest.Opts{Args: append([]string{"-r", "TERM:QUIT"}, itest.Helper("record", "QUIT", "0")...)})
	r.Expect("ready")
	r.Signal(syscall.SIGTERM)
	r.Expect("got SIGQUIT")
	if code := r.Wait(); code != 0 || !strings.Contains(r.Stderr(), "received=SIGTERM") {
		t.Errorf("exit %d; stderr %s", code, r.Stderr())
	}

	// Numbers, a drop, and a stop signal delivered as an ordinary one: a
	// stop is judged on the signal received, so INT as USR1 is one.
	r = itest.Start(t, itest.Opts{Args: append([]string{"-r", "10:12", "--rewrite=HUP:0", "-r", "INT:USR1"}, itest.Helper("record", "WINCH", "5")...)})
	r.Expect("ready")
	r.Signal(syscall.SIGUSR1)
	r.Expect("got SIGUSR2")
	r.Signal(syscall.SIGHUP)
	r.Signal(syscall.SIGINT)
	r.Expect("got SIGUSR1")
	r.Signal(syscall.SIGWINCH)
	if code := r.Wait(); code != 5 {
		t.Errorf("exit %d, want 5", code)
	}
	if out := r.Stdout(); strings.Contains(out, "SIGHUP") || strings.Contains(out, "SIGINT") {
		t.Errorf("a dropped or rewritten signal arrived:\n%s", out)
	}
	if !strings.Contains(r.Stderr(), "stop signal received; delivered signal=SIGUSR1 received=SIGINT") {
		t.Errorf("INT rewritten to USR1 did not start a stop:\n%s", r.Stderr())
	}
}

// Every line of --log-format json parses and carries the documented keys.
func TestJSONLog(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: append([]string{"--log-format", "json", "-v"}, wrapper("100")...)})
	r.Expect("worker ready")
	r.Signal(syscall.SIGTERM)
	r.Wait()
	events := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(r.Stderr()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		for _, k := range []string{"time", "level", "event", "msg"} {
			if _, ok := m[k].(string); !ok {
				t.Errorf("line lacks %q: %s", k, line)
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, m["time"].(string)); err != nil {
			t.Errorf("time %q: %v", m["time"], err)
		}
		events[m["event"].(string)] = true
		switch m["event"] {
		case "stop":
			checkKeys(t, m, "signal", "to", "pid", "cmd", "at", "deadline")
		case "child-exit":
			checkKeys(t, m, "pid", "cmd", "status", "after_ms")
		case "wrapper":
			checkKeys(t, m, "wrapper_pid", "wrapper_cmd", "children", "count")
		case "drain":
			checkKeys(t, m, "signal", "sent_to", "count", "deadline") // bound_ms only when there is a deadline
		case "exit":
			checkKeys(t, m, "code")
		}
	}
	for _, e := range []string{"stop", "child-exit", "wrapper", "drain", "drained", "exit"} {
		if !events[e] {
			t.Errorf("no %q event in:\n%s", e, r.Stderr())
		}
	}
}

func checkKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("event %v lacks %q: %v", m["event"], k, m)
		}
	}
}

// The drain signals the top of each tree left behind, not the processes a
// live parent is running its job through: killing those would lose the job.
// The job is a subprocess that ends when the test says so, after the stop,
// however long the machine takes to get there; a SIGTERM would end it early.
func TestDrainLeavesJobSubprocessToItsParent(t *testing.T) {
	t.Parallel()
	for _, mount := range []bool{false, true} {
		fifo := filepath.Join(t.TempDir(), "job")
		if err := syscall.Mkfifo(fifo, 0o666); err != nil {
			t.Fatal(err)
		}
		worker := `trap 'echo worker: SIGTERM, finishing job; wait $job && echo worker: job done; exit 0' TERM; ` +
			`(read x <` + fifo + `) & job=$!; echo worker ready; wait $job; echo worker: job ended before the stop`
		r := itest.Start(t, itest.Opts{Args: []string{"sh", "-c", "echo starting; sh -c '" + strings.ReplaceAll(worker, "'", `'\''`) + "'"}, Mount: mount})
		r.Expect("worker ready")
		r.Signal(syscall.SIGTERM)
		r.Expect("worker: SIGTERM")
		go finishJob(fifo) // blocks until the job reads; a killed job never does
		r.Wait()
		if !strings.Contains(r.Stdout(), "worker: job done") {
			t.Errorf("container /proc %v: job subprocess was interrupted:\n%s\n%s", mount, r.Stdout(), r.Stderr())
		}
		if !strings.Contains(r.Stderr(), "left_to_parent=") || strings.Contains(r.Stderr(), "left_to_parent=\"\"") {
			t.Errorf("report does not say the job's process was left to its parent:\n%s", r.Stderr())
		}
	}
}

// When a parent exits during the drain, what it leaves is signalled then.
func TestDrainSignalsWhatAParentLeaves(t *testing.T) {
	t.Parallel()
	// The middle shell exits on SIGTERM at once, leaving the worker to ginit.
	inner := strings.Join(itest.Helper("worker", "100"), " ")
	r := itest.Start(t, itest.Opts{Args: itest.Helper("bg", "0", "/bin/sh", "-c", inner+"; echo unreachable")})
	r.Expect("left behind")
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(r.Stdout(), "worker: job done") || !strings.Contains(r.Stderr(), "parent exited; draining what it left") {
		t.Errorf("the worker left by its parent was not drained:\n%s\n%s", r.Stdout(), r.Stderr())
	}
}

// finishJob ends a job that waits on the fifo at path.
func finishJob(path string) {
	if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
		f.WriteString("done\n")
		f.Close()
	}
}
