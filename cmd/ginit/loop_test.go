package main

import (
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/proctab"
)

// The supervisor's rules, played against the fake kernel (fake_test.go):
// each row sets up processes, plays a script of signals, exits and time,
// and checks ginit's exit code, every signal it sent, in order, and the
// log lines that must say so. pids: the main child is 11, its children
// 12, 13...

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

// Which deadline applies, and when: --grace from the stop's arrival;
// without it none during a stop; the drain's default bound (or --grace)
// when the main child exited by itself; a stop during a drain lifts the
// default bound but not --grace; --stop-delay counts in the grace.
func TestDeadlines(t *testing.T) {
	play(t, []row{
		{name: "--grace passes: SIGKILL to what is left, 137",
			args: []string{"--grace", "20s"}, setup: wrapped,
			script: func(r *script) {
				r.signal(TERM)
				r.after(19 * time.Second)
				if r.f.procs[12] == nil || len(r.f.sent) != 2 {
					r.t.Fatalf("killed before the grace period ended: %q", r.f.sent)
				}
				r.after(2 * time.Second)
			},
			code: 137, sent: []string{"SIGTERM>11", "SIGTERM>12", "SIGKILL>-1", "SIGKILL>12"},
			said: [][]string{{"deadline passed", "killed=12(sidekiq)", `deadline="the grace period (--grace 20s)"`, "after_ms=20000"}}},
		{name: "the job ends within --grace: the wrapper's 143",
			args: []string{"--grace", "20s"}, setup: wrapped,
			script: func(r *script) {
				r.signal(TERM)
				r.after(15 * time.Second)
				r.exit(12, exited(0))
			},
			code: 143, sent: []string{"SIGTERM>11", "SIGTERM>12"},
			said: [][]string{{"every process has exited", "after_ms=15000"}}},
		{name: "no --grace: no deadline during a stop",
			setup: wrapped,
			script: func(r *script) {
				r.signal(TERM)
				r.after(10 * time.Minute)
				r.exit(12, exited(0))
			},
			code: 143, sent: []string{"SIGTERM>11", "SIGTERM>12"},
			said: [][]string{{"waiting for processes", "deadline=none"}}},
		{name: "the main child exits by itself: the drain's default bound, its code",
			setup: wrapped,
			script: func(r *script) {
				r.exit(11, exited(0))
				r.after(29 * time.Second)
				if len(r.f.sent) != 1 {
					r.t.Fatalf("killed before the default bound: %q", r.f.sent)
				}
				r.after(2 * time.Second)
			},
			code: 0, sent: []string{"SIGTERM>12", "SIGKILL>-1", "SIGKILL>12"},
			said: [][]string{{"deadline passed", `deadline="the drain's default bound (30s, no --grace set)"`}}},
		{name: "the main child exits by itself: --grace bounds the drain",
			args: []string{"--grace", "10s"}, setup: wrapped,
			script: func(r *script) {
				r.exit(11, exited(3))
				r.after(11 * time.Second)
			},
			code: 3, sent: []string{"SIGTERM>12", "SIGKILL>-1", "SIGKILL>12"},
			said: [][]string{{"deadline passed", `deadline="the drain's bound (--grace 10s)"`, "after_ms=10000"}}},
		{name: "a stop during the drain lifts the default bound",
			setup: wrapped,
			script: func(r *script) {
				r.exit(11, exited(0))
				r.after(20 * time.Second)
				r.signal(TERM)
				r.after(50 * time.Second)
				r.exit(12, exited(0))
			},
			code: 0, sent: []string{"SIGTERM>12"},
			said: [][]string{{"stop signal received while draining; the drain has already sent it", "deadline=none"}}},
		{name: "a stop during the drain keeps --grace from the drain's start",
			args: []string{"--grace", "30s"}, setup: wrapped,
			script: func(r *script) {
				r.exit(11, exited(0))
				r.after(10 * time.Second)
				r.signal(TERM)
				r.after(21 * time.Second)
			},
			code: 137, sent: []string{"SIGTERM>12", "SIGKILL>-1", "SIGKILL>12"},
			said: [][]string{{"deadline passed", `deadline="the drain's bound (--grace 30s)"`, "after_ms=20000"}}},
		{name: "--stop-delay holds the signal; --grace counts from its arrival",
			args: []string{"--stop-delay", "5s", "--grace", "20s"}, setup: alone,
			script: func(r *script) {
				r.signal(TERM)
				if len(r.f.sent) != 0 {
					r.t.Fatalf("delivered during the delay: %q", r.f.sent)
				}
				r.after(5 * time.Second)
				r.after(16 * time.Second)
			},
			// the main child is not reaped: its group and it by number, then
			// everyone (PID 1), then each process held
			code: 137, sent: []string{"SIGTERM>11", "SIGKILL>-11", "SIGKILL>11", "SIGKILL>-1", "SIGKILL>11"},
			said: [][]string{{"stop delay over; delivered", "delayed_ms=5000"}, {"deadline passed", "after_ms=20000"}}},
		{name: "a different stop signal cuts the delay short; the held one is never sent",
			args: []string{"--stop-delay", "5s"}, setup: alone,
			script: func(r *script) {
				r.signal(TERM)
				r.after(time.Second)
				r.signal(QUIT)
				r.signal(TERM)
				r.after(10 * time.Second)
				r.exit(11, exited(0))
			},
			code: 0, sent: []string{"SIGQUIT>11"},
			said: [][]string{{"different stop signal during the delay; delivered at once", "delayed_ms=1000", "held=SIGTERM"},
				{"stop signal already delivered; not sending it again", "signal=SIGTERM"}}},
		{name: "the main child exits during the delay: nothing is delivered",
			args: []string{"--stop-delay", "5s"}, setup: alone,
			script: func(r *script) {
				r.signal(TERM)
				r.after(2 * time.Second)
				r.exit(11, exited(0))
			},
			code: 0, sent: nil,
			said: [][]string{{"main child exited during the stop delay", "delayed_ms=2000"}}},
	})
}

// The exit code: the main child's, 128+N for a signal, 137 when ginit's
// deadline killed work during a stop, remapped to 0 by -e.
func TestExitCodes(t *testing.T) {
	play(t, []row{
		{name: "its own code", setup: alone,
			script: func(r *script) { r.exit(11, exited(3)) }, code: 3},
		{name: "killed by a signal: 128+N", setup: alone,
			script: func(r *script) { r.exit(11, killedBy(syscall.SIGABRT)) }, code: 134},
		{name: "-e 143: a clean stop behind a wrapper exits 0",
			args: []string{"-e", "143"}, setup: wrapped,
			script: func(r *script) {
				r.signal(TERM)
				r.exit(12, exited(0))
			},
			code: 0, sent: []string{"SIGTERM>11", "SIGTERM>12"},
			said: [][]string{{"ginit exiting", "code=0"}}},
		{name: "-e 143 does not hide a kill: 137",
			args: []string{"-e", "143", "--grace", "5s"}, setup: wrapped,
			script: func(r *script) {
				r.signal(TERM)
				r.after(6 * time.Second)
			},
			code: 137, sent: []string{"SIGTERM>11", "SIGTERM>12", "SIGKILL>-1", "SIGKILL>12"}},
		{name: "a drain's deadline without a stop keeps the child's code",
			args: []string{"--grace", "5s"}, setup: wrapped,
			script: func(r *script) {
				r.exit(11, exited(0))
				r.after(6 * time.Second)
			},
			code: 0, sent: []string{"SIGTERM>12", "SIGKILL>-1", "SIGKILL>12"}},
	})
}

// Whom the stop signal reaches, for each case of the wrapper decision
// (internal/stopplan), and that nobody gets it twice.
func TestStopCases(t *testing.T) {
	play(t, []row{
		{name: "a wrapper with no handler: it dies, the drain reaches its child",
			setup: wrapped,
			script: func(r *script) {
				r.signal(TERM)
				r.exit(12, exited(0))
			},
			code: 143, sent: []string{"SIGTERM>11", "SIGTERM>12"},
			said: [][]string{{"stop signal received; delivered", "to=child", "bash has no handler for SIGTERM"},
				{"the main child died of SIGTERM without passing it on", "children=12(sidekiq)", "fix: exec the app"}}},
		{name: "bash ignores QUIT: its children get it at once",
			setup: wrapped,
			script: func(r *script) {
				r.signal(QUIT)
				r.exit(12, exited(0))
				r.exit(11, exited(0))
			},
			code: 0, sent: []string{"SIGQUIT>11", "SIGQUIT>12"},
			said: [][]string{{"bash ignores SIGQUIT: delivered to the processes below it", "sent_to=12(sidekiq)"}}},
		{name: "bash does nothing on WINCH (--stop-signal WINCH, Apache)",
			args: []string{"--stop-signal", "WINCH"},
			setup: func(f *fakeOS) int {
				bash := f.spawn(fakeSelf, "bash", bashMasks, TERM)
				f.spawn(bash, "httpd", proctab.Masks{Cgt: sigset(TERM, WINCH, syscall.SIGHUP)})
				return bash
			},
			script: func(r *script) {
				r.signal(WINCH)
				r.exit(12, exited(0))
				r.exit(11, exited(0))
			},
			code: 0, sent: []string{"SIGWINCH>11", "SIGWINCH>12"},
			said: [][]string{{"bash does nothing on SIGWINCH: delivered to the processes below it"}}},
		{name: "bash catches INT only to wait: it and its children, as Ctrl-C",
			setup: wrapped,
			script: func(r *script) {
				r.signal(INT)
				r.exit(12, exited(0))
				r.exit(11, exited(130))
			},
			code: 130, sent: []string{"SIGINT>11", "SIGINT>12"},
			said: [][]string{{"catches SIGINT only to wait for its child"}}},
		{name: "a trap: the shell alone; what it leaves is its trap's",
			setup: trapped,
			script: func(r *script) {
				r.signal(TERM)
				r.exit(11, exited(143)) // the trap ran: `kill -TERM $pid` and out
				r.after(10 * time.Second)
				r.exit(12, exited(0))
			},
			code: 143, sent: []string{"SIGTERM>11"},
			said: [][]string{{"has a trap for SIGTERM: it alone gets it"},
				{"trapped SIGTERM and exited, not killed by it", "left=12(sidekiq)"}}},
		{name: "a trap with --signal-after-trap: the drain signals what it left",
			args: []string{"--signal-after-trap"}, setup: trapped,
			script: func(r *script) {
				r.signal(TERM)
				r.exit(11, exited(143))
				r.exit(12, exited(0))
			},
			code: 143, sent: []string{"SIGTERM>11", "SIGTERM>12"},
			said: [][]string{{"--signal-after-trap: its children get SIGTERM from the drain"}}},
		{name: "a trap that did not run (the shell was killed): the drain signals",
			setup: trapped,
			script: func(r *script) {
				r.signal(TERM)
				r.exit(11, killedBy(KILL))
				r.exit(12, exited(0))
			},
			code: 137, sent: []string{"SIGTERM>11", "SIGTERM>12"}},
		{name: "a program with a handler: it alone",
			setup: func(f *fakeOS) int {
				app := alone(f)
				f.spawn(app, "worker", proctab.Masks{}, TERM)
				return app
			},
			script: func(r *script) {
				r.signal(TERM)
				r.exit(12, exited(0))
				r.exit(11, exited(0))
			},
			code: 0, sent: []string{"SIGTERM>11"},
			said: [][]string{{"sidekiq has a handler for SIGTERM: it alone gets it"}}},
		{name: "an init that blocks it: it alone",
			setup: func(f *fakeOS) int {
				tini := f.spawn(fakeSelf, "tini", initMasks)
				f.spawn(tini, "sidekiq", appMasks)
				return tini
			},
			script: func(r *script) {
				r.signal(TERM)
				r.exit(12, exited(0))
				r.exit(11, exited(143))
			},
			code: 143, sent: []string{"SIGTERM>11"},
			said: [][]string{{"tini blocks SIGTERM to take it itself"}}},
		{name: "a child that ignores QUIT gets SIGTERM instead",
			setup: func(f *fakeOS) int {
				bash := f.spawn(fakeSelf, "bash", bashMasks, TERM)
				f.spawn(bash, "cron", bgMasks, TERM)
				return bash
			},
			script: func(r *script) {
				r.signal(QUIT)
				r.exit(11, exited(0))
			},
			code: 0, sent: []string{"SIGQUIT>11", "SIGTERM>12"},
			said: [][]string{{"sigterm_instead=12(cron)"}}},
		{name: "a child deaf to QUIT and TERM is named at once",
			setup: func(f *fakeOS) int {
				bash := f.spawn(fakeSelf, "bash", bashMasks, TERM)
				f.spawn(bash, "deaf", proctab.Masks{Ign: sigset(QUIT, TERM)})
				return bash
			},
			script: func(r *script) {
				r.signal(QUIT)
				r.exit(12, exited(0))
				r.exit(11, exited(0))
			},
			code: 0, sent: []string{"SIGQUIT>11"},
			said: [][]string{{"processes ignore SIGQUIT and SIGTERM", "deaf=12(deaf)"}}},
		{name: "-g: the group gets it; the group member is never signalled again",
			args: []string{"-g"}, setup: wrapped,
			script: func(r *script) {
				r.signal(TERM)
				r.exit(12, exited(0))
			},
			code: 143, sent: []string{"SIGTERM>-11"},
			said: [][]string{{"stop signal received; delivered", "to=group"}}},
		{name: "a repeated stop signal is not delivered again",
			setup: wrapped,
			script: func(r *script) {
				r.signal(TERM)
				r.signal(TERM)
				r.exit(12, exited(0))
			},
			code: 143, sent: []string{"SIGTERM>11", "SIGTERM>12"},
			said: [][]string{{"stop signal already delivered; not sending it again"}}},
	})
}

// Orderings that are races with real processes: which of two events
// ready in one wake-up the select takes is Go's choice, so each order is
// played here.
func TestOrderings(t *testing.T) {
	// The app exits by itself (its SIGCHLD queued) as the stop arrives; a
	// worker it started is left.
	appAndWorker := func(f *fakeOS) int {
		app := alone(f)
		f.spawn(app, "worker", appMasks)
		return app
	}
	play(t, []row{
		{name: "child exit, then the stop signal: the drain delivers, once",
			setup: appAndWorker,
			script: func(r *script) {
				r.f.exit(11, exited(0)) // SIGCHLD queued
				r.pump()
				r.signal(TERM)
				r.exit(12, exited(0))
			},
			code: 0, sent: []string{"SIGTERM>12"},
			said: [][]string{{"stop signal received while draining; the drain has already sent it"}}},
		{name: "the stop signal before the child's SIGCHLD: the exited child is not signalled",
			setup: appAndWorker,
			script: func(r *script) {
				r.f.exit(11, exited(0)) // SIGCHLD queued, not yet handled
				r.signal(TERM)          // ahead of it
				r.exit(12, exited(0))
			},
			code: 0, sent: []string{"SIGTERM>12"},
			said: [][]string{{"stop signal received as the main child exited; the drain delivers it to what is left"}}},
		{name: "the job's exit, then the grace deadline: no kill",
			args: []string{"--grace", "20s"}, setup: wrapped,
			script: func(r *script) {
				r.signal(TERM)
				r.after(20*time.Second - time.Millisecond)
				r.f.exit(12, exited(0))
				r.pump()
				r.after(time.Second)
			},
			code: 143, sent: []string{"SIGTERM>11", "SIGTERM>12"}},
		{name: "the grace deadline before the job's SIGCHLD: the job that ended is not called killed",
			args: []string{"--grace", "20s"}, setup: wrapped,
			script: func(r *script) {
				r.signal(TERM)
				r.after(20*time.Second - time.Millisecond)
				r.f.exit(12, exited(0)) // its SIGCHLD queued behind the deadline
				r.after(time.Second)
				r.pump()
			},
			code: 143, sent: []string{"SIGTERM>11", "SIGTERM>12"},
			said: [][]string{{"process exited", "pid=12", "exited 0"}, {"deadline passed; nothing was left to kill"}}},
	})
}

// The fake itself: a script that leaves ginit waiting is caught.
func TestFakeCatchesUnfinished(t *testing.T) {
	f := newFakeOS(t)
	r := newRun(t, f, nil, alone(f))
	r.signal(TERM)
	if r.s.phase == done || !strings.Contains(strings.Join(f.sent, " "), "SIGTERM>11") {
		t.Fatalf("phase %d, sent %q", r.s.phase, f.sent)
	}
}
