package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// --report-file: the summary of the stop, written at exit, for Kubernetes'
// terminationMessagePath.
func TestReportFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		env  bool // GINIT_REPORT_FILE rather than the flag
		stop bool
		code int
		want []string
	}{
		{"clean stop", itest.Helper("record", "TERM", "0"), false, true, 0,
			[]string{"stop: SIGTERM at 20", "main child ", ": exited 0, ", " ms after the stop", "exit code 0\n"}},
		{"drain", wrapper("100"), true, true, 143,
			[]string{"stop: SIGTERM at", "(sh): killed by SIGTERM", "drained with SIGTERM: 1 process(es) ended",
				": exited 0, ", "exit code 143\n"}},
		{"deadline kill", append([]string{"--grace", "1s"}, itest.Helper("ignoreterm")...), false, true, 137,
			[]string{"stop: SIGTERM at", "killed (SIGKILL) at the grace period (--grace 1s), ", " ms after the stop: ",
				"exit code 137\n"}},
		{"no stop", itest.Helper("exit", "3"), false, false, 3,
			[]string{"stop: none (the main child ended by itself)", ": exited 3, ", "exit code 3\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "termination-log")
			o := itest.Opts{Args: append([]string{"--report-file", path}, tc.args...)}
			if tc.env {
				o = itest.Opts{Args: tc.args, Env: []string{"GINIT_REPORT_FILE=" + path}}
			}
			r := itest.Start(t, o)
			if tc.stop {
				r.Expect("ready")
				r.Signal(syscall.SIGTERM)
			}
			if code := r.Wait(); code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(string(b), want) {
					t.Errorf("report lacks %q:\n%s", want, b)
				}
			}
		})
	}
}

// Kubernetes keeps 4 KiB of a termination message: the report is cut to
// fit, and the exit code, on the last line, survives.
func TestReportFileCap(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "termination-log")
	// 300 orphans that live until the drain's SIGTERM, however slow the machine.
	app := []string{"sh", "-c", "i=0; while [ $i -lt 300 ]; do sleep 1000 & i=$((i+1)); done; echo forked 300"}
	r := itest.Start(t, itest.Opts{Args: append([]string{"--report-file", path}, app...)})
	r.Expect("forked 300")
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 4096 || !strings.HasSuffix(string(b), "\n... (cut to 4 KiB)\nexit code 0\n") ||
		!strings.Contains(string(b), "drained with SIGTERM: 300 process(es) ended") {
		t.Errorf("report of %d bytes:\n%s", len(b), b)
	}
	if !strings.Contains(r.Stderr(), "report file cut to 4 KiB") {
		t.Errorf("the log does not say the report was cut:\n%s", r.Stderr())
	}
}

// A report that cannot be written is one warning; the exit code stays the app's.
func TestReportFileUnwritable(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: append([]string{"--report-file", "/nonexistent/termination-log"}, itest.Helper("exit", "5")...)})
	if code := r.Wait(); code != 5 {
		t.Errorf("exit %d, want 5", code)
	}
	if n := strings.Count(r.Stderr(), "cannot write the report file"); n != 1 || strings.Count(r.Stderr(), "\n") != 1 {
		t.Errorf("want one warning line:\n%s", r.Stderr())
	}
}
