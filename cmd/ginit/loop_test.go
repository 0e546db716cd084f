package main

import (
	"syscall"
	"testing"
	"time"
)

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
