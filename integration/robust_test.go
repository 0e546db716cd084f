package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/internal/itest"
)

// worldGinit copies ginit where any user may run it (the test's own temp
// directories are root's alone).
func worldGinit(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ginit-world-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	p := filepath.Join(dir, "ginit")
	if out, err := exec.Command("cp", itest.Ginit, p).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return p
}

// ginit needs nothing the app does not have: as nobody, as PID 1 of a user
// namespace, and in a container with a read-only root (in integration/stack,
// TestReadOnlyRootAsNobodyInDocker), it supervises alike.
func TestLeastPrivilege(t *testing.T) {
	t.Parallel()
	bin := worldGinit(t)
	script := "trap 'exit 7' TERM; echo ready; while :; do sleep 0.05; done"
	for _, tc := range []struct {
		name  string
		notNS bool
	}{
		{"non-root user", true},
		{"PID 1 of a user namespace", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// start skips when the machine refuses the user switch or the mapping.
			r := itest.Start(t, itest.Opts{Init: bin, Args: []string{"-s", "sh", "-c", script}, NotNS: tc.notNS, Nobody: true})
			r.Expect("ready")
			r.Signal(syscall.SIGTERM)
			if code := r.Wait(); code != 7 {
				t.Errorf("exit %d, want 7; stderr %s", code, r.Stderr())
			}
		})
	}
}

// ginit writes no file: every open it makes is read-only. strace watches
// ginit alone (no -f), through a run with a stop, a drain and reaping.
func TestWritesNoFile(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("SKIP: no strace (Debian's strace package)")
	}
	t.Parallel()
	log := filepath.Join(t.TempDir(), "trace")
	r := itest.Start(t, itest.Opts{Init: strace, Args: []string{"-o", log, "-e", "trace=%file,%desc", itest.Ginit, "-s", "sh", "-c", "sleep 0.2 & exit 3"},
		NotNS: true})
	if code := r.Wait(); code != 3 {
		t.Fatalf("strace ginit: exit %d: %s", code, r.Stderr())
	}
	trace, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	calls := regexp.MustCompile(`(?m)^(open|openat|openat2|creat|mkdir\w*|mknod\w*|unlink\w*|rename\w*|truncate|symlink\w*|link\w*)\(.*$`)
	for _, m := range calls.FindAllString(string(trace), -1) {
		if strings.HasPrefix(m, "open") && !regexp.MustCompile(`O_WRONLY|O_RDWR|O_CREAT|O_TRUNC`).MatchString(m) {
			continue // read-only: /proc
		}
		t.Errorf("ginit made a file-writing call: %s", m)
	}
	if !strings.Contains(string(trace), "/proc") {
		t.Errorf("the trace shows no file access at all; is strace tracing ginit?\n%s", trace)
	}
}

// Faults at the edges: closed standard descriptors, a child that closes
// them, PATH unset. (Not found, not executable, a directory and an empty
// PATH are in TestExecFailures; -p with the parent gone in TestParentDeathSignal.)
func TestFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		via  string
		env  []string
		args []string
		code int
	}{
		{"stdin closed at start", "closefds", []string{"GINIT_TEST_CLOSE=0"}, itest.Helper("passthrough"), 0},
		{"stdout closed at start", "closefds", []string{"GINIT_TEST_CLOSE=1"}, itest.Helper("exit", "5"), 5},
		{"stderr closed at start", "closefds", []string{"GINIT_TEST_CLOSE=2"}, []string{"no-such-program-ginit"}, 127},
		{"all closed at start", "closefds", []string{"GINIT_TEST_CLOSE=0,1,2"}, itest.Helper("exit", "6"), 6},
		{"the child closes them", "", nil, []string{"sh", "-c", "exec 0<&- 1>&- 2>&-; exit 4"}, 4},
	} {
		r := itest.Start(t, itest.Opts{Args: append([]string{"-s"}, tc.args...), Via: tc.via, Env: tc.env, NotNS: true})
		if code := r.Wait(); code != tc.code {
			t.Errorf("%s: exit %d, want %d; stderr %q", tc.name, code, tc.code, r.Stderr())
		}
	}
	// PATH unset: execvp's default, /bin:/usr/bin.
	if code := itest.Start(t, itest.Opts{Args: []string{"-s", "true"}, BareEnv: true, NotNS: true}).Wait(); code != 0 {
		t.Errorf("PATH unset: exit %d, want 0", code)
	}
}
