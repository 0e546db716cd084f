package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// Behind another init (docker run --init, ECS initProcessEnabled), ginit is
// not PID 1. It registers as a subreaper by default, so the job its wrapper
// script leaves behind comes to ginit and is drained; with the default off,
// the job goes to tini and is lost, as it would be under tini alone.
func TestBehindTini(t *testing.T) {
	t.Parallel()
	tini := "/usr/bin/tini-static"
	if _, err := os.Stat(tini); err != nil {
		t.Skipf("SKIP: no %s (make deps installs Debian's tini)", tini)
	}
	for _, tc := range []struct {
		name string
		env  []string
		kept bool
	}{{"default", nil, true}, {"GINIT_SUBREAPER=0", []string{"GINIT_SUBREAPER=0"}, false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := itest.Start(t, itest.Opts{Init: tini, Args: append([]string{"--", itest.Ginit}, wrapper("1500")...), Env: tc.env})
			r.Expect("worker ready")
			r.Signal(syscall.SIGTERM)
			r.Wait()
			done := strings.Contains(r.Stdout(), "worker: job done")
			if done != tc.kept {
				t.Errorf("job finished: %v, want %v\nstdout:\n%s\nstderr:\n%s", done, tc.kept, r.Stdout(), r.Stderr())
			}
			warned := strings.Contains(r.Stderr(), "not PID 1 and not a child subreaper")
			if warned == tc.kept {
				t.Errorf("subreaper warning shown: %v, want %v:\n%s", warned, !tc.kept, r.Stderr())
			}
		})
	}
}

// named renames the process (its comm, what ginit logs), then runs as a
// worker with a short job.
func named(name string) int {
	if err := os.WriteFile("/proc/self/comm", []byte(name), 0); err != nil {
		fmt.Println("named:", err)
		return 1
	}
	return itest.Worker(10)
}

// A process names itself: its name must not fake a list entry in a text
// log, nor carry a control byte to the terminal; in JSON it is kept exact.
func TestHostileProcessNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"x),99(evil", "a\rb=c d", "\x1b[2Jx,y"} {
		for _, format := range []string{"text", "json"} {
			r := itest.Start(t, itest.Opts{Args: append([]string{"--log-format", format}, itest.Helper("bg", append([]string{"0"}, itest.Helper("named", name)...)...)...)})
			r.Expect("left behind")
			r.Wait()
			stderr := r.Stderr()
			if !strings.Contains(r.Stdout(), "worker: job done") {
				t.Fatalf("%q: the worker was not drained:\n%s", name, stderr)
			}
			if strings.ContainsAny(stderr, "\r\x1b") {
				t.Errorf("%s: a control byte of %q reached the log:\n%q", format, name, stderr)
			}
			if format == "text" {
				_, after, _ := strings.Cut(stderr, " sent_to=")
				value, _, _ := strings.Cut(after, " ")
				if items := strings.Split(value, ","); len(items) != 1 || !strings.HasSuffix(value, ")") {
					t.Errorf("%q: sent_to=%s is not one entry:\n%s", name, value, stderr)
				}
				continue
			}
			found := false
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				var m struct {
					Event  string
					SentTo []struct {
						Pid int
						Cmd string
					} `json:"sent_to"`
				}
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("not JSON: %q: %v", line, err)
				}
				for _, p := range m.SentTo {
					found = found || p.Cmd == name
				}
			}
			if !found {
				t.Errorf("json: no sent_to entry with cmd %q:\n%s", name, stderr)
			}
		}
	}
}
