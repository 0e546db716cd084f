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

// jsonEvents mirrors the table of JSON events in doc/shutdown.md (JSON logs): every key each
// event may carry besides time, level, event and msg. A list key KEY may
// be followed by KEY_more when it names more than 20 processes.
var jsonEvents = map[string][]string{
	"start": {"pid", "cmd", "argv"},
	"setup": {"pid", "verbosity", "error"},
	"stop": {"signal", "received", "at", "grace_ms", "deadline", "delayed_ms", "held", "to", "pid", "cmd", "error", "program",
		"delivered", "why", "sent_to", "sigterm_instead", "deaf", "count"},
	"delay":      {"signal", "received", "at", "grace_ms", "deadline", "delay_ms", "until", "delayed_ms"},
	"repeat":     {"signal"},
	"forward":    {"signal", "received", "to", "pid", "error"},
	"drop":       {"signal"},
	"child-exit": {"pid", "cmd", "status", "after_ms", "runtime_ms"},
	"wrapper":    {"wrapper_pid", "wrapper_cmd", "children", "count"},
	"trap":       {"pid", "cmd", "status", "left", "count"},
	"drain":      {"signal", "sent_to", "already_signalled", "left_to_trap", "sigterm_instead", "left_to_parent", "count", "deadline", "bound_ms", "handles", "parent", "pid", "error", "nofile_soft", "nofile_hard"},
	"signal":     {"signal", "failed", "count", "error"},
	"wait":       {"count", "waiting_for", "waited_ms", "deadline", "deadline_in_ms"},
	"drained":    {"pid", "cmd", "status", "after_ms", "count"},
	"kill":       {"killed", "count", "deadline", "after_ms", "left", "bound", "error"},
	"oom":        {"pid", "cmd", "status", "count"},
	"zombie":     {"pid", "status"},
	"exit":       {"code", "status", "oom_killed"},
	"report":     {"path", "error", "bytes"},
	"exec":       {"error"},
	"reap":       {"error"},
	"proc":       {"where", "error"},
}

// listKeys hold arrays of {"pid","cmd"} objects.
var listKeys = map[string]bool{"sent_to": true, "already_signalled": true, "left_to_parent": true,
	"children": true, "left_to_trap": true, "sigterm_instead": true, "deaf": true,
	"waiting_for": true, "killed": true, "left": true, "oom_killed": true, "failed": true}

// anyEvent are keys any line may carry.
var anyEvent = map[string]bool{"log_lines_dropped": true}

// checkJSONLines validates every line against jsonEvents and returns the
// events seen.
func checkJSONLines(t *testing.T, stderr string, seen map[string]bool) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("not JSON: %q: %v", line, err)
			continue
		}
		for _, k := range []string{"time", "level", "event", "msg"} {
			if _, ok := m[k].(string); !ok {
				t.Errorf("line lacks %q: %s", k, line)
			}
		}
		if ts, _ := m["time"].(string); ts != "" {
			if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
				t.Errorf("time %q: %v", ts, err)
			}
		}
		event, _ := m["event"].(string)
		keys, ok := jsonEvents[event]
		if !ok {
			t.Errorf("event %q is not documented: %s", event, line)
			continue
		}
		seen[event] = true
		allowed := map[string]bool{"time": true, "level": true, "event": true, "msg": true}
		for k := range anyEvent {
			allowed[k] = true
		}
		for _, k := range keys {
			allowed[k] = true
			if listKeys[k] {
				allowed[k+"_more"] = true
			}
		}
		for k, v := range m {
			if !allowed[k] {
				t.Errorf("event %q has undocumented key %q: %s", event, k, line)
			}
			if listKeys[k] {
				checkProcList(t, k, v, line)
			}
		}
		if m["level"] == "error" {
			if _, ok := m["error"].(string); !ok {
				t.Errorf("an error without an error key: %s", line)
			}
		}
	}
}

func checkProcList(t *testing.T, k string, v any, line string) {
	t.Helper()
	items, ok := v.([]any)
	if !ok {
		t.Errorf("%s is not an array: %s", k, line)
		return
	}
	for _, it := range items {
		o, ok := it.(map[string]any)
		_, pid := o["pid"].(float64)
		_, cmd := o["cmd"].(string)
		if !ok || !pid || !cmd || len(o) != 2 {
			t.Errorf("%s item is not {pid, cmd}: %s", k, line)
		}
	}
}

// Every event ginit prints in JSON is documented, with its keys; runs that
// between them print most events, at the most verbose level.
func TestJSONEventsDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join(itest.RootDir, "doc", "shutdown.md"))
	if err != nil {
		t.Fatal(err)
	}
	for event, keys := range jsonEvents {
		row := ""
		for _, l := range strings.Split(string(doc), "\n") {
			if strings.Contains(l, "| `"+event+"`") {
				row = l
			}
		}
		if row == "" {
			t.Errorf("doc/shutdown.md's JSON table lacks event %q", event)
		}
		for _, k := range keys {
			if !strings.Contains(row, "`"+k+"`") {
				t.Errorf("doc/shutdown.md's row for %q lacks key %q", event, k)
			}
		}
	}
	json := []string{"--log-format", "json", "-vvv"}
	seen := map[string]bool{}
	// A delayed stop of a wrapper, a repeat, a dropped signal, a drain, an
	// unwritable report.
	r := itest.Start(t, itest.Opts{Args: append(append(json, "--stop-delay", "0.2s", "--grace", "1h", "-r", "HUP:0",
		"--report-file", "/nonexistent/report"), wrapper("100")...)})
	r.Expect("worker ready")
	r.Signal(syscall.SIGTERM)
	r.ExpectErr(`"event":"delay"`)
	r.Signal(syscall.SIGHUP)
	r.Signal(syscall.SIGTERM)
	r.Wait()
	checkJSONLines(t, r.Stderr(), seen)
	// A forwarded signal, a deadline kill.
	r = itest.Start(t, itest.Opts{Args: append(append(json, "--grace", "1s"), itest.Helper("ignoreterm")...)})
	r.Expect("ready")
	r.Signal(syscall.SIGUSR1)
	r.Signal(syscall.SIGTERM)
	r.Wait()
	checkJSONLines(t, r.Stderr(), seen)
	// Zombies; a program that cannot start.
	r = itest.Start(t, itest.Opts{Args: append(append(json, "-w"), itest.Helper("orphans", "3", "1")...)})
	r.Wait()
	checkJSONLines(t, r.Stderr(), seen)
	r = itest.Start(t, itest.Opts{Args: append(json, "/no/such/program")})
	r.Wait()
	checkJSONLines(t, r.Stderr(), seen)
	for _, e := range []string{"start", "setup", "stop", "delay", "repeat", "forward", "drop", "child-exit",
		"wrapper", "drain", "drained", "kill", "zombie", "exit", "report", "exec"} {
		if !seen[e] {
			t.Errorf("no %q event was printed", e)
		}
	}
}
