package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/proctab"
)

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
		{name: "/proc unreadable: the main child alone, then kill(-1) as PID 1",
			setup: func(f *fakeOS) int {
				f.noProc = true
				return wrapped(f)
			},
			script: func(r *script) {
				r.signal(TERM)
				r.exit(12, exited(0))
			},
			code: 143, sent: []string{"SIGTERM>11", "SIGTERM>-1"},
			said: [][]string{{"its dispositions could not be read: it alone gets it"},
				{"cannot list processes; draining without names"}}},
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
