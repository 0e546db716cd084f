package main

import (
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/internal/cli"
	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/proctab"
)

// The scripts the supervisor's unit tests play against the fake kernel
// (fake_test.go): each row sets up processes, plays a script of signals,
// exits and time, and checks ginit's exit code, every signal it sent, in
// order, and the log lines that must say so. pids: the main child is 11,
// its children 12, 13...

// script is one scripted run: the fake, the supervisor on it, and its log.
type script struct {
	t    *testing.T
	f    *fakeOS
	s    *supervisor
	logs []string
}

// newRun parses args as ginit's command line (the program's argv is the
// test's business: only its name is used) and starts the supervisor on
// the main child the fake already holds at pid.
func newRun(t *testing.T, f *fakeOS, args []string, pid int) *script {
	t.Helper()
	cfg, err := cli.Parse(append(args, "--", f.procs[pid].Comm), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	r := &script{t: t, f: f}
	lg := log.NewFunc(cfg.Verbosity, false, func(line string) { r.logs = append(r.logs, line) })
	r.s = &supervisor{cfg: cfg, log: lg, sys: f}
	r.s.started(pid)
	r.pump()
	return r
}

// event delivers one event to the supervisor now, ahead of those queued.
func (r *script) event(ev event) {
	if r.s.phase == done {
		r.t.Fatalf("event %+v after ginit finished", ev)
	}
	r.s.handle(ev)
}

// pump delivers the queued events, oldest first, and what they raise.
func (r *script) pump() {
	for len(r.f.queue) > 0 && r.s.phase != done {
		ev := r.f.queue[0]
		r.f.queue = r.f.queue[1:]
		r.s.handle(ev)
	}
}

// signal is the orchestrator's signal reaching ginit, then what it raised.
func (r *script) signal(sig syscall.Signal) {
	r.event(event{kind: evSignal, sig: sig})
	r.pump()
}

// after moves the clock on by d, firing each alarm that falls due on the
// way at its time, earliest first.
func (r *script) after(d time.Duration) {
	end := r.f.clock.Add(d)
	for r.s.phase != done {
		kind, at := r.nextAlarm()
		if at.IsZero() || at.After(end) {
			break
		}
		r.f.clock = at
		r.event(event{kind: kind})
		r.pump()
	}
	r.f.clock = end
}

func (r *script) nextAlarm() (eventKind, time.Time) {
	var kind eventKind
	var at time.Time
	for _, a := range []struct {
		k eventKind
		a *alarm
	}{{evDelayEnd, &r.s.delay}, {evDeadline, &r.s.deadline}, {evStatus, &r.s.status}} {
		if a.a.armed() && (at.IsZero() || a.a.at.Before(at)) {
			kind, at = a.k, a.a.at
		}
	}
	return kind, at
}

// exit ends pid now, and delivers what that raises.
func (r *script) exit(pid int, ws syscall.WaitStatus) {
	r.f.exit(pid, ws)
	r.pump()
}

// code is ginit's exit code; the supervisor must have finished.
func (r *script) code() int {
	r.t.Helper()
	if r.s.phase != done {
		r.t.Fatalf("ginit has not finished (phase %d); log:\n%s", r.s.phase, r.log())
	}
	return r.s.exitCode()
}

func (r *script) log() string { return strings.Join(r.logs, "") }

// said reports whether a log line holds every one of parts.
func (r *script) said(parts ...string) bool {
	for _, l := range r.logs {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(l, p) }) {
			return true
		}
	}
	return false
}

const (
	TERM  = syscall.SIGTERM
	INT   = syscall.SIGINT
	QUIT  = syscall.SIGQUIT
	KILL  = syscall.SIGKILL
	CHLD  = syscall.SIGCHLD
	WINCH = syscall.SIGWINCH
)

func sigset(ss ...syscall.Signal) uint64 {
	var m uint64
	for _, s := range ss {
		m |= 1 << (uint(s) - 1)
	}
	return m
}

// Dispositions as /proc shows them for the processes of the real stack.
var (
	// bash running a script: ignores QUIT, catches INT only to wait for
	// its foreground child, dies of TERM.
	bashMasks = proctab.Masks{Ign: sigset(QUIT), Cgt: sigset(INT, CHLD)}
	// the same script with `trap '...' TERM`
	trapMasks = proctab.Masks{Ign: sigset(QUIT), Cgt: sigset(INT, CHLD, TERM)}
	// a job runner (Sidekiq): a handler for each stop signal
	appMasks = proctab.Masks{Cgt: sigset(TERM, INT, QUIT)}
	// an init (tini): every signal blocked, taken with sigtimedwait
	initMasks = proctab.Masks{Blk: ^uint64(0) &^ sigset(KILL, syscall.SIGSTOP)}
	// started by bash with &: INT and QUIT ignored, no handler
	bgMasks = proctab.Masks{Ign: sigset(INT, QUIT)}
)

// wrapped: bash (11) running a job runner (12) without exec.
func wrapped(f *fakeOS) int {
	bash := f.spawn(fakeSelf, "bash", bashMasks, TERM)
	f.spawn(bash, "sidekiq", appMasks)
	return bash
}

// trapped: bash (11) with a trap for TERM, running a job runner (12).
func trapped(f *fakeOS) int {
	bash := f.spawn(fakeSelf, "bash", trapMasks)
	f.spawn(bash, "sidekiq", appMasks)
	return bash
}

// alone: the job runner (11) as the main child.
func alone(f *fakeOS) int { return f.spawn(fakeSelf, "sidekiq", appMasks) }

type row struct {
	name   string
	args   []string
	setup  func(f *fakeOS) int // returns the main child
	script func(r *script)
	code   int
	sent   []string
	said   [][]string // each: parts one log line must hold
}

func play(t *testing.T, rows []row) {
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeOS(t)
			r := newRun(t, f, tc.args, tc.setup(f))
			tc.script(r)
			if code := r.code(); code != tc.code {
				t.Errorf("exit code %d, want %d; log:\n%s", code, tc.code, r.log())
			}
			if !slices.Equal(f.sent, tc.sent) {
				t.Errorf("sent %q, want %q; log:\n%s", f.sent, tc.sent, r.log())
			}
			for _, parts := range tc.said {
				if !r.said(parts...) {
					t.Errorf("no log line holds %q; log:\n%s", parts, r.log())
				}
			}
		})
	}
}
