package stack

// The measures and verdicts of the real-stack tests: what a stop did to
// the work in flight, whether new connections were refused once it began,
// and when the app's last process ended, to set against PID 1's exit.

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// served is what one stop did to the work in flight.
type served struct {
	stopped
	reply   string
	replyAt time.Time     // when the work's reply came (or failed)
	refused time.Duration // after SIGTERM, when a new connection was first refused; 0: never
	appGone time.Time     // when the last of the app's processes ended; zero if not measured
	exitAt  time.Time     // when PID 1 was gone
}

// line is one line of the test's log, for the table in doc/testing.md
// (Tested on the real stack).
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

// judge turns each case's result into a subtest: the work's fate, and for
// ginit a clean stop (no SIGKILL by anyone, its exit code).
func judge(t *testing.T, cases []stackCase, results []served, runs []*itest.Run, extra func(*testing.T, stackCase, served, *itest.Run)) {
	t.Helper()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, r := results[i], runs[i]
			if s.err == errSkip {
				t.Skipf("SKIP: no %s (Debian's %s; `make deps` installs it)", c.init, strings.TrimSuffix(c.init, "-static"))
			}
			if s.err != nil {
				t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", s.err, r.Stdout(), r.Stderr())
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
				if strings.Contains(r.Stderr(), "sent SIGKILL") {
					t.Errorf("ginit SIGKILLed a process")
				}
			}
			if extra != nil {
				extra(t, c, s, r)
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr (the init's and the app's):\n%s", r.Stdout(), r.Stderr())
			}
		})
	}
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
