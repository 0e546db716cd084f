// Package integration runs the real ginit binary, built once, as PID 1 of
// a new PID namespace, with helper children that are this test binary run
// again (TestMain dispatches on GINIT_HELPER). Tests named TestHeavy...
// (stress, the release builds, the quick bench) take long; make test runs
// them in a second pass, after all the others.
package integration

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/internal/launch"
)

var (
	ginit   string // the binary under test
	self    string // this test binary, for helpers
	rootDir string // the repository
)

// atExit runs after every test, pass or fail: images shared by tests.
var atExit []func()

// patience bounds every wait for something that must happen. It is not a
// timing assertion: on a slow machine things take longer, never fail.
const patience = 60 * time.Second

func TestMain(m *testing.M) {
	if name, args, ok := launch.AsHelper(); ok {
		os.Exit(runHelper(name, args))
	}
	var err error
	if self, err = os.Executable(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "ginit-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rootDir, _ = filepath.Abs("..")
	ginit = filepath.Join(dir, "ginit")
	// Built as the Makefile builds it, flags and all: the binary users get.
	build := exec.Command("make", "--no-print-directory", "-s", "-C", rootDir, "build", "OUT="+ginit)
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

// helper is the argv that runs helper name inside ginit.
func helper(name string, args ...string) []string {
	return launch.Helper(self, name, args...)
}

// opts describes one run of ginit.
type opts struct {
	args  []string // ginit's arguments, including the program
	init  string   // another program to run instead of ginit (tini, for contrast)
	env   []string // added to the environment
	stdin io.Reader
	// stderr, when set, is ginit's stderr instead of a pipe the test reads
	// (run.stderr is then empty): a pipe nobody reads, or one whose reader
	// has gone.
	stderr *os.File
	notNS  bool // run as an ordinary process, not PID 1 of a new namespace
	mount  bool // give the namespace its own /proc, as a container has
	// via names helpers that set things up, then exec the next: space
	// separated, outermost first ("parent pdeathexec"), each NAME or
	// NAME:ARG:... ("nofile:64"); mount puts mountproc first.
	via   string
	extra []*os.File
	// bareEnv: env is the whole environment, not added to the test's.
	bareEnv bool
	nobody  bool // run as user nobody (see launch.Spec)
	// tty: stdin, stdout and stderr are a new pseudo-terminal, the
	// controlling terminal of a new session; run.lines reads its master
	// and run.tty writes to it.
	tty bool
}

// run is one ginit process and what it printed.
type run struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string // stdout, line by line
	mu     sync.Mutex
	out    bytes.Buffer  // stdout, whole
	errBuf bytes.Buffer  // stderr, whole
	grew   chan struct{} // closed when stderr grows, then replaced
	tty    *os.File      // the terminal's master, with opts.tty
	done   chan struct{}
	code   int
}

// start runs ginit as PID 1 of a new PID namespace (in a new user namespace
// too when not root), and skips the test if the machine cannot.
func start(t *testing.T, o opts) *run {
	t.Helper()
	bin := ginit
	if o.init != "" {
		bin = o.init
	}
	argv := append([]string{bin}, o.args...)
	if o.mount {
		o.via = strings.TrimSpace("mountproc " + o.via)
	}
	vias := strings.Fields(o.via)
	for i := len(vias) - 1; i >= 0; i-- {
		f := strings.Split(vias[i], ":")
		argv = append(helper(f[0], f[1:]...), argv...)
	}
	// asyncpreemptoff: helpers are Go programs too, and a SIGURG their own
	// runtime sent would pass for a forwarded one.
	env := append([]string{launch.HelperEnv, "GODEBUG=asyncpreemptoff=1"}, o.env...)
	if o.bareEnv {
		env = o.env
	}
	spec := launch.Spec{Argv: argv, Env: env, BareEnv: o.bareEnv, NoNS: o.notNS, Mount: o.mount,
		Nobody: o.nobody, Extra: o.extra}
	r := &run{t: t, lines: make(chan string, 100000), done: make(chan struct{}), grew: make(chan struct{})}
	var stdout io.ReadCloser
	if o.tty {
		m, s, err := launch.Pty()
		if err != nil {
			t.Skipf("SKIP: no pseudo-terminals here (/dev/ptmx): %v", err)
		}
		defer s.Close()
		t.Cleanup(func() { m.Close() })
		spec.TTY, r.tty, stdout = s, m, m
	}
	cmd := launch.Command(spec)
	r.cmd = cmd
	if !o.tty {
		cmd.Stdin = o.stdin
		var err error
		if stdout, err = cmd.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = stderrWriter{r}
		if o.stderr != nil {
			cmd.Stderr = o.stderr
		}
	}
	if err := cmd.Start(); err != nil {
		if launch.Refused(err) && (!o.notNS || o.nobody) {
			t.Skipf("SKIP: %v: %v", refusal(o), err)
		}
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			r.mu.Lock()
			r.out.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
			r.lines <- sc.Text()
		}
		close(r.lines)
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
			t.Logf("%s %q\nstdout:\n%s\nstderr:\n%s", filepath.Base(bin), o.args, r.stdout(), r.stderr())
		}
	})
	return r
}

// refusal says what the machine did not allow.
func refusal(o opts) string {
	if o.notNS {
		return "switching to user nobody needs root"
	}
	if o.nobody {
		return "cannot map user nobody into a new user namespace (needs root)"
	}
	return launch.ErrNoNamespace.Error()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// stderrWriter keeps ginit's stderr and tells expectErr that it grew.
type stderrWriter struct{ r *run }

func (w stderrWriter) Write(p []byte) (int, error) {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	close(w.r.grew)
	w.r.grew = make(chan struct{})
	return w.r.errBuf.Write(p)
}

func (r *run) stdout() string { r.mu.Lock(); defer r.mu.Unlock(); return r.out.String() }
func (r *run) stderr() string { r.mu.Lock(); defer r.mu.Unlock(); return r.errBuf.String() }

// wait returns ginit's exit code (128+N if a signal killed it).
func (r *run) wait() int {
	r.t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(patience):
		r.t.Fatalf("ginit still running after %v", patience)
	}
	return -1
}

func (r *run) signal(sig syscall.Signal) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("signal %v: %v", sig, err)
	}
}

// exitCode runs ginit to the end and returns its exit code.
func exitCode(t *testing.T, args ...string) int {
	t.Helper()
	return start(t, opts{args: args}).wait()
}
