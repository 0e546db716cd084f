package stack

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
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
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
	init string         // "" for ginit, else a program looked up in $PATH
	args []string       // the init's arguments, the app's included
	env  []string       // the app's own, besides the marks and the port
	want string         // completed or lost; "" records the fate without a verdict
	code int            // ginit's exit code; -1: not checked
	sig  syscall.Signal // the orchestrator's stop signal to PID 1; 0: SIGTERM
	via  string         // itest.Opts.Via: set-up helpers before the init
}

// work is what a unit of work needs to know of its case.
type work struct {
	port int
	dir  string          // the marks directory
	env  []string        // the case's environment: marks, port, the app's own
	gone <-chan struct{} // closed when PID 1 has exited
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
	// the servers' workers (user nobody: nginx's, Apache's, php-fpm's)
	// must be able to enter it and write their marks there.
	dir, err := os.MkdirTemp("", "ginit-st-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// freePort is a loopback port nobody listens on now, below the kernel's
// ephemeral range (32768 and up by default): a port the kernel chose
// could be taken, before the app binds it, as the local port of one of
// the many connections the tests make.
//
// A port is handed out once per test binary: the cases start at once, and
// two that drew the same free port would both try to bind it, the second
// app exiting at start (about one run in fifteen with forty cases).
func freePort(t *testing.T) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 1000 {
		port := 20000 + rand.IntN(12000)
		if portsGiven[port] {
			continue
		}
		if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			l.Close()
			portsGiven[port] = true
			return port
		}
	}
	t.Fatal("no free port between 20000 and 32000")
	return 0
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

// TestHeavyStack runs every app of the real stack at once: each launches
// its cases here, in the test's goroutine, and they all wait for their
// work in the background, so the whole takes about the longest app rather
// than the sum (t.Parallel subtests would be held to -parallel, two on
// two cores). The verdicts follow as subtests, one per app. Docker comes
// last: its image is built while the others' work is in flight.
func TestHeavyStack(t *testing.T) {
	t.Parallel()
	stackApps(t, []stackLaunch{
		{"puma", launchPuma}, {"grpc", launchGRPC}, {"celery", launchCelery}, {"gunicorn", launchGunicorn},
		{"nginx", launchNginx}, {"rolling stop", launchRollingStop}, {"docker puma", launchDockerPuma},
	})
}

// stackLaunch is one app of a real-stack test: launch starts its cases and
// returns the function that waits for them and gives the verdicts.
type stackLaunch struct {
	name   string
	launch func(*testing.T) func(*testing.T)
}

// stackApps launches every app, then gives the verdicts, one subtest each.
func stackApps(t *testing.T, apps []stackLaunch) {
	finish := make([]func(*testing.T), len(apps))
	for i, a := range apps {
		finish[i] = a.launch(t)
	}
	for i, a := range apps {
		t.Run(a.name, finish[i])
	}
}

// skipped is the verdict of an app that cannot run here.
func skipped(why string) func(*testing.T) {
	return func(t *testing.T) { t.Skip(why) }
}

// launchStack starts every case, each in its own directory with its own
// port, and stops each when its work is in flight; the function it returns
// waits for them and gives the verdicts.
func launchStack(t *testing.T, app stackApp, cases []stackCase, extra func(*testing.T, stackCase, served, *itest.Run)) func(*testing.T) {
	t.Helper()
	results := make([]served, len(cases))
	runs := make([]*itest.Run, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		o := itest.Opts{Args: c.args, Mount: true, Via: c.via}
		if c.init != "" {
			path, err := exec.LookPath(c.init)
			if err != nil {
				results[i].err = errSkip
				continue
			}
			o.Init = path
		}
		dir, port := stackDir(t), freePort(t)
		o.Env = append([]string{"STACK_MARKS=" + dir, "PORT=" + strconv.Itoa(port)}, c.env...)
		r := itest.Start(t, o)
		runs[i] = r
		wg.Add(1)
		a := app
		a.exits = app.exits && c.init == "" // under another init the kernel kills the app after PID 1
		go func() { defer wg.Done(); results[i] = stackDeploy(a, r, work{port, dir, o.Env, r.Done()}, c.sig) }()
	}
	return func(t *testing.T) {
		wg.Wait()
		judge(t, cases, results, runs, extra)
	}
}

// stackDeploy waits for the app, starts the work, and 1 s into it acts as
// the orchestrator: sig (0: SIGTERM) to PID 1, SIGKILL at the deadline. It
// runs on a goroutine of its own, so it reports errors rather than failing
// the test.
func stackDeploy(app stackApp, r *itest.Run, w work, sig syscall.Signal) (s served) {
	if sig == 0 {
		sig = syscall.SIGTERM
	}
	port, dir := w.port, w.dir
	for deadline := time.Now().Add(stackPatience); !app.ready(port); time.Sleep(50 * time.Millisecond) {
		if s.err = stillUp(r.Done(), deadline, "the app to listen"); s.err != nil {
			return s
		}
	}
	// The app's processes are watched from before the work starts: the
	// scan reads every process's environment, which takes seconds on a busy
	// machine, and must not stand between the work's start and the stop.
	// A process the app starts later ends before the one that started it.
	var gone func() time.Time
	if app.exits {
		gone = watchApp(dir, r.Cmd.Process.Pid)
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
		if s.err = stillUp(r.Done(), deadline, "the work to start"); s.err != nil {
			return s
		}
	}
	time.Sleep(stackInto) // time is the subject: SIGTERM comes 1 s into the work
	s.sent = time.Now()
	if s.err = r.Cmd.Process.Signal(sig); s.err != nil {
		return s
	}
	probed := make(chan time.Duration, 1)
	if app.probe {
		go func() { probed <- refusedAfter(port, s.sent, replies) }()
	}
	if s.killed, s.err = orchestrate(r); s.err != nil {
		return s
	}
	s.exitAt = time.Now()
	s.took, s.code = s.exitAt.Sub(s.sent), r.Code()
	select {
	case res := <-replies:
		s.reply, s.replyAt = res.reply, res.at
		replies <- res // for the probe, which may still be waiting on it
	case <-time.After(itest.Patience):
		s.err = fmt.Errorf("the client has no reply %v after PID 1 exited", itest.Patience)
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

// stillUp: an error if PID 1 has exited (gone is closed) or the wait has
// lasted too long.
func stillUp(gone <-chan struct{}, deadline time.Time, what string) error {
	select {
	case <-gone:
		return fmt.Errorf("PID 1 exited while waiting for %s", what)
	default:
	}
	if time.Now().After(deadline) {
		return fmt.Errorf("waited %v for %s", stackPatience, what)
	}
	return nil
}

// missing names the first command that is not installed, and its Debian
// package, as a skip reason; "" when all are: pairs of command and package.
func missing(pairs ...string) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		if _, err := exec.LookPath(pairs[i]); err != nil {
			return fmt.Sprintf("SKIP: no %s (Debian's %s; `make deps` installs it)", pairs[i], pairs[i+1])
		}
	}
	return ""
}

// testdata is an app's directory under integration/stack/testdata.
func testdata(app string) string {
	return filepath.Join(itest.RootDir, "integration", "stack", "testdata", app)
}
