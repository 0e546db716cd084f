package integration

// The shared pieces of the real-stack tests (stack_*_test.go): every
// container of issue 19's product, an app server started by `bash
// startup.sh` without exec, with one unit of work in flight (a request, an
// RPC, a task) when the orchestrator stops it. At production proportions:
// the app's own shutdown bound (25 s) < ginit's --grace (28 s) < the
// orchestrator's deadline (30 s, orchestratorDeadline); the work takes
// stackWork, SIGTERM comes 1 s into it, so it needs 11 s after SIGTERM,
// more than twice any bound ginit ever set by itself (oldBound). Each test
// runs the anchors (tini, tini -g, dumb-init, catatonit) in the same run:
// they must lose the work, or the test proves nothing.

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// stackWork is how long the unit of work in flight takes.
	stackWork = 12 * time.Second
	// stackInto is how far into the work the orchestrator's SIGTERM comes.
	stackInto = time.Second
)

// stackCase is one init in front of one app.
type stackCase struct {
	name string
	init string   // "" for ginit, else a program looked up in $PATH
	args []string // the init's arguments, the app's included
	env  []string // the app's own, besides the marks and the port
	want string   // completed or lost; "" records the fate without a verdict
	code int      // ginit's exit code; -1: not checked
}

// work is what a unit of work needs to know of its case.
type work struct {
	port int
	dir  string        // the marks directory
	env  []string      // the case's environment: marks, port, the app's own
	gone chan struct{} // closed when PID 1 has exited
}

// stackApp says how to drive one app.
type stackApp struct {
	ready   func(port int) bool                    // the app answers
	request func(w work) (reply string, err error) // the unit of work; blocks until it ends
	reply   string                                 // the reply of work done in full
	probe   bool                                   // new connections must be refused once the stop began
	exits   bool                                   // measure the app's exit against PID 1's
}

// stackDir is a directory of the case's own: the app writes its marks there.
func stackDir(t *testing.T) string {
	t.Helper()
	// Not t.TempDir: a unix socket's path must stay under 108 bytes, and
	// nginx's workers (user nobody) must be able to enter it.
	dir, err := os.MkdirTemp("", "ginit-st-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// freePort is a loopback port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// listening: something accepts connections on the port.
func listening(port int) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// anchors are the other inits, each of which must lose the work.
func anchors(app ...string) []stackCase {
	return []stackCase{
		{name: "tini-static", init: "tini-static", args: append([]string{"--"}, app...), want: lost, code: -1},
		{name: "tini -g", init: "tini", args: append([]string{"-g", "--"}, app...), want: lost, code: -1},
		// dumb-init signals the child's process group by default, as -g does.
		{name: "dumb-init", init: "dumb-init", args: append([]string{"--"}, app...), want: lost, code: -1},
		{name: "catatonit", init: "catatonit", args: append([]string{"--"}, app...), want: lost, code: -1},
	}
}

// served is what one stop did to the work in flight.
type served struct {
	stopped
	reply   string
	replyAt time.Time     // when the work's reply came (or failed)
	refused time.Duration // after SIGTERM, when a new connection was first refused; 0: never
	appGone time.Time     // when the last of the app's processes ended; zero if not measured
	exitAt  time.Time     // when PID 1 was gone
}

// line is one line of the test's log, for the README's table.
func (s served) line(name string) string {
	l := fmt.Sprintf("%s: %s, exit %d %.1fs after SIGTERM", name, s.fate, s.code, s.took.Seconds())
	if s.fate == completed {
		l += fmt.Sprintf(", the reply %.1fs after it", s.replyAt.Sub(s.sent).Seconds())
	} else {
		l += fmt.Sprintf(" (the client got %q)", s.reply)
	}
	if !s.appGone.IsZero() {
		l += fmt.Sprintf(", PID 1 gone %dms after the app", s.exitAt.Sub(s.appGone).Milliseconds())
	}
	if s.killed {
		l += ", SIGKILLed by the orchestrator"
	}
	return l
}

// runStack starts every case at once, each in its own directory with its
// own port, and stops each when its work is in flight. They spend their time
// waiting, not on the CPU, so the whole takes one stop's length, not the sum.
func runStack(t *testing.T, app stackApp, cases []stackCase) ([]served, []*run) {
	t.Helper()
	results := make([]served, len(cases))
	runs := make([]*run, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		o := opts{args: c.args, mount: true}
		if c.init != "" {
			path, err := exec.LookPath(c.init)
			if err != nil {
				results[i].err = errSkip
				continue
			}
			o.init = path
		}
		dir, port := stackDir(t), freePort(t)
		o.env = append([]string{"STACK_MARKS=" + dir, "PORT=" + strconv.Itoa(port)}, c.env...)
		r := start(t, o)
		runs[i] = r
		wg.Add(1)
		a := app
		a.exits = app.exits && c.init == "" // under another init the kernel kills the app after PID 1
		go func() { defer wg.Done(); results[i] = stackDeploy(a, r, work{port, dir, o.env, r.done}) }()
	}
	wg.Wait()
	return results, runs
}

// stackDeploy waits for the app, starts the work, and 1 s into it acts as
// the orchestrator: SIGTERM to PID 1, SIGKILL at the deadline. It runs on a
// goroutine of its own, so it reports errors rather than failing the test.
func stackDeploy(app stackApp, r *run, w work) (s served) {
	port, dir := w.port, w.dir
	for deadline := time.Now().Add(stackPatience); !app.ready(port); time.Sleep(50 * time.Millisecond) {
		if s.err = stillUp(r, deadline, "the app to listen"); s.err != nil {
			return s
		}
	}
	type result struct {
		reply string
		at    time.Time
	}
	replies := make(chan result, 1)
	go func() {
		reply, err := app.request(w)
		if err != nil {
			reply = "error: " + err.Error()
		}
		replies <- result{reply, time.Now()}
	}()
	for deadline := time.Now().Add(stackPatience); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "started")); err == nil {
			break
		}
		if s.err = stillUp(r, deadline, "the work to start"); s.err != nil {
			return s
		}
	}
	time.Sleep(stackInto) // time is the subject: SIGTERM comes 1 s into the work
	var gone func() time.Time
	if app.exits {
		gone = watchApp(dir, r.cmd.Process.Pid)
	}
	s.sent = time.Now()
	if s.err = r.cmd.Process.Signal(syscall.SIGTERM); s.err != nil {
		return s
	}
	probed := make(chan time.Duration, 1)
	if app.probe {
		go func() { probed <- refusedAfter(port, s.sent, replies) }()
	}
	select {
	case <-r.done:
	case <-time.After(orchestratorDeadline):
		s.killed = true
		r.cmd.Process.Kill()
		select {
		case <-r.done:
		case <-time.After(patience):
			s.err = fmt.Errorf("PID 1 still running %v after SIGKILL", patience)
			return s
		}
	}
	s.exitAt = time.Now()
	s.took, s.code = s.exitAt.Sub(s.sent), r.code
	select {
	case res := <-replies:
		s.reply, s.replyAt = res.reply, res.at
		replies <- res // for the probe, which may still be waiting on it
	case <-time.After(patience):
		s.err = fmt.Errorf("the client has no reply %v after PID 1 exited", patience)
		return s
	}
	if app.probe {
		s.refused = <-probed
	}
	if gone != nil {
		s.appGone = gone()
	}
	s.fate = lost
	if s.reply == app.reply {
		s.fate = completed
	}
	return s
}

// stillUp: an error if PID 1 has exited or the wait has lasted too long.
func stillUp(r *run, deadline time.Time, what string) error {
	select {
	case <-r.done:
		return fmt.Errorf("PID 1 exited while waiting for %s", what)
	default:
	}
	if time.Now().After(deadline) {
		return fmt.Errorf("waited %v for %s", stackPatience, what)
	}
	return nil
}

// refusedAfter tries new connections from the stop on, until one is refused
// or the work in flight has its reply; it returns when, after the stop, the
// first was refused, 0 if none was.
func refusedAfter[T any](port int, sent time.Time, replied chan T) time.Duration {
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if errors.Is(err, syscall.ECONNREFUSED) {
			return time.Since(sent)
		}
		if c != nil {
			c.Close()
		}
		select {
		case res := <-replied:
			replied <- res
			return 0
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// watchApp holds a pidfd on each process of the case but PID 1 (they carry
// its marks directory in their environment or their arguments) and returns a function that
// tells when the last of them ended. Exits are events, not polls: the
// measure of "PID 1 exits within a second of the app" is honest.
func watchApp(dir string, pid1 int) func() time.Time {
	var mu sync.Mutex
	var last time.Time
	var wg sync.WaitGroup
	token := []byte("STACK_MARKS=" + dir + "\x00")
	names, _ := os.ReadDir("/proc")
	for _, n := range names {
		pid, err := strconv.Atoi(n.Name())
		if err != nil || pid == pid1 {
			continue
		}
		// A server that sets its process title may overwrite its environ
		// (nginx does); its title still names the directory it was given.
		env, _ := os.ReadFile("/proc/" + n.Name() + "/environ")
		argv, _ := os.ReadFile("/proc/" + n.Name() + "/cmdline")
		if !strings.Contains(string(env), string(token)) && !strings.Contains(string(argv), dir) {
			continue
		}
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer unix.Close(fd)
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			for {
				if _, err := unix.Poll(fds, -1); err != unix.EINTR {
					break
				}
			}
			at := time.Now()
			mu.Lock()
			if at.After(last) {
				last = at
			}
			mu.Unlock()
		}()
	}
	return func() time.Time {
		wg.Wait() // PID 1 is gone: so is every process of its namespace
		return last
	}
}

// judge turns each case's result into a subtest: the work's fate, and for
// ginit a clean stop (no SIGKILL by anyone, its exit code).
func judge(t *testing.T, cases []stackCase, results []served, runs []*run, extra func(*testing.T, stackCase, served, *run)) {
	t.Helper()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, r := results[i], runs[i]
			if s.err == errSkip {
				t.Skipf("SKIP: no %s (Debian's %s; `make deps` installs it)", c.init, strings.TrimSuffix(c.init, "-static"))
			}
			if s.err != nil {
				t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", s.err, r.stdout(), r.stderr())
			}
			t.Log(s.line(c.name))
			if c.want != "" && s.fate != c.want {
				t.Errorf("the work was %s, want %s (the client got %q)", s.fate, c.want, s.reply)
			}
			if s.fate == completed && s.replyAt.Sub(s.sent) < oldBound {
				t.Errorf("the work needed only %v after SIGTERM, less than the %v this test must exceed", s.replyAt.Sub(s.sent), oldBound)
			}
			if c.init == "" {
				if s.killed {
					t.Errorf("the orchestrator had to SIGKILL ginit at %v", orchestratorDeadline)
				}
				if c.code >= 0 && s.code != c.code {
					t.Errorf("exit %d, want %d", s.code, c.code)
				}
				if strings.Contains(r.stderr(), "sent SIGKILL") {
					t.Errorf("ginit SIGKILLed a process")
				}
			}
			if extra != nil {
				extra(t, c, s, r)
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr (the init's and the app's):\n%s", r.stdout(), r.stderr())
			}
		})
	}
}

// needStack skips the test unless each command is installed: pairs of
// command and Debian package.
func needStack(t *testing.T, pairs ...string) {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if _, err := exec.LookPath(pairs[i]); err != nil {
			t.Skipf("SKIP: no %s (Debian's %s; `make deps` installs it)", pairs[i], pairs[i+1])
		}
	}
}

// testdata is an app's directory under integration/testdata.
func testdata(app string) string { return filepath.Join(rootDir, "integration", "testdata", app) }
