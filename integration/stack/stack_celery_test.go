package stack

// A Celery worker (prefork pool, Redis broker) behind `bash startup.sh`
// without exec: one task in flight when the orchestrator stops the
// container. Every case shares one redis-server, each in a database of its
// own.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// slowTask enqueues slow(12) through testdata/celery/send.py, then waits
// until the task records its completion or PID 1 has exited.
func slowTask(w work) (string, error) {
	cmd := exec.Command("/usr/bin/python3", "send.py", strconv.Itoa(int(stackWork.Seconds())))
	cmd.Dir = testdata("celery")
	cmd.Env = append(os.Environ(), w.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("send.py: %v: %s", err, out)
	}
	done := filepath.Join(w.dir, "done")
	for ; ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(done); err == nil {
			return "done", nil
		}
		select {
		case <-w.gone:
			if _, err := os.Stat(done); err == nil {
				return "done", nil
			}
			return "the task never recorded its completion", nil
		default:
		}
	}
}

// launchCelery (TestHeavyStack): the in-flight task completes under
// ginit's default flags, and is lost under every anchor. Under ginit -g the
// pool's child gets SIGTERM straight from ginit: the test records what
// becomes of the task (the wrapper warning says why -g is not the fix).
func launchCelery(t *testing.T) func(*testing.T) {
	if why := missing("redis-server", "redis-server", "bash", "bash", "/usr/bin/python3", "python3"); why != "" {
		return skipped(why)
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import celery, redis").Run(); err != nil {
		return skipped("SKIP: no celery or redis module for /usr/bin/python3 (Debian's python3-celery and python3-redis; `make deps` installs them)")
	}
	rs := startRedis(t)
	bash := []string{"bash", filepath.Join(testdata("celery"), "startup.sh")}
	cases := []stackCase{
		{name: "ginit", args: append([]string{"--"}, bash...), want: completed, code: 143},
		{name: "ginit -g", args: append([]string{"-g", "--"}, bash...), code: -1},
		{name: "ginit --grace 28s", args: append([]string{"--grace", "28s", "--"}, bash...), want: completed, code: 143},
	}
	cases = append(cases, anchors(bash...)...)
	for i := range cases {
		cases[i].name = "celery, " + cases[i].name
		cases[i].env = []string{"CELERY_BROKER=redis+socket://" + rs.sock + "?virtual_host=" + strconv.Itoa(i)}
	}
	app := stackApp{ready: func(int) bool { return true }, request: slowTask, reply: "done"}
	return launchStack(t, app, cases, func(t *testing.T, c stackCase, s served, r *itest.Run) {
		if strings.Contains(c.name, "ginit -g") {
			lostWorker := strings.Contains(r.Stderr(), "WorkerLostError")
			t.Logf("under -g the task was %s; Celery reported WorkerLostError: %v", s.fate, lostWorker)
		}
	})
}
