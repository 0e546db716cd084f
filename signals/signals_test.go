package signals

import (
	"syscall"
	"testing"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]syscall.Signal{
		"SIGTERM": syscall.SIGTERM, "TERM": syscall.SIGTERM, "term": syscall.SIGTERM, "15": syscall.SIGTERM,
		"SIGKILL": syscall.SIGKILL, "1": syscall.SIGHUP, "64": 64, "RTMIN+3": 37, "SIGRTMIN+0": 34,
	} {
		if got, err := Parse(in, false); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "65", "-1", "SIG", "FOO", "RTMIN+31", "RTMIN+x", " 15", "1.5"} {
		if got, err := Parse(in, false); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", in, got)
		}
	}
	if got, err := Parse("0", true); err != nil || got != 0 {
		t.Errorf("Parse(0, allowZero) = %v, %v", got, err)
	}
}

func TestName(t *testing.T) {
	for sig, want := range map[syscall.Signal]string{
		syscall.SIGTERM: "SIGTERM", syscall.SIGUSR1: "SIGUSR1", 37: "SIGRTMIN+3", 99: "signal 99",
	} {
		if got := Name(sig); got != want {
			t.Errorf("Name(%d) = %q, want %q", sig, got, want)
		}
	}
	for s := syscall.Signal(1); s <= MaxSignal; s++ {
		if s == 32 || s == 33 {
			continue
		}
		if back, err := Parse(Name(s), false); err != nil || back != s {
			t.Errorf("Parse(Name(%d)=%q) = %v, %v", s, Name(s), back, err)
		}
	}
}

func TestForwardedSet(t *testing.T) {
	never := []syscall.Signal{syscall.SIGCHLD, syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGFPE, syscall.SIGILL,
		syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGABRT, syscall.SIGTRAP, syscall.SIGSYS, syscall.SIGTTIN,
		syscall.SIGTTOU, syscall.SIGPROF, 32, 33, 34}
	for _, s := range never {
		if Forwarded(s) {
			t.Errorf("%s is forwarded", Name(s))
		}
	}
	for _, s := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGURG, syscall.SIGCONT, syscall.SIGTSTP, 35, 64} {
		if !Forwarded(s) {
			t.Errorf("%s is not forwarded", Name(s))
		}
	}
}

func TestRewrite(t *testing.T) {
	for spec, want := range map[string][2]syscall.Signal{
		"15:3": {15, 3}, "TERM:QUIT": {15, 3}, "SIGHUP:0": {1, 0}, "usr1:usr2": {10, 12}, "TSTP:STOP": {20, 19},
	} {
		from, to, err := ParseRewrite(spec)
		if err != nil || from != want[0] || to != want[1] {
			t.Errorf("ParseRewrite(%q) = %v, %v, %v", spec, from, to, err)
		}
	}
	for _, spec := range []string{"", "15", ":3", "15:", "0:3", "15:65", "x:y", "15:3:1", "CHLD:TERM", "KILL:TERM"} {
		if _, _, err := ParseRewrite(spec); err == nil {
			t.Errorf("ParseRewrite(%q): no error", spec)
		}
	}
	r := Rewrites{syscall.SIGTERM: syscall.SIGQUIT, syscall.SIGHUP: 0}
	if s, ok := r.Apply(syscall.SIGTERM); s != syscall.SIGQUIT || !ok {
		t.Errorf("TERM -> %v %v", s, ok)
	}
	if _, ok := r.Apply(syscall.SIGHUP); ok {
		t.Errorf("HUP not dropped")
	}
	if s, ok := r.Apply(syscall.SIGUSR1); s != syscall.SIGUSR1 || !ok {
		t.Errorf("USR1 -> %v %v", s, ok)
	}
}
