package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
	"golang.org/x/sys/unix"
)

// ginit makes every thread it needs before the child starts
// (cmd/ginit/threads.go): an app that uses every pid of its cgroup must
// not crash PID 1 by leaving none for a thread the Go runtime asks for.

// pidsCgroup creates a cgroup with pids.max max beside this process's own,
// in the pids hierarchy of cgroup version v (1 or 2), and removes it when
// the test ends; it skips the test where that cannot be had.
func pidsCgroup(t *testing.T, v, max int) string {
	t.Helper()
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Skipf("SKIP: no /proc/self/cgroup: %v", err)
	}
	var dir string
	for _, line := range strings.Split(string(self), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		switch {
		case v == 2 && f[0] == "0" && f[1] == "":
			for _, root := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
				c, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
				if err == nil && bytes.Contains(c, []byte("pids")) {
					dir = filepath.Join(root, f[2])
				}
			}
		case v == 1 && strings.Contains(","+f[1]+",", ",pids,"):
			dir = filepath.Join("/sys/fs/cgroup/pids", f[2])
		}
	}
	if dir == "" {
		t.Skipf("SKIP: no pids controller in cgroup v%d here", v)
	}
	if v == 2 {
		// A v2 cgroup's children get a controller only when it is enabled
		// in the parent's subtree_control.
		os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+pids"), 0)
	}
	dir = filepath.Join(dir, fmt.Sprintf("ginit-pids-%d-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "-")))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("SKIP: cannot create a pids cgroup (needs root and a writable cgroupfs): %v", err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	if err := os.WriteFile(filepath.Join(dir, "pids.max"), []byte(strconv.Itoa(max)), 0); err != nil {
		t.Skipf("SKIP: cannot set pids.max on %s: %v", dir, err)
	}
	return dir
}

// pidsFill builds testdata/pidsfill.c once per test binary.
func pidsFill(t *testing.T) string {
	t.Helper()
	pidsFillOnce.Do(func() {
		cc, err := exec.LookPath("cc")
		if err != nil {
			pidsFillErr = "no C compiler (cc) to build testdata/pidsfill.c (make deps installs gcc): " + err.Error()
			return
		}
		dir, err := os.MkdirTemp("", "ginit-pidsfill-")
		if err != nil {
			pidsFillErr = err.Error()
			return
		}
		itest.AtExit(func() { os.RemoveAll(dir) })
		pidsFillBin = filepath.Join(dir, "pidsfill")
		out, err := exec.Command(cc, "-O", "-o", pidsFillBin, filepath.Join(itest.RootDir, "integration/testdata/pidsfill.c")).CombinedOutput()
		if err != nil {
			pidsFillErr = "the C compiler cannot build testdata/pidsfill.c (libc6-dev missing?): " + err.Error() + "\n" + string(out)
		}
	})
	if pidsFillErr != "" {
		t.Skip("SKIP: " + pidsFillErr)
	}
	return pidsFillBin
}

var (
	pidsFillOnce sync.Once
	pidsFillBin  string
	pidsFillErr  string
)

// stalledStderr is a pipe that is full from the start and that nobody
// reads: ginit's log writer blocks on its first line.
func stalledStderr(t *testing.T) *os.File {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pr.Close(); pw.Close() })
	unix.FcntlInt(pw.Fd(), unix.F_SETPIPE_SZ, 4096)
	raw, err := pw.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	raw.Control(func(fd uintptr) {
		syscall.SetNonblock(int(fd), true)
		fill := bytes.Repeat([]byte("x"), 4096)
		for {
			if _, err := syscall.Write(int(fd), fill); err != nil {
				break
			}
		}
		syscall.SetNonblock(int(fd), false)
	})
	return pw
}

// threads is the thread count of process pid, from /proc; 0 once it is gone.
func threads(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// mostThreads samples pid's thread count until it exits (or done is
// closed) and sends the highest it saw.
func mostThreads(pid int, done <-chan struct{}) <-chan int {
	c := make(chan int, 1)
	go func() {
		most := 0
		for {
			select {
			case <-done:
				c <- most
				return
			default:
			}
			most = max(most, threads(pid))
			time.Sleep(200 * time.Microsecond)
		}
	}()
	return c
}

// storm is what an operator's tooling and a terminal send besides the stop.
var storm = []syscall.Signal{syscall.SIGWINCH, syscall.SIGUSR1, syscall.SIGWINCH, syscall.SIGUSR2, syscall.SIGHUP}

// ginit makes no thread once the child runs: its count after a signal
// storm, with -vvv, a stalled stderr and a drain of processes left behind,
// is the count it had when the app was ready.
func TestThreadsFixedAfterStart(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: append([]string{"-vvv", "-w"}, itest.Helper("termwaiters", "50", "300")...),
		Stderr: stalledStderr(t)})
	r.Expect("termwaiters ready")
	pid := r.Cmd.Process.Pid
	before := threads(pid)
	most := mostThreads(pid, r.Done())
	harmless := []syscall.Signal{syscall.SIGWINCH, syscall.SIGURG, syscall.SIGCONT} // the helper's defaults ignore them
	for i := range 25 {
		r.Signal(harmless[i%len(harmless)])
	}
	r.Signal(syscall.SIGTERM)
	for i := range 25 {
		r.Cmd.Process.Signal(harmless[i%len(harmless)]) // ginit may be gone before the last
	}
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d, want the app's 0", code)
	}
	if m := <-most; m > before {
		t.Errorf("ginit had %d threads when the app was ready and %d after: it made threads once the child ran", before, m)
	}
	t.Logf("ginit's threads: %d", before)
}

// An app uses every pid its cgroup allows, then needs 3 s after SIGTERM;
// SIGTERM comes with a storm of 50 other signals, ginit logs at -vvv to a
// stderr nobody reads. The work completes and ginit exits with the app's
// code, 20 runs of 20, in cgroup v1 and v2 as the machine has them.
func TestHeavyPidsCgroupFull(t *testing.T) {
	t.Parallel()
	app := pidsFill(t)
	for _, v := range []int{1, 2} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			t.Parallel()
			pidsCgroup(t, v, 64) // skips early where there is none
			for i := range 20 {
				t.Run(strconv.Itoa(i), func(t *testing.T) {
					t.Parallel()
					pidsFullRun(t, app, pidsCgroup(t, v, 64))
				})
			}
		})
	}
}

// pidsFullRun is one run of TestHeavyPidsCgroupFull in the cgroup dir.
func pidsFullRun(t *testing.T, app, dir string) {
	done := filepath.Join(t.TempDir(), "done")
	r := itest.Start(t, itest.Opts{Via: "incgroup:" + dir, Args: []string{"-vvv", app, done, "7", "3000"},
		Stderr: stalledStderr(t)})
	r.Expect("pidsfill ready")
	pid := r.Cmd.Process.Pid
	before := threads(pid)
	most := mostThreads(pid, r.Done())
	r.Signal(syscall.SIGTERM)
	for i := range 50 {
		r.Signal(storm[i%len(storm)])
	}
	if code := r.Wait(); code != 7 {
		t.Errorf("exit %d, want the app's 7 (2: ginit's runtime crashed; 137: the app was killed)\nstdout:\n%s", code, r.Stdout())
	}
	if b, _ := os.ReadFile(done); string(b) != "work done\n" {
		t.Errorf("the app's work did not complete: %q", b)
	}
	if m := <-most; m > before {
		t.Errorf("ginit had %d threads when the cgroup was full and %d after", before, m)
	}
}
