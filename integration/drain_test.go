package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
	"github.com/ginit-dev/ginit/internal/launch"
)

// Issue 10's stop defects, each as PID 1 of a new PID namespace.

// A job far longer than any bound ginit ever set by itself (the old drain
// bound was 5 s) finishes under ginit's default flags: after a stop signal
// ginit has no deadline of its own, and says every 10 s what it waits for.
func TestNoInventedDeadline(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: wrapper("35000"), Mount: true})
	r.Expect("worker ready")
	r.Signal(syscall.SIGTERM)
	r.Expect("worker: SIGTERM, finishing job")
	r.Expect("worker: job done")
	if code := r.Wait(); code != 143 {
		t.Errorf("exit %d, want 143 (the shell's death by SIGTERM)", code)
	}
	stderr := r.Stderr()
	if strings.Contains(stderr, "sent SIGKILL") {
		t.Errorf("ginit killed something without a deadline:\n%s", stderr)
	}
	if n := countLines(stderr, "waiting for processes to exit"); n < 2 {
		t.Errorf("%d status lines over 35 s, want one every 10 s:\n%s", n, stderr)
	}
	if !strings.Contains(stderr, "waiting_for=") || !strings.Contains(stderr, "deadline=none") {
		t.Errorf("status lines do not say for what and that there is no deadline:\n%s", stderr)
	}
}

// nsenter starts a process in ginit's namespace from outside, as docker
// exec and kubectl exec do: its parent is not in the namespace.
func nsenter(t *testing.T, r *itest.Run, argv ...string) chan string {
	t.Helper()
	path, err := exec.LookPath("nsenter")
	if err != nil {
		t.Skip("SKIP: no nsenter (util-linux)")
	}
	cmd := exec.Command(path, append([]string{"-t", strconv.Itoa(r.Cmd.Process.Pid), "-p", "--"}, argv...)...)
	cmd.Env = append(os.Environ(), launch.HelperEnv, "GODEBUG=asyncpreemptoff=1")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Skipf("SKIP: nsenter cannot enter the namespace: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return itest.ScanLines(out)
}

// An exec session is drained and waited for like any other process, even
// when it is the only one left.
func TestExecSessionDrained(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("record", "TERM"), Mount: true})
	r.Expect("ready")
	session := nsenter(t, r, itest.Helper("worker", "3000")...)
	itest.WaitLine(t, session, "worker ready")
	r.Signal(syscall.SIGTERM)
	itest.WaitLine(t, session, "worker: SIGTERM, finishing job")
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d, want the main child's 0", code)
	}
	stderr := r.Stderr()
	if !strings.Contains(stderr, "process exited") || !strings.Contains(stderr, "every process has exited") {
		t.Errorf("ginit did not wait for the session:\n%s", stderr)
	}
	if strings.Contains(stderr, "sent SIGKILL") {
		t.Errorf("the session was killed:\n%s", stderr)
	}
	itest.WaitLine(t, session, "worker: job done")
}

// A stopped process left behind gets SIGCONT after the stop signal, so its
// handler runs at once.
func TestStoppedOrphanResumes(t *testing.T) {
	t.Parallel()
	script := `trap 'echo stopped one: SIGTERM; exit 0' TERM; echo ready >&3; exec 3>&-; kill -STOP $$; while :; do sleep 0.05; done`
	r := itest.Start(t, itest.Opts{Args: itest.Helper("bg", "0", "/bin/sh", "-c", script+" & wait")})
	r.Expect("left behind")
	r.Expect("stopped one: SIGTERM")
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
	if strings.Contains(r.Stderr(), "sent SIGKILL") {
		t.Errorf("the stopped process was killed, not resumed:\n%s", r.Stderr())
	}
}

// A process whose main thread has exited while another runs shows Z in
// /proc, but lives: it is signalled, named and waited for.
func TestMainThreadExitedProcess(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("bg", append([]string{"0"}, itest.Helper("mainexit")...)...), Mount: true})
	r.Expect("left behind")
	r.Expect("mainexit: SIGTERM")
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
	stderr := r.Stderr()
	if !strings.Contains(stderr, "count=1") || strings.Contains(stderr, "sent SIGKILL") {
		t.Errorf("the Z-but-alive process was not drained as alive:\n%s", stderr)
	}
}

// R -> A -> B: A exits mid-drain, by itself; B, handed to ginit, gets the
// stop signal then and finishes its job.
func TestReparentedGrandchildSignalled(t *testing.T) {
	t.Parallel()
	gate := filepath.Join(t.TempDir(), "gate")
	b := strings.Join(itest.Helper("worker", "500"), " ")
	a := "sh -c '" + b + " & while [ ! -e " + gate + " ]; do sleep 0.05; done'"
	rScript := "trap 'echo R: SIGTERM; wait; exit 0' TERM; " + a + " & wait"
	r := itest.Start(t, itest.Opts{Args: itest.Helper("bg", "0", "/bin/sh", "-c", "echo R up; "+rScript)})
	r.Expect("worker ready")
	r.Expect("R: SIGTERM") // the drain has begun; A and B are left to their parents
	os.WriteFile(gate, nil, 0o644)
	r.Expect("worker: SIGTERM, finishing job")
	r.Expect("worker: job done")
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(r.Stderr(), "parent exited; draining what it left") || strings.Contains(r.Stderr(), "sent SIGKILL") {
		t.Errorf("B was not drained when A left it:\n%s", r.Stderr())
	}
}

// A 1000-deep chain that exits level by level on SIGTERM: the drain's own
// work grows linearly. Counted in files ginit opens (strace), not in time,
// which a busy machine would stretch: a rescan of /proc on each exit, as
// before, opens about 2,000 files per level; reading ginit's own children
// about ten.
func TestDeepChainDrainsLinearly(t *testing.T) {
	t.Parallel()
	const depth = 1000
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("SKIP: no strace (make deps installs it)")
	}
	dir := t.TempDir()
	chain := filepath.Join(dir, "chain.sh")
	os.WriteFile(chain, []byte(`trap 'exit 0' TERM
if [ "$1" -gt 0 ]; then sh `+chain+` $(($1 - 1)) & else echo bottom ready; sleep 1000 & fi
wait
`), 0o755)
	r := itest.Start(t, itest.Opts{Args: []string{"sh", "-c", "sh " + chain + " " + strconv.Itoa(depth) + " & read x; exit 0"},
		Stdin: neverEnding(t), Mount: true})
	r.Expect("bottom ready")
	// Attach to every thread of ginit, count its opens, and detach at its exit.
	summary := filepath.Join(dir, "strace")
	st := exec.Command(strace, "-f", "-c", "-e", "trace=open,openat", "-o", summary, "-p", strconv.Itoa(r.Cmd.Process.Pid))
	stderr, _ := st.StderrPipe()
	if err := st.Start(); err != nil {
		t.Skipf("SKIP: cannot run strace: %v", err)
	}
	attached := itest.ScanLines(stderr)
	itest.WaitLine(t, attached, "attached")
	began := time.Now()
	r.Signal(syscall.SIGTERM)
	if code := r.Wait(); code != 143 {
		t.Errorf("exit %d, want 143", code)
	}
	took := time.Since(began)
	st.Wait()
	b, _ := os.ReadFile(summary)
	opens := 0
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 5 && (f[len(f)-1] == "openat" || f[len(f)-1] == "open") {
			n, _ := strconv.Atoi(f[3])
			opens += n
		}
	}
	if opens == 0 {
		t.Fatalf("strace counted no opens:\n%s", b)
	}
	if opens > 50*depth {
		t.Errorf("ginit opened %d files to drain a %d-deep chain: not linear", opens, depth)
	}
	if strings.Contains(r.Stderr(), "sent SIGKILL") {
		t.Errorf("the chain was killed:\n%s", r.Stderr())
	}
	t.Logf("%d opens, %v, for a %d-deep chain", opens, took, depth)
}

// neverEnding is a stdin that stays open for the test's life.
func neverEnding(t *testing.T) *os.File {
	r, w, _ := os.Pipe()
	t.Cleanup(func() { w.Close(); r.Close() })
	return r
}

// When ginit's deadline kills work during a stop, the exit code says so:
// 137, not the 143 of a wrapper that died of SIGTERM; -e can remap it.
func TestDeadlineKillExitCode(t *testing.T) {
	t.Parallel()
	app := []string{"sh", "-c", "echo starting; " + strings.Join(itest.Helper("ignoreterm"), " ")}
	for _, tc := range []struct {
		extra []string
		want  int
	}{{nil, 137}, {[]string{"-e", "137"}, 0}} {
		r := itest.Start(t, itest.Opts{Args: append(append([]string{"--grace", "2s"}, tc.extra...), app...)})
		r.Expect("ready")
		r.Signal(syscall.SIGTERM)
		if code := r.Wait(); code != tc.want {
			t.Errorf("%v: exit %d, want %d", tc.extra, code, tc.want)
		}
		stderr := r.Stderr()
		if !strings.Contains(stderr, "deadline passed; sent SIGKILL") || !regexp.MustCompile(`killed=\d+\(`).MatchString(stderr) ||
			!strings.Contains(stderr, `deadline="the grace period (--grace 2s)"`) {
			t.Errorf("the kill line does not name what was killed and which deadline:\n%s", stderr)
		}
	}
}

// A drain that no stop began has a bound (30 s without --grace); a stop
// signal arriving during it lifts that bound, since during a stop only
// --grace may kill: a job longer than the bound still finishes.
func TestStopDuringDrainLiftsDefaultBound(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("bg", append([]string{"5"}, itest.Helper("worker", "35000")...)...)})
	r.Expect("left behind")
	r.Expect("worker: SIGTERM, finishing job") // the drain's signal
	r.Signal(syscall.SIGTERM)                  // then the orchestrator's stop
	r.Expect("worker: job done")
	if code := r.Wait(); code != 5 {
		t.Errorf("exit %d, want the main child's 5", code)
	}
	if stderr := r.Stderr(); strings.Contains(stderr, "sent SIGKILL") || !strings.Contains(stderr, "stop signal received while draining") {
		t.Errorf("the default bound was not lifted by the stop:\n%s", stderr)
	}
}

// Without /proc ginit cannot name or hold anything: it drains blind (the
// stop signal to every process) and waits for its own children.
func TestDrainWithoutProc(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("bg", append([]string{"0"}, itest.Helper("worker", "500")...)...), Mount: true,
		Env: []string{"GINIT_TEST_NOPROC=1"}})
	r.Expect("left behind")
	r.Expect("worker: job done")
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(r.Stderr(), "cannot list processes") {
		t.Errorf("no warning that /proc is missing:\n%s", r.Stderr())
	}
}

// With -s (not PID 1, so no kill(-1)), the final SIGKILL goes to each
// descendant through its pidfd, and again to whatever a forking process
// left, until no descendant is left.
func TestSubreaperKillsForkingDescendants(t *testing.T) {
	t.Parallel()
	mark := strconv.Itoa(4000 + int(time.Now().UnixNano()%1000))
	app := "trap '' TERM; echo forking; while :; do sleep " + mark + " & sleep 0.01; done"
	r := itest.Start(t, itest.Opts{Args: []string{"-s", "--grace", "1s", "sh", "-c", app}, NotNS: true})
	r.Expect("forking")
	r.Signal(syscall.SIGTERM)
	if code := r.Wait(); code != 137 {
		t.Errorf("exit %d, want 137", code)
	}
	stderr := r.Stderr()
	if !strings.Contains(stderr, "every process has exited") || strings.Contains(stderr, "processes remain") {
		t.Errorf("descendants survived the final SIGKILL:\n%s", stderr)
	}
	if out, _ := exec.Command("pgrep", "-f", "sleep "+mark).Output(); len(out) > 0 {
		t.Errorf("left running after ginit exited: %s", out)
	}
}
