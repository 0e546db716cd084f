package integration

// Nothing around PID 1 may turn it against the app: a stderr whose reader
// has gone or that nobody reads, a FIFO or a planted symlink as the report
// file, a descriptor limit below the number of processes, a seccomp filter
// that refuses half of the pidfd interface, a process group the child has
// left, an OOM kill long before an unrelated SIGKILL.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// The reader of ginit's stderr has gone: ginit's own failed writes must
// not become a SIGPIPE for the app (which would lose its job), nor spin.
func TestStderrReaderGone(t *testing.T) {
	t.Parallel()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pr.Close()
	defer pw.Close()
	report := filepath.Join(t.TempDir(), "report")
	r := itest.Start(t, itest.Opts{Args: append([]string{"-vvv", "--report-file", report}, itest.Helper("worker", "3000")...), Stderr: pw})
	r.Expect("worker ready")
	r.Signal(syscall.SIGTERM)
	r.Expect("finishing job")
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d, want the worker's 0 (a SIGPIPE forwarded to it gives 141)", code)
	}
	if !strings.Contains(r.Stdout(), "worker: job done") {
		t.Errorf("the job did not finish:\n%s", r.Stdout())
	}
	if cpu := r.Cmd.ProcessState.UserTime() + r.Cmd.ProcessState.SystemTime(); cpu > time.Second {
		t.Errorf("ginit used %v of CPU in a 3 s job: it spins on its broken stderr", cpu)
	}
	b, _ := os.ReadFile(report)
	if !strings.Contains(string(b), "log: stderr failed (broken pipe)") {
		t.Errorf("the report file does not say stderr broke:\n%s", b)
	}
}

// At -v every forwarded signal is a log line: with a broken stderr, each
// line's SIGPIPE must not come back as one more signal to forward.
func TestStderrReaderGoneForwarding(t *testing.T) {
	t.Parallel()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pr.Close()
	defer pw.Close()
	r := itest.Start(t, itest.Opts{Args: append([]string{"-v"}, itest.Helper("record", "SIGUSR2", "5")...), Stderr: pw})
	r.Expect("ready")
	r.Signal(syscall.SIGWINCH)
	r.Expect("got SIGWINCH")
	r.Signal(syscall.SIGUSR2)
	if code := r.Wait(); code != 5 {
		t.Errorf("exit %d, want 5", code)
	}
	if strings.Contains(r.Stdout(), "SIGPIPE") {
		t.Errorf("the app was sent ginit's own SIGPIPE:\n%s", r.Stdout())
	}
	if cpu := r.Cmd.ProcessState.UserTime() + r.Cmd.ProcessState.SystemTime(); cpu > time.Second {
		t.Errorf("ginit used %v of CPU: a forwarding loop", cpu)
	}
}

// A stderr pipe that nobody reads (a stalled log collector) must not stall
// the loop: the app's exit is reaped and ginit exits with its code.
func TestStderrNeverRead(t *testing.T) {
	t.Parallel()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	// Fill the pipe, so that ginit's first write would block.
	fd := int(pw.Fd()) // once: Fd puts the file back in blocking mode
	syscall.SetNonblock(fd, true)
	for {
		if _, err := syscall.Write(fd, make([]byte, 4096)); err != nil {
			break
		}
	}
	syscall.SetNonblock(fd, false)
	report := filepath.Join(t.TempDir(), "report")
	r := itest.Start(t, itest.Opts{Args: append([]string{"-vvv", "--report-file", report}, itest.Helper("worker", "200")...), Stderr: pw})
	r.Expect("worker ready")
	r.Signal(syscall.SIGTERM)
	r.Expect("worker: job done")
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d, want the worker's 0", code)
	}
	b, _ := os.ReadFile(report)
	if !strings.Contains(string(b), "log: stderr not draining") {
		t.Errorf("the report file does not say stderr stalled:\n%s", b)
	}
}

// A report file that is a FIFO nobody reads is a warning, not a hang.
func TestReportFileFIFO(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("SKIP: cannot make a FIFO: %v", err)
	}
	r := itest.Start(t, itest.Opts{Args: append([]string{"--report-file", fifo}, itest.Helper("exit", "3")...)})
	if code := r.Wait(); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	if !strings.Contains(r.Stderr(), "a FIFO with no reader") {
		t.Errorf("no warning about the FIFO:\n%s", r.Stderr())
	}
}

// A symlink that another user could have planted is not followed; one only
// root (or ginit's user) could have made is (/dev/stderr).
func TestReportFileSymlink(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("SKIP: not root: the planted symlink must belong to another user")
	}
	t.Parallel()
	dir := t.TempDir()
	os.Chmod(dir, 0o777) // a directory the app (another user) can write
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("precious\n"), 0o600)
	link := filepath.Join(dir, "report")
	os.Symlink(target, link)
	if err := os.Lchown(link, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	r := itest.Start(t, itest.Opts{Args: append([]string{"--report-file", link}, itest.Helper("exit", "3")...)})
	if code := r.Wait(); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	if b, _ := os.ReadFile(target); string(b) != "precious\n" {
		t.Errorf("ginit wrote through a symlink owned by nobody: %q", b)
	}
	if !strings.Contains(r.Stderr(), "a symlink, not followed") {
		t.Errorf("no warning about the symlink:\n%s", r.Stderr())
	}

	safe := t.TempDir() // root's, 0700
	own := filepath.Join(safe, "report")
	os.Symlink(target, own)
	r = itest.Start(t, itest.Opts{Args: append([]string{"--report-file", own}, itest.Helper("exit", "3")...)})
	r.Wait()
	if b, _ := os.ReadFile(target); !strings.Contains(string(b), "exit code 3") {
		t.Errorf("ginit did not follow root's own symlink in root's directory: %q\n%s", b, r.Stderr())
	}
}

// Far more processes than descriptors: every one must get the stop signal
// (held by pid and start time when no pidfd can be had), none a SIGKILL,
// and the log must say that the limit was hit.
func TestDescriptorLimit(t *testing.T) {
	t.Parallel()
	const n = 300
	r := itest.Start(t, itest.Opts{Mount: true, Via: "nofile:64", Args: append([]string{"--grace", "30s"},
		itest.Helper("termwaiters", "300", "1000")...)})
	r.Expect("termwaiters ready")
	r.Signal(syscall.SIGTERM)
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	stderr := r.Stderr()
	if !strings.Contains(stderr, "descriptor limit reached") {
		t.Errorf("the log does not say the descriptor limit was reached")
	}
	if strings.Contains(stderr, "sent SIGKILL") {
		t.Errorf("processes were SIGKILLed: some never had the stop signal")
	}
	if !strings.Contains(stderr, "every process has exited count=300") {
		t.Errorf("not every one of the %d processes drained", n)
	}
	if t.Failed() {
		t.Log(stderr)
	}
}

// A seccomp filter that refuses pidfd_send_signal, pidfd_open, or both:
// the drain must still reach the worker its wrapper left (by kill, after
// the start-time check), and say how it holds processes.
func TestSeccompRefusesPidfds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ calls, errno, mode string }{
		{"send", "EPERM", "pidfd_send_signal: operation not permitted"},
		{"open", "EPERM", "pidfd_open: operation not permitted"},
		{"open,send", "ENOSYS", "pidfd_open: function not implemented"},
	} {
		t.Run(tc.calls+"/"+tc.errno, func(t *testing.T) {
			t.Parallel()
			r := itest.Start(t, itest.Opts{Mount: true, Via: "seccomp:" + tc.calls + ":" + tc.errno,
				Args: itest.Helper("bg", "0", itest.Self, "helper:worker", "2000")})
			r.Expect("left behind")
			if code := r.Wait(); code != 0 {
				t.Errorf("exit %d, want 0", code)
			}
			if !strings.Contains(r.Stdout(), "worker: job done") {
				t.Errorf("the worker did not get SIGTERM and finish:\n%s", r.Stdout())
			}
			if want := `handles="pid and start time (` + tc.mode + `)"`; !strings.Contains(r.Stderr(), want) {
				t.Errorf("the drain line does not say %s:\n%s", want, r.Stderr())
			}
			if strings.Contains(r.Stderr(), "sent SIGKILL") {
				t.Errorf("a SIGKILL:\n%s", r.Stderr())
			}
		})
	}
}

// Not PID 1, with pidfd_send_signal refused: ginit's SIGKILL at --grace
// must still reach an orphan that ignores SIGTERM, which must not outlive
// ginit.
func TestSeccompKillNotPID1(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{NotNS: true, Via: "seccomp:send:EPERM",
		Args: append([]string{"-s", "--grace", "1s"}, itest.Helper("bg", "0", itest.Self, "helper:ignoreterm")...)})
	line := r.Expect("left behind pid=")
	var pid int
	if _, err := fmt.Sscanf(line[strings.Index(line, "pid=")+4:], "%d", &pid); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	r.Signal(syscall.SIGTERM)
	if code := r.Wait(); code != 137 {
		t.Errorf("exit %d, want 137 (ginit's deadline killed work)", code)
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && !strings.Contains(string(b), ") Z ") {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the orphan %d outlived ginit: %s\n%s", pid, b, r.Stderr())
	}
}

// -g when the main child has left its process group: the group signal
// reaches nobody (ESRCH), so the child itself gets it, and the log says so.
func TestGroupLeftByChild(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Mount: true, Args: append([]string{"-g"}, itest.Helper("leavegroup", "SIGTERM", "7")...)})
	r.Expect("ready")
	r.Signal(syscall.SIGTERM)
	if code := r.Wait(); code != 7 {
		t.Errorf("exit %d, want 7: the child never got SIGTERM\n%s", code, r.Stderr())
	}
	if !strings.Contains(r.Stderr(), `to="child (its process group is empty)"`) {
		t.Errorf("the log does not say where the signal went:\n%s", r.Stderr())
	}
}

// An OOM kill that ginit did not reap (a worker pool's master reaped its
// worker) must not be blamed on a later, unrelated SIGKILL of the main
// child, once ginit has reaped anything in between.
func TestStaleOOMNotBlamed(t *testing.T) {
	t.Parallel()
	dir := memoryCgroup(t)
	r := itest.Start(t, itest.Opts{Mount: true, Via: "incgroup:" + dir, Args: itest.Helper("oommaster", itest.Self, "helper:hog")})
	r.Expect("oommaster: hog ended: signal: killed")
	r.Expect("the orphan is reaped")
	if code := r.Wait(); code != 137 {
		t.Errorf("exit %d, want 137", code)
	}
	if strings.Contains(r.Stderr(), "out of memory") {
		t.Errorf("a stale OOM kill was blamed on the main child's SIGKILL:\n%s", r.Stderr())
	}
}
