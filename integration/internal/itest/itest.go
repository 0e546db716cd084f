// Package itest is the end-to-end tests' harness: ginit built once, run as
// PID 1 of a new PID namespace, its output waited for line by line; the
// helper registry.
//
// A test package's TestMain is Main, given the package's own helpers.
// Helper children are the test binary run again (launch's helper
// protocol): Main dispatches them to the registry before any test runs.
// Tests named TestHeavy... (stress, the release builds, the quick bench)
// take long; make test runs them in a second pass, after all the others.
package itest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/internal/launch"
)

var (
	Ginit   string // the binary under test
	Self    string // this test binary, for helpers
	RootDir string // the repository
)

// Patience bounds every wait for something that must happen. It is not a
// timing assertion: on a slow machine things take longer, never fail.
const Patience = 60 * time.Second

// WrapperWarning is in ginit's warning that the main child died of the
// forwarded stop signal while a child of its own never received it.
const WrapperWarning = "without passing it on"

var (
	atExitMu sync.Mutex
	atExit   []func()
)

// AtExit registers f to run after every test, pass or fail: for images
// and directories shared by tests.
func AtExit(f func()) {
	atExitMu.Lock()
	defer atExitMu.Unlock()
	atExit = append(atExit, f)
}

// A helper runs on the main thread, locked to it here, before anything
// else: one that ends its main thread (mainexit) or sets per-thread state
// before exec must start there and stay there.
func init() {
	if _, _, ok := launch.AsHelper(); ok {
		runtime.LockOSThread()
	}
}

// Main is a test package's TestMain: in a helper child it runs the helper
// (from the shared registry or extra, the package's own) and exits; else
// it builds ginit as the Makefile does, runs the tests, then what AtExit
// registered.
func Main(m *testing.M, extra Helpers) {
	if name, args, ok := launch.AsHelper(); ok {
		os.Exit(runHelper(name, args, extra))
	}
	var err error
	if Self, err = os.Executable(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if RootDir, err = repository(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "ginit-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	Ginit = filepath.Join(dir, "ginit")
	// Built as the Makefile builds it, flags and all: the binary users get.
	build := exec.Command("make", "--no-print-directory", "-s", "-C", RootDir, "build", "OUT="+Ginit)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building ginit:", err)
		os.Exit(1)
	}
	code := m.Run()
	for _, f := range atExit {
		f()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// repository is the directory of go.mod, above the test's package directory.
func repository() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = up
	}
}

// Helper is the argv that runs helper name inside ginit.
func Helper(name string, args ...string) []string {
	return launch.Helper(Self, name, args...)
}

// Opts describes one run of ginit.
type Opts struct {
	Args  []string // ginit's arguments, including the program
	Init  string   // another program to run instead of ginit (tini, for contrast)
	Env   []string // added to the environment
	Stdin io.Reader
	// Stderr, when set, is ginit's stderr instead of a pipe the test reads
	// (Run.Stderr is then empty): a pipe nobody reads, or one whose reader
	// has gone.
	Stderr *os.File
	NotNS  bool // run as an ordinary process, not PID 1 of a new namespace
	Mount  bool // give the namespace its own /proc, as a container has
	// Via names helpers that set things up, then exec the next: space
	// separated, outermost first ("parent pdeathexec"), each NAME or
	// NAME:ARG:... ("nofile:64"); Mount puts mountproc first.
	Via   string
	Extra []*os.File
	// BareEnv: Env is the whole environment, not added to the test's.
	BareEnv bool
	Nobody  bool // run as user nobody (see launch.Spec)
	// TTY: stdin, stdout and stderr are a new pseudo-terminal, the
	// controlling terminal of a new session; Run.Lines reads its master
	// and Run.TTY writes to it.
	TTY bool
}

// Run is one ginit process and what it printed.
type Run struct {
	t     *testing.T
	Cmd   *exec.Cmd
	Lines chan string // stdout, line by line
	// errLines is stderr, line by line, for ExpectErr.
	errLines chan string
	TTY      *os.File // the terminal's master, with Opts.TTY
	mu       sync.Mutex
	out      bytes.Buffer // stdout, whole
	errBuf   bytes.Buffer // stderr, whole
	done     chan struct{}
	code     int
}

// Start runs ginit as PID 1 of a new PID namespace (in a new user namespace
// too when not root), and skips the test if the machine cannot.
func Start(t *testing.T, o Opts) *Run {
	t.Helper()
	bin := Ginit
	if o.Init != "" {
		bin = o.Init
	}
	argv := append([]string{bin}, o.Args...)
	if o.Mount {
		o.Via = strings.TrimSpace("mountproc " + o.Via)
	}
	vias := strings.Fields(o.Via)
	for i := len(vias) - 1; i >= 0; i-- {
		f := strings.Split(vias[i], ":")
		argv = append(Helper(f[0], f[1:]...), argv...)
	}
	// asyncpreemptoff: helpers are Go programs too, and a SIGURG their own
	// runtime sent would pass for a forwarded one.
	env := append([]string{launch.HelperEnv, "GODEBUG=asyncpreemptoff=1"}, o.Env...)
	if o.BareEnv {
		env = o.Env
	}
	spec := launch.Spec{Argv: argv, Env: env, BareEnv: o.BareEnv, NoNS: o.NotNS, Mount: o.Mount,
		Nobody: o.Nobody, Extra: o.Extra}
	r := &Run{t: t, Lines: make(chan string, 100000), errLines: make(chan string, 100000), done: make(chan struct{})}
	var stdout, stderr io.ReadCloser
	if o.TTY {
		m, s, err := launch.Pty()
		if err != nil {
			t.Skipf("SKIP: no pseudo-terminals here (/dev/ptmx): %v", err)
		}
		defer s.Close()
		t.Cleanup(func() { m.Close() })
		spec.TTY, r.TTY, stdout = s, m, m
	}
	cmd := launch.Command(spec)
	r.Cmd = cmd
	if !o.TTY {
		cmd.Stdin = o.Stdin
		var err error
		if stdout, err = cmd.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
		if o.Stderr != nil {
			cmd.Stderr = o.Stderr
		} else if stderr, err = cmd.StderrPipe(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Start(); err != nil {
		if launch.Refused(err) && (!o.NotNS || o.Nobody) {
			t.Skipf("SKIP: %v: %v", refusal(o), err)
		}
		t.Fatal(err)
	}
	var reading sync.WaitGroup
	reading.Add(1)
	go func() {
		defer reading.Done()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			r.mu.Lock()
			r.out.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
			r.Lines <- sc.Text()
		}
		close(r.Lines)
	}()
	if stderr != nil {
		reading.Add(1)
		go func() {
			defer reading.Done()
			readLines(stderr, &r.mu, &r.errBuf, r.errLines)
		}()
	} else {
		close(r.errLines)
	}
	go func() {
		reading.Wait()
		cmd.Wait()
		r.code = cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.code = 128 + int(ws.Signal())
		}
		close(r.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-r.done
		if t.Failed() {
			t.Logf("%s %q\nstdout:\n%s\nstderr:\n%s", filepath.Base(bin), o.Args, r.Stdout(), r.Stderr())
		}
	})
	return r
}

// readLines keeps what it reads from in whole, byte for byte, in buf
// (under mu), and sends each line, without its line end, to lines, which
// it closes at the end.
func readLines(from io.Reader, mu *sync.Mutex, buf *bytes.Buffer, lines chan string) {
	br := bufio.NewReader(from)
	for {
		l, err := br.ReadString('\n')
		if l != "" {
			mu.Lock()
			buf.WriteString(l)
			mu.Unlock()
			lines <- strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
		}
		if err != nil {
			close(lines)
			return
		}
	}
}

// OpenPty returns a pseudo-terminal's master and slave, closed after the
// test, or skips the test if the machine has none.
func OpenPty(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	m, s, err := launch.Pty()
	if err != nil {
		t.Skipf("SKIP: no pseudo-terminals here (/dev/ptmx): %v", err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// refusal says what the machine did not allow.
func refusal(o Opts) string {
	if o.NotNS {
		return "switching to user nobody needs root"
	}
	if o.Nobody {
		return "cannot map user nobody into a new user namespace (needs root)"
	}
	return launch.ErrNoNamespace.Error()
}

// Stdout is what ginit printed on stdout so far, whole.
func (r *Run) Stdout() string { r.mu.Lock(); defer r.mu.Unlock(); return r.out.String() }

// Stderr is what ginit printed on stderr so far, whole.
func (r *Run) Stderr() string { r.mu.Lock(); defer r.mu.Unlock(); return r.errBuf.String() }

// Done is closed when ginit has exited and its output is read.
func (r *Run) Done() <-chan struct{} { return r.done }

// Code is ginit's exit code (128+N if signal N killed it), once Done is closed.
func (r *Run) Code() int {
	<-r.done
	return r.code
}

// Wait returns ginit's exit code (128+N if a signal killed it).
func (r *Run) Wait() int {
	r.t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(Patience):
		r.t.Fatalf("ginit still running after %v; its processes:%s", Patience, leftover(r.Cmd.Process.Pid))
	}
	return -1
}

// Signal sends sig to ginit.
func (r *Run) Signal(sig syscall.Signal) {
	r.t.Helper()
	if err := r.Cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("signal %v: %v", sig, err)
	}
}

// ExitCode runs ginit to the end and returns its exit code.
func ExitCode(t *testing.T, args ...string) int {
	t.Helper()
	return Start(t, Opts{Args: args}).Wait()
}
