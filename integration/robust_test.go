package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
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
			// itest.Start skips when the machine refuses the user switch or the mapping.
			r := itest.Start(t, itest.Opts{Init: bin, Args: []string{"-s", "sh", "-c", script}, NotNS: tc.notNS, Nobody: true})
			r.Expect("ready")
			r.Signal(syscall.SIGTERM)
			if code := r.Wait(); code != 7 {
				t.Errorf("exit %d, want 7; stderr %s", code, r.Stderr())
			}
		})
	}
}

// ginit writes no file: every open it makes is read-only. strace follows
// every thread and process (-f) through a run with a stop, a drain and
// reaping; the calls judged are those of ginit's own threads (the traced
// pid and the threads it cloned), not of the app it runs.
func TestWritesNoFile(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("SKIP: no strace (Debian's strace package)")
	}
	t.Parallel()
	log := filepath.Join(t.TempDir(), "trace")
	r := itest.Start(t, itest.Opts{Init: strace, Args: []string{"-f", "-o", log, "-e", "trace=%file,%desc,%process",
		itest.Ginit, "-s", "sh", "-c", "sleep 0.2 & exit 3"}, NotNS: true})
	if code := r.Wait(); code != 3 {
		t.Fatalf("strace ginit: exit %d: %s", code, r.Stderr())
	}
	trace, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	own, others := ginitThreads(t, string(trace))
	if others == 0 {
		t.Errorf("the trace shows no process but ginit's; is strace following children (-f)?\n%s", trace)
	}
	calls := regexp.MustCompile(`^(open|openat|openat2|creat|mkdir\w*|mknod\w*|unlink\w*|rename\w*|truncate|symlink\w*|link\w*)\(.*$`)
	for _, m := range own {
		if !calls.MatchString(m) {
			continue
		}
		if strings.HasPrefix(m, "open") && !regexp.MustCompile(`O_WRONLY|O_RDWR|O_CREAT|O_TRUNC`).MatchString(m) {
			continue // read-only: /proc
		}
		t.Errorf("ginit made a file-writing call: %s", m)
	}
	if !strings.Contains(strings.Join(own, "\n"), "/proc") {
		t.Errorf("the trace shows no file access by ginit at all; is strace tracing ginit?\n%s", trace)
	}
}

// ginitThreads reads an strace -f log (each line "TID call..."): own are
// the calls of ginit's threads, the first line's tid and every tid that
// one of them made with clone(...CLONE_THREAD...), without the tid; others
// counts the lines of every other tid (ginit's children, before and after
// their exec, and theirs). A call strace split in two (<unfinished ...>,
// then <... resumed>) counts as its first part, which has the arguments;
// a clone's result comes with the second.
func ginitThreads(t *testing.T, trace string) (own []string, others int) {
	t.Helper()
	type line struct{ tid, call string }
	var lines []line
	pending := map[string]string{}   // tid: its unfinished clone
	threads := map[string][]string{} // tid: the threads it cloned
	for _, l := range strings.Split(strings.TrimSpace(trace), "\n") {
		tid, call, ok := strings.Cut(l, " ")
		if !ok {
			continue
		}
		call = strings.TrimSpace(call)
		lines = append(lines, line{tid, call})
		if strings.HasPrefix(call, "clone(") || strings.HasPrefix(call, "clone3(") {
			if strings.HasSuffix(call, "<unfinished ...>") {
				pending[tid] = call
				continue
			}
		} else if strings.HasPrefix(call, "<... clone resumed>") || strings.HasPrefix(call, "<... clone3 resumed>") {
			call, pending[tid] = pending[tid]+call, ""
		} else {
			continue
		}
		if _, res, ok := strings.Cut(call, ") = "); ok && strings.Contains(call, "CLONE_THREAD") {
			threads[tid] = append(threads[tid], strings.Fields(res)[0])
		}
	}
	if len(lines) == 0 {
		t.Fatalf("an empty trace")
	}
	ginit := map[string]bool{}
	for todo := []string{lines[0].tid}; len(todo) > 0; todo = todo[1:] {
		if !ginit[todo[0]] {
			ginit[todo[0]] = true
			todo = append(todo, threads[todo[0]]...)
		}
	}
	for _, l := range lines {
		if ginit[l.tid] {
			own = append(own, l.call)
		} else {
			others++
		}
	}
	return own, others
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
