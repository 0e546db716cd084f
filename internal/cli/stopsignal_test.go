package cli

import (
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestParseStopSignals(t *testing.T) {
	sigs := func(s ...syscall.Signal) func(*Config) bool {
		return func(c *Config) bool { return slices.Equal(c.StopSignals, s) }
	}
	for _, tc := range []struct {
		args  []string
		env   []string
		check func(*Config) bool
	}{
		{[]string{"prog"}, nil, func(c *Config) bool { return c.StopSignals == nil && !c.SignalAfterTrap }},
		{[]string{"--stop-signal", "SIGWINCH", "prog"}, nil, sigs(syscall.SIGWINCH)},
		{[]string{"--stop-signal=winch", "--stop-signal", "10", "--stop-signal", "WINCH", "prog"}, nil, sigs(syscall.SIGWINCH, syscall.SIGUSR1)},
		{[]string{"--stop-signal", "RTMIN+3", "prog"}, nil, sigs(37)},
		{[]string{"prog"}, []string{"GINIT_STOP_SIGNAL=WINCH, USR2"}, sigs(syscall.SIGWINCH, syscall.SIGUSR2)},
		{[]string{"prog"}, []string{"GINIT_STOP_SIGNAL="}, sigs()},
		{[]string{"--stop-signal", "HUP", "prog"}, []string{"GINIT_STOP_SIGNAL=WINCH"}, sigs(syscall.SIGHUP)}, // the flag wins
		{[]string{"--signal-after-trap", "prog"}, nil, func(c *Config) bool { return c.SignalAfterTrap }},
		{[]string{"prog"}, []string{"GINIT_SIGNAL_AFTER_TRAP=yes"}, func(c *Config) bool { return c.SignalAfterTrap }},
		{[]string{"prog"}, []string{"GINIT_SIGNAL_AFTER_TRAP="}, func(c *Config) bool { return !c.SignalAfterTrap }},
		{[]string{"--signal-after-trap", "prog"}, []string{"GINIT_SIGNAL_AFTER_TRAP=0"}, func(c *Config) bool { return c.SignalAfterTrap }},
	} {
		c, err := Parse(tc.args, env(tc.env...))
		if err != nil || !tc.check(c) {
			t.Errorf("%q %q: %+v, %v", tc.args, tc.env, c, err)
		}
	}
	for _, tc := range []struct {
		args []string
		env  []string
		msg  string
	}{
		{[]string{"--stop-signal", "KILL", "prog"}, nil, "--stop-signal"},
		{[]string{"--stop-signal", "CHLD", "prog"}, nil, "--stop-signal"},
		{[]string{"--stop-signal", "0", "prog"}, nil, "--stop-signal"},
		{[]string{"--stop-signal", "NOPE", "prog"}, nil, "--stop-signal"},
		{[]string{"--stop-signal"}, nil, "needs a value"},
		{[]string{"prog"}, []string{"GINIT_STOP_SIGNAL=WINCH,,USR1"}, "GINIT_STOP_SIGNAL"},
		{[]string{"prog"}, []string{"GINIT_STOP_SIGNAL=WINCH;USR1"}, "GINIT_STOP_SIGNAL"},
		{[]string{"--signal-after-trap=1", "prog"}, nil, "takes no value"},
		{[]string{"prog"}, []string{"GINIT_SIGNAL_AFTER_TRAP=maybe"}, "GINIT_SIGNAL_AFTER_TRAP"},
	} {
		_, err := Parse(tc.args, env(tc.env...))
		if _, ok := err.(*usageError); !ok || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q %q: %v, want a usage error naming %q", tc.args, tc.env, err, tc.msg)
		}
	}
}
