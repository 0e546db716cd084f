package cli

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseArgs: any command line and environment either parses into a
// config that runs a program, or fails with a usage error (exit 1). Never a
// panic, never a silent default for a value that was given.
func FuzzParseArgs(f *testing.F) {
	for _, seed := range [][2]string{
		{"-vvv -s -g -w -e 3 -p SIGKILL -- prog a", ""},
		{"--grace=1m30s -r TERM:QUIT --log-format json prog", "GINIT_GRACE=5"},
		{"-e256 prog", "TINI_SUBREAPER="},
		{"--grace", "TINI_VERBOSITY=x"},
		{"-pUSR1 -rHUP:0 prog", "GINIT_SUBREAPER=yes\x00GINIT_LOG_FORMAT=json"},
		{"--stop-signal WINCH --signal-after-trap prog", "GINIT_STOP_SIGNAL=USR1,HUP\x00GINIT_SIGNAL_AFTER_TRAP=on"},
		{"-h", ""}, {"--version", ""}, {"-l", ""}, {"", ""}, {"-- --", ""}, {"-", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, args, envs string) {
		m := map[string]string{}
		for kv := range strings.SplitSeq(envs, "\x00") {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
		lookup := func(k string) (string, bool) { v, ok := m[k]; return v, ok }
		c, err := Parse(strings.Fields(args), lookup)
		if err != nil {
			if _, ok := err.(*usageError); !ok {
				t.Fatalf("%q: %T is not a usage error", args, err)
			}
			if err.Error() == "" || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%q: error %q is not one line", args, err)
			}
			return
		}
		if c.Action == ActRun && len(c.Argv) == 0 {
			t.Fatalf("%q: parsed with no program", args)
		}
		if c.Verbosity < 0 || c.Grace < 0 || (c.PdeathSig != 0 && (c.PdeathSig < 1 || c.PdeathSig > 64)) {
			t.Fatalf("%q: out of range: %+v", args, c)
		}
		for _, sig := range c.StopSignals {
			if sig < 1 || sig > 64 {
				t.Fatalf("%q: stop signal %d", args, sig)
			}
		}
		for from, to := range c.Rewrites {
			if from < 1 || from > 64 || to < 0 || to > 64 {
				t.Fatalf("%q: rewrite %d:%d", args, from, to)
			}
		}
	})
}

// FuzzParseDuration: an accepted duration is non-negative and Go's syntax
// or seconds; nothing panics.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"25s", "1m30s", "25", "2.5", "0", "-1", "1e300", "NaN", "Inf", "0x10", "1_0", "", "1h2m3.5s", "9999999999999999h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("%q: negative %v", s, d)
		}
		if _, perr := time.ParseDuration(s); perr != nil && strings.Trim(s, "0123456789.") != "" {
			t.Fatalf("%q: accepted as seconds but is not a plain number", s)
		}
	})
}
