package stopplan

import (
	"slices"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/proctab"
)

// Real /proc/PID/status lines, read on Debian bookworm with each program
// started under `env --default-signal` (as ginit starts its child), while
// it waited: for a foreground child ("fg"), or in `wait` for an & job.
const (
	bashFg       = "SigBlk:\t0000000000010000\nSigIgn:\t0000000000000004\nSigCgt:\t0000000000010002\n"
	bashTrapTerm = "SigBlk:\t0000000000010000\nSigIgn:\t0000000000000004\nSigCgt:\t0000000000014002\n" // trap ... TERM (also 'trap "" TERM; kill 0; wait')
	dashFg       = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000010002\n"
	dashTrapTerm = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000014002\n"
	busyboxFg    = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000004\nSigCgt:\t0000000000010002\n"
	busyboxQuit  = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000010006\n" // trap ... QUIT
	// tini 0.19 sits in sigtimedwait, which unblocks the signals it waits
	// for while it sleeps: its status shows nothing blocked or caught.
	tini      = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000300000\nSigCgt:\t0000000000000000\n"
	dumbInit  = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nSigCgt:\t000000007ffbfeff\n"
	catatonit = "SigBlk:\tfffffffe3ffbfa07\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\n"
	// A child started by one of those shells: a foreground one has every
	// default; an & job ignores SIGINT and SIGQUIT.
	fgChild  = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\n"
	bgChild  = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000006\nSigCgt:\t0000000000000000\n"
	handlesQ = "SigBlk:\t0000000000000000\nSigIgn:\t0000000040001000\nSigCgt:\t0000000018016a07\n" // nginx's master started as an & job: its own handlers replace the inherited ignores
	deafAll  = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000004006\nSigCgt:\t0000000000000000\n" // ignores INT, QUIT and TERM
)

func target(pid, ppid, pgrp int, comm, status string) Target {
	m, ok := proctab.ParseMasks([]byte(status))
	return Target{Proc: proctab.Proc{Pid: pid, PPid: ppid, Pgrp: pgrp, Comm: comm}, Masks: m, Known: ok}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		comm, status string
		sig          syscall.Signal
		want         Case
	}{
		{"bash", bashFg, syscall.SIGTERM, Dies},
		{"bash", bashFg, syscall.SIGQUIT, Ignores},
		{"bash", bashFg, syscall.SIGINT, ShellWaits},
		{"bash", bashFg, syscall.SIGWINCH, Ignores},
		{"bash", bashFg, syscall.SIGUSR1, Dies},
		{"bash", bashTrapTerm, syscall.SIGTERM, Trap},
		{"bash", bashTrapTerm, syscall.SIGINT, ShellWaits},
		{"dash", dashFg, syscall.SIGTERM, Dies},
		{"dash", dashFg, syscall.SIGQUIT, Dies}, // dash does not ignore SIGQUIT
		{"dash", dashFg, syscall.SIGINT, ShellWaits},
		{"dash", dashTrapTerm, syscall.SIGTERM, Trap},
		{"sh", busyboxFg, syscall.SIGQUIT, Ignores},
		{"sh", busyboxFg, syscall.SIGINT, ShellWaits},
		{"busybox", busyboxQuit, syscall.SIGQUIT, Trap},
		{"tini", tini, syscall.SIGTERM, Dies}, // it alone gets it all the same
		{"dumb-init", dumbInit, syscall.SIGTERM, Handles},
		{"dumb-init", dumbInit, syscall.SIGINT, Handles}, // not a shell: its handler is its own
		{"catatonit", catatonit, syscall.SIGTERM, Init},
		{"catatonit", catatonit, syscall.SIGWINCH, Init},
		{"postgres", handlesQ, syscall.SIGINT, Handles},
		{"cron", bgChild, syscall.SIGQUIT, Ignores},
		{"nginx", handlesQ, syscall.SIGQUIT, Handles},
		{"sleep", fgChild, syscall.SIGWINCH, Ignores},
		{"x", "", syscall.SIGTERM, Unknown},
	} {
		m, ok := proctab.ParseMasks([]byte(tc.status))
		got := Classify(Target{Proc: proctab.Proc{Comm: tc.comm}, Masks: m, Known: ok}, tc.sig)
		if got != tc.want {
			t.Errorf("%s %q, %v: got case %d, want %d", tc.comm, tc.status, tc.sig, got, tc.want)
		}
	}
}

// sends renders a plan's deliveries as "pid:SIG" ("pid:SIG*" for a
// fallback), deaf ones as "pid:deaf", for comparison.
func sends(p Plan) []string {
	var out []string
	for _, s := range p.Sends {
		v := itoa(s.Proc.Pid) + ":" + sigName(s.Sig)
		if s.Instead {
			v += "*"
		}
		out = append(out, v)
	}
	for _, d := range p.Deaf {
		out = append(out, itoa(d.Pid)+":deaf")
	}
	return out
}

func sigName(s syscall.Signal) string {
	switch s {
	case syscall.SIGTERM:
		return "TERM"
	case syscall.SIGINT:
		return "INT"
	case syscall.SIGQUIT:
		return "QUIT"
	case syscall.SIGWINCH:
		return "WINCH"
	}
	return itoa(int(s))
}

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

func TestDecide(t *testing.T) {
	const term, intr, quit, winch = syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGWINCH
	bash := target(10, 1, 10, "bash", bashFg)
	for _, tc := range []struct {
		name    string
		snap    Snapshot
		sig     syscall.Signal
		want    Case
		mainSig syscall.Signal
		sends   []string
	}{
		{"wrapper dies of TERM: its child gets it from the drain", Snapshot{Main: bash,
			Below: []Target{target(11, 10, 10, "sidekiq", fgChild)}}, term, Dies, term, nil},
		{"bash ignores QUIT: its children get it, cron (an & job) gets TERM", Snapshot{Main: bash,
			Below: []Target{target(11, 10, 10, "php-fpm8.2", handlesQ), target(12, 10, 10, "nginx", handlesQ),
				target(13, 10, 10, "cron", bgChild), target(14, 10, 10, "tail", fgChild)}}, quit, Ignores, quit,
			[]string{"11:QUIT", "12:QUIT", "13:TERM*", "14:QUIT"}},
		{"bash does nothing on WINCH: apache2 gets it", Snapshot{Main: bash,
			Below: []Target{target(11, 10, 10, "apache2", fgChild)}}, winch, Ignores, winch, []string{"11:TERM*"}},
		{"every shell waits on INT: postgres gets it once", Snapshot{Main: bash,
			Below: []Target{target(11, 10, 10, "postgres", handlesQ)}}, intr, ShellWaits, intr, []string{"11:INT"}},
		{"INT to a foreground child with defaults", Snapshot{Main: target(10, 1, 10, "dash", dashFg),
			Below: []Target{target(11, 10, 10, "python3", fgChild)}}, intr, ShellWaits, intr, []string{"11:INT"}},
		{"a trap: bash alone", Snapshot{Main: target(10, 1, 10, "bash", bashTrapTerm),
			Below: []Target{target(11, 10, 10, "sidekiq", bgChild)}}, term, Trap, term, nil},
		{"an app's own handler: it alone", Snapshot{Main: target(10, 1, 10, "puma", handlesQ),
			Below: []Target{target(11, 10, 10, "puma", handlesQ)}}, term, Handles, term, nil},
		{"an init: it alone", Snapshot{Main: target(10, 1, 10, "catatonit", catatonit),
			Below: []Target{target(11, 10, 10, "bash", bashFg)}}, term, Init, term, nil},
		{"dumb-init: it alone, even on INT", Snapshot{Main: target(10, 1, 10, "dumb-init", dumbInit),
			Below: []Target{target(11, 10, 11, "bash", bashFg)}}, intr, Handles, intr, nil},
		{"the app itself ignores WINCH: TERM instead", Snapshot{Main: target(10, 1, 10, "sleep", fgChild)},
			winch, Ignores, term, nil},
		{"nobody acts on it: deaf", Snapshot{Main: bash,
			Below: []Target{target(11, 10, 10, "stubborn", deafAll)}}, quit, Ignores, quit, []string{"11:deaf"}},
		{"-g: the group has it; php-fpm left it with setsid", Snapshot{Group: true, Main: bash,
			Below: []Target{target(11, 10, 11, "php-fpm8.2", handlesQ), target(12, 11, 11, "php-fpm8.2", handlesQ),
				target(13, 10, 10, "nginx", handlesQ), target(14, 13, 10, "nginx", handlesQ)}},
			quit, Ignores, quit, []string{"11:QUIT"}},
		{"-g: a group member that ignores QUIT gets TERM", Snapshot{Group: true, Main: bash,
			Below: []Target{target(13, 10, 10, "cron", bgChild)}}, quit, Ignores, quit, []string{"13:TERM*"}},
		{"-g and TERM: the group, nobody else now", Snapshot{Group: true, Main: bash,
			Below: []Target{target(11, 10, 11, "php-fpm8.2", handlesQ)}}, term, Dies, term, nil},
		{"unreadable: the main child alone", Snapshot{Main: Target{Proc: proctab.Proc{Pid: 10, Comm: "x"}},
			Below: []Target{target(11, 10, 10, "y", fgChild)}}, quit, Unknown, quit, nil},
	} {
		p := Decide(tc.snap, tc.sig, term)
		if p.Case != tc.want || p.MainSig != tc.mainSig || !slices.Equal(sends(p), tc.sends) {
			t.Errorf("%s: got case %d, main %v, sends %v; want case %d, main %v, sends %v",
				tc.name, p.Case, p.MainSig, sends(p), tc.want, tc.mainSig, tc.sends)
		}
	}
}
