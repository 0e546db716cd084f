package stack

// The real stack ginit exists for: Debian's Sidekiq and Redis, a bash
// startup.sh whose last line runs Sidekiq without exec, one job in flight,
// and an orchestrator that sends SIGTERM to PID 1 and SIGKILL 30 s later.
// At production proportions: Sidekiq's own shutdown timeout (-t 25) <
// ginit's --grace (28 s) < the orchestrator's deadline (30 s), and a job that
// needs far longer after SIGTERM than any bound ginit ever set by itself.
//
// The app is in testdata/sidekiq. Each case gets its own redis-server on a
// unix socket in a directory of its own, where the job also records its start
// and its completion as files.

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

const (
	// orchestratorDeadline is when the orchestrator SIGKILLs PID 1 after its
	// SIGTERM: ECS's default stopTimeout.
	orchestratorDeadline = 30 * time.Second
	// sidekiqTimeout is Sidekiq's own shutdown timeout (-t 25 in startup.sh):
	// after it, Sidekiq pushes unfinished jobs back to Redis and exits.
	sidekiqTimeout = 25 * time.Second
	// shortJob finishes within Sidekiq's timeout, but needs far longer after
	// SIGTERM than the 5 s drain bound ginit once set by itself.
	shortJob = 12 * time.Second
	// longJob outlasts Sidekiq's timeout: Sidekiq must requeue it.
	longJob = 40 * time.Second
	// oldBound is the drain bound ginit used to invent; a job that needs
	// less than this after SIGTERM would prove nothing here.
	oldBound = 5 * time.Second
	// stackPatience bounds each wait for the stack itself: a redis-server
	// answering, Sidekiq booting and fetching the job (twenty Rubies at
	// once on a busy machine). Not a timing assertion.
	stackPatience = 3 * time.Minute
)

// The possible fates of the job.
const (
	completed = "completed"
	requeued  = "requeued" // back in queue:default: Sidekiq gave up at -t and pushed it back
	lost      = "LOST"     // started, never finished, not in Redis
)

// sidekiqApp is the app's directory: startup.sh and app.rb.
func sidekiqApp() string {
	return filepath.Join(itest.RootDir, "integration", "stack", "testdata", "sidekiq")
}

// needSidekiq skips the test unless the stack is installed.
func needSidekiq(t *testing.T) {
	t.Helper()
	for _, p := range []struct{ cmd, pkg string }{
		{"sidekiq", "ruby-sidekiq"}, {"redis-server", "redis-server"}, {"bash", "bash"}, {"dash", "dash"},
	} {
		if _, err := exec.LookPath(p.cmd); err != nil {
			t.Skipf("SKIP: no %s (Debian's %s; `make deps` installs it)", p.cmd, p.pkg)
		}
	}
}

// redisServer is one redis-server on a unix socket in dir, which is also
// where the job writes its marks.
type redisServer struct {
	dir, sock string
}

// startRedis starts a redis-server for one test and stops it when the test ends.
func startRedis(t *testing.T) *redisServer {
	t.Helper()
	// Not t.TempDir: a unix socket's path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "ginit-sk-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	rs := &redisServer{dir: dir, sock: filepath.Join(dir, "redis.sock")}
	cmd := exec.Command("redis-server", "--port", "0", "--unixsocket", rs.sock, "--unixsocketperm", "777",
		"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		os.RemoveAll(dir)
	})
	for deadline := time.Now().Add(stackPatience); ; time.Sleep(20 * time.Millisecond) {
		if reply, err := rs.do("PING"); err == nil && reply == "PONG" {
			return rs
		} else if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("redis-server does not answer PING after %v: %v %v\n%s", stackPatience, reply, err, b)
		}
	}
}

// do sends one command and returns the reply: a string, an int, nil, or a
// []any for an array. A minimal RESP client; the tests need nothing more.
func (rs *redisServer) do(args ...string) (any, error) {
	c, err := net.Dial("unix", rs.sock)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(itest.Patience))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		return nil, err
	}
	return readReply(bufio.NewReader(c))
}

func readReply(br *bufio.Reader) (any, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply")
	}
	n, _ := strconv.Atoi(line[1:])
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, errors.New(line[1:])
	case ':':
		return n, nil
	case '$':
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		if n < 0 {
			return nil, nil
		}
		arr := make([]any, n)
		for i := range arr {
			if arr[i], err = readReply(br); err != nil {
				return nil, err
			}
		}
		return arr, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

// enqueue pushes one SlowJob as Sidekiq's client does (SlowJob.perform_async)
// and returns its jid.
func (rs *redisServer) enqueue(t *testing.T, job time.Duration) string {
	t.Helper()
	b := make([]byte, 12)
	rand.Read(b)
	jid := hex.EncodeToString(b)
	now := float64(time.Now().UnixNano()) / 1e9
	payload := fmt.Sprintf(`{"class":"SlowJob","args":[%d],"retry":false,"queue":"default","jid":"%s","created_at":%f,"enqueued_at":%f}`,
		int(job.Seconds()), jid, now, now)
	for _, cmd := range [][]string{{"SADD", "queues", "default"}, {"LPUSH", "queue:default", payload}} {
		if _, err := rs.do(cmd...); err != nil {
			t.Fatalf("redis %s: %v", cmd[0], err)
		}
	}
	return jid
}

// env is what the app needs to find its Redis and where to write its marks.
func (rs *redisServer) env() []string {
	return []string{"REDIS_URL=unix://" + rs.sock, "SIDEKIQ_TEST_DIR=" + rs.dir}
}

// mark returns when the job wrote mark ("started" or "done"), if it did.
func (rs *redisServer) mark(what string) (time.Time, bool) {
	b, err := os.ReadFile(filepath.Join(rs.dir, what))
	if err != nil {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, int64(f*1e9)), true
}

// awaitStart waits until the job is running (its "started" mark appears),
// or the init has exited.
func (rs *redisServer) awaitStart(gone <-chan struct{}) error {
	for deadline := time.Now().Add(stackPatience); ; time.Sleep(20 * time.Millisecond) {
		if _, ok := rs.mark("started"); ok {
			return nil
		}
		select {
		case <-gone:
			return errors.New("the init exited before the job started")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the job has not started after %v", stackPatience)
		}
	}
}

// fate tells what became of the job once every process is gone.
func (rs *redisServer) fate(jid string) (string, error) {
	if _, ok := rs.mark("done"); ok {
		return completed, nil
	}
	reply, err := rs.do("LRANGE", "queue:default", "0", "-1")
	if err != nil {
		return "", fmt.Errorf("redis LRANGE: %v", err)
	}
	items, _ := reply.([]any)
	for _, it := range items {
		if s, _ := it.(string); strings.Contains(s, jid) {
			return requeued, nil
		}
	}
	return lost, nil
}

// errSkip marks a case whose init is not installed.
var errSkip = errors.New("skip")

// stopped is what one deploy did to the job.
type stopped struct {
	fate   string
	sent   time.Time     // the orchestrator's SIGTERM
	took   time.Duration // from SIGTERM until PID 1 was gone
	killed bool          // the orchestrator had to SIGKILL PID 1
	code   int           // PID 1's exit code (137 when the orchestrator killed it)
	err    error         // the stack did not get as far as the stop
}

// line is one line of the test's log: what became of the job, and when.
func (s stopped) line(name string, rs *redisServer) string {
	l := fmt.Sprintf("%s: %s, exit %d %.1fs after SIGTERM", name, s.fate, s.code, s.took.Seconds())
	if done, ok := rs.mark("done"); ok {
		l += fmt.Sprintf(", the job done %.1fs after it", done.Sub(s.sent).Seconds())
	}
	if s.killed {
		l += ", SIGKILLed by the orchestrator"
	}
	return l
}

// deploy waits until the job is running, then acts as ECS does on a deploy:
// SIGTERM to PID 1, and SIGKILL if it is still alive at the deadline. When
// PID 1 has exited (the kernel has then killed whatever was left in the
// namespace) it tells what became of the job. It runs on a goroutine of its
// own, so it reports errors rather than failing the test.
func deploy(rs *redisServer, r *itest.Run, jid string) (s stopped) {
	if s.err = rs.awaitStart(r.Done()); s.err != nil {
		return s
	}
	s.sent = time.Now()
	if s.err = r.Cmd.Process.Signal(syscall.SIGTERM); s.err != nil {
		return s
	}
	if s.killed, s.err = orchestrate(r); s.err != nil {
		return s
	}
	s.took, s.code = time.Since(s.sent), r.Code()
	s.fate, s.err = rs.fate(jid)
	return s
}

// orchestrate waits, once SIGTERM has gone to PID 1, as the orchestrator
// does: until PID 1 exits, or SIGKILL at orchestratorDeadline. killed says
// the deadline passed; err, that PID 1 outlived even SIGKILL.
func orchestrate(r *itest.Run) (killed bool, err error) {
	select {
	case <-r.Done():
		return false, nil
	case <-time.After(orchestratorDeadline):
	}
	r.Cmd.Process.Kill()
	select {
	case <-r.Done():
		return true, nil
	case <-time.After(itest.Patience):
		return true, fmt.Errorf("PID 1 still running %v after SIGKILL", itest.Patience)
	}
}

// TestSidekiq runs the stack as PID 1 of a new PID namespace with its own
// /proc, as a container has, under ginit and, for contrast, under tini,
// dumb-init and catatonit.
func TestSidekiq(t *testing.T) {
	needSidekiq(t)
	t.Parallel()
	script := filepath.Join(sidekiqApp(), "startup.sh")
	dash := []string{"sh", "-c", "cd '" + sidekiqApp() + "' && sidekiq -r ./app.rb -t 25"}
	bash := []string{"bash", script}
	type stackCase struct {
		name string
		init string   // "" for ginit, else a program looked up in $PATH
		args []string // the init's arguments, the app's included
		job  time.Duration
		want string
		code int    // the init's exit code, 0: not checked
		warn string // the wrapper warning names this shell; "" for none
	}
	var cases []stackCase
	// Each init with the 12 s job, which Sidekiq finishes within its -t 25,
	// and the 40 s job, which Sidekiq pushes back to Redis at 25 s.
	for _, in := range []struct {
		name, init string
		args       []string
		warn       string
	}{
		{"ginit", "", append([]string{"--"}, bash...), "wrapper_cmd=bash"},
		{"ginit -g", "", append([]string{"-g", "--"}, bash...), ""},
		{"ginit --grace 28s", "", append([]string{"--grace", "28s", "--"}, bash...), "wrapper_cmd=bash"},
		// Shell-form CMD: Debian's /bin/sh is dash, which does not exec
		// the last command of -c either; the warning proves it stayed.
		{"ginit, sh -c", "", append([]string{"--"}, dash...), "wrapper_cmd=sh"},
		{"tini-static", "tini-static", append([]string{"--"}, bash...), ""},
		{"tini -g", "tini", append([]string{"-g", "--"}, bash...), ""},
		// dumb-init signals the child's process group by default, as -g does.
		{"dumb-init", "dumb-init", append([]string{"--"}, bash...), ""},
		{"catatonit", "catatonit", append([]string{"--"}, bash...), ""},
	} {
		short := stackCase{in.name + ", 12s job", in.init, in.args, shortJob, completed, 143, in.warn}
		long := stackCase{in.name + ", 40s job", in.init, in.args, longJob, requeued, 143, in.warn}
		if in.init != "" {
			short.want, long.want = lost, lost
		}
		cases = append(cases, short, long)
	}

	// Every case runs at once, whatever -parallel allows: they spend their
	// time waiting on a job, not on the CPU, so the whole takes one job's
	// length and Sidekiq's boot rather than the sum. The verdicts follow as
	// subtests.
	results := make([]stopped, len(cases))
	runs := make([]*itest.Run, len(cases))
	stacks := make([]*redisServer, len(cases))
	var wg sync.WaitGroup
	for i, tc := range cases {
		o := itest.Opts{Args: tc.args, Mount: true}
		if tc.init != "" {
			path, err := exec.LookPath(tc.init)
			if err != nil {
				results[i].err = errSkip
				continue
			}
			o.Init = path
		}
		rs := startRedis(t)
		o.Env = rs.env()
		jid := rs.enqueue(t, tc.job)
		r := itest.Start(t, o)
		runs[i], stacks[i] = r, rs
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = deploy(rs, r, jid) }()
	}
	wg.Wait()

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, r := results[i], runs[i]
			if s.err == errSkip {
				t.Skipf("SKIP: no %s (Debian's %s; `make deps` installs it)", tc.init, strings.TrimSuffix(tc.init, "-static"))
			}
			if s.err != nil {
				t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", s.err, r.Stdout(), r.Stderr())
			}
			t.Log(s.line(tc.name, stacks[i]))
			if done, ok := stacks[i].mark("done"); ok {
				if done.Sub(s.sent) < oldBound {
					t.Errorf("the job needed only %v after SIGTERM, less than the %v this test must exceed", done.Sub(s.sent), oldBound)
				}
			}
			if s.fate != tc.want {
				t.Errorf("the job was %s, want %s", s.fate, tc.want)
			}
			if s.fate == requeued && s.took < sidekiqTimeout {
				t.Errorf("requeued %v after SIGTERM, before Sidekiq's own -t %v", s.took, sidekiqTimeout)
			}
			if tc.init != "" {
				return // the contrast: only the fate matters
			}
			if s.killed {
				t.Errorf("the orchestrator had to SIGKILL ginit at %v", orchestratorDeadline)
			}
			if tc.code != 0 && s.code != tc.code {
				t.Errorf("exit %d, want %d", s.code, tc.code)
			}
			stderr := r.Stderr()
			if tc.warn != "" && !(strings.Contains(stderr, itest.WrapperWarning) && strings.Contains(stderr, tc.warn)) {
				t.Errorf("no wrapper warning naming %s", tc.warn)
			}
			if tc.warn == "" && strings.Contains(stderr, itest.WrapperWarning) {
				t.Errorf("a wrapper warning although the group had the signal")
			}
			if strings.Contains(stderr, "sent SIGKILL") {
				t.Errorf("ginit SIGKILLed a process")
			}
			if t.Failed() {
				t.Logf("stderr (ginit's and the app's):\n%s", stderr)
			}
		})
	}
}
