package cli

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		m[k] = v
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// fields splits on spaces; a quoted part ('3 ', ' ') is one field.
func fields(s string) []string {
	var out []string
	for i, part := range strings.Split(s, "'") {
		if i%2 == 1 { // even when empty
			out = append(out, part)
		} else {
			out = append(out, strings.Fields(part)...)
		}
	}
	return out
}

func TestCNumbers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int64
		ok   bool
		atoi int
	}{
		{"", 0, true, 0}, {"3", 3, true, 3}, {" 3", 3, true, 3}, {"\t+3", 3, true, 3}, {"-0", 0, true, 0},
		{"3 ", 3, false, 3}, {"0x3", 0, false, 0}, {"loud", 0, false, 0}, {" ", 0, false, 0}, {"+", 0, false, 0},
		{"9223372036854775807", 1<<63 - 1, true, -1}, {"99999999999999999999", 1<<63 - 1, true, -1},
		{"-9223372036854775808", -1 << 63, true, 0}, {"-99999999999999999999", -1 << 63, true, 0},
		{"4294967298", 4294967298, true, 2},
	} {
		n, ok := strtol(tc.in)
		if n != tc.n || ok != tc.ok || atoi(tc.in) != tc.atoi {
			t.Errorf("%q: strtol %d %v, atoi %d; want %d %v, %d", tc.in, n, ok, atoi(tc.in), tc.n, tc.ok, tc.atoi)
		}
	}
}

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args  string
		env   []string
		check func(*Config) bool
	}{
		{"sh -c x", nil, func(c *Config) bool { return strings.Join(c.Argv, " ") == "sh -c x" && c.Verbosity == 1 }},
		{"-- sh -c x", nil, func(c *Config) bool { return strings.Join(c.Argv, " ") == "sh -c x" }},
		// tini's getopt: options after the program are tini's, and the first
		// "--" ends them wherever it stands and is removed.
		{"-s -g -w prog -s", nil, func(c *Config) bool {
			return c.Subreaper && c.Group && c.WarnOnReap && strings.Join(c.Argv, " ") == "prog"
		}},
		{"-s echo -- hello", nil, func(c *Config) bool { return strings.Join(c.Argv, " ") == "echo hello" && c.Subreaper }},
		{"echo hi --", nil, func(c *Config) bool { return strings.Join(c.Argv, " ") == "echo hi" }},
		{"-- echo -- hello", nil, func(c *Config) bool { return strings.Join(c.Argv, " ") == "echo -- hello" }},
		{"echo -v -- -v", nil, func(c *Config) bool { return strings.Join(c.Argv, " ") == "echo -v" && c.Verbosity == 2 }},
		// POSIXLY_CORRECT: glibc stops at the first non-option.
		{"-s echo -- hello", []string{"POSIXLY_CORRECT="}, func(c *Config) bool { return strings.Join(c.Argv, " ") == "echo -- hello" }},
		// tini refuses these (-c is not its option); ginit reads up to the program.
		{"sh -c x -s", nil, func(c *Config) bool { return strings.Join(c.Argv, " ") == "sh -c x -s" && !c.Subreaper }},
		{"prog -h", nil, func(c *Config) bool { return c.Action == ActHelp }},
		{"-e +3 -e '' -e -0 prog", nil, func(c *Config) bool { return c.Remap[3] && c.Remap[0] }},
		{"-sgw prog", nil, func(c *Config) bool { return c.Subreaper && c.Group && c.WarnOnReap }},
		{"-vvv prog", nil, func(c *Config) bool { return c.Verbosity == 4 }},
		{"-v -v prog", nil, func(c *Config) bool { return c.Verbosity == 3 }},
		{"-v prog", []string{"TINI_VERBOSITY=0"}, func(c *Config) bool { return c.Verbosity == 0 }},
		// TINI_VERBOSITY as tini's atoi reads it, with a warning for garbage.
		{"prog", []string{"TINI_VERBOSITY=loud"}, func(c *Config) bool { return c.Verbosity == 0 && len(c.Warnings) == 1 }},
		{"prog", []string{"TINI_VERBOSITY=2x"}, func(c *Config) bool { return c.Verbosity == 2 && len(c.Warnings) == 1 }},
		{"prog", []string{"TINI_VERBOSITY= +3"}, func(c *Config) bool { return c.Verbosity == 3 && len(c.Warnings) == 0 }},
		// tini's level is unsigned: -2 is huge, every line, as 7 is.
		{"prog", []string{"TINI_VERBOSITY=-2"}, func(c *Config) bool { return c.Verbosity == 4 && len(c.Warnings) == 1 }},
		{"prog", []string{"TINI_VERBOSITY=7"}, func(c *Config) bool { return c.Verbosity == 4 && len(c.Warnings) == 1 }},
		{"prog", []string{"TINI_VERBOSITY=4"}, func(c *Config) bool { return c.Verbosity == 4 && len(c.Warnings) == 0 }},
		{"prog", []string{"TINI_VERBOSITY="}, func(c *Config) bool { return c.Verbosity == 0 && len(c.Warnings) == 1 }},
		{"prog", []string{"TINI_VERBOSITY=3"}, func(c *Config) bool { return c.Verbosity == 3 && len(c.Warnings) == 0 }},
		{"-v prog", []string{"GINIT_VERBOSITY=0"}, func(c *Config) bool { return c.Verbosity == 2 }},
		{"prog", []string{"GINIT_VERBOSITY=3", "TINI_VERBOSITY=0"}, func(c *Config) bool { return c.Verbosity == 3 }},
		{"-e 3 -e143 -e 0 prog", nil, func(c *Config) bool { return c.Remap[3] && c.Remap[143] && c.Remap[0] && !c.Remap[1] }},
		{"-p SIGKILL prog", nil, func(c *Config) bool { return c.PdeathSig == syscall.SIGKILL }},
		{"-pUSR1 prog", nil, func(c *Config) bool { return c.PdeathSig == syscall.SIGUSR1 }},
		{"--grace 25s prog", nil, func(c *Config) bool { return c.Grace == 25*time.Second }},
		{"--grace=1m30s prog", nil, func(c *Config) bool { return c.Grace == 90*time.Second }},
		{"--grace 2.5 prog", nil, func(c *Config) bool { return c.Grace == 2500*time.Millisecond }},
		{"prog", []string{"GINIT_GRACE=7"}, func(c *Config) bool { return c.Grace == 7*time.Second }},
		{"--grace 3s prog", []string{"GINIT_GRACE=7"}, func(c *Config) bool { return c.Grace == 3*time.Second }},
		{"-r TERM:QUIT -r 10:0 --rewrite=HUP:USR1 prog", nil, func(c *Config) bool {
			return c.Rewrites[syscall.SIGTERM] == syscall.SIGQUIT && c.Rewrites[syscall.SIGUSR1] == 0 &&
				c.Rewrites[syscall.SIGHUP] == syscall.SIGUSR1
		}},
		{"--log-format json prog", nil, func(c *Config) bool { return c.JSON }},
		{"prog", []string{"GINIT_LOG_FORMAT=json"}, func(c *Config) bool { return c.JSON }},
		{"--log-format text prog", []string{"GINIT_LOG_FORMAT=json"}, func(c *Config) bool { return !c.JSON }},
		// tini: present means on, even empty or "0".
		{"prog", []string{"TINI_SUBREAPER="}, func(c *Config) bool { return c.Subreaper }},
		{"prog", []string{"TINI_SUBREAPER=0"}, func(c *Config) bool { return c.Subreaper }},
		{"prog", []string{"TINI_KILL_PROCESS_GROUP="}, func(c *Config) bool { return c.Group }},
		// GINIT_ twins parse booleans and win over TINI_.
		{"prog", []string{"GINIT_SUBREAPER=0", "TINI_SUBREAPER=1"}, func(c *Config) bool { return !c.Subreaper }},
		{"prog", []string{"GINIT_SUBREAPER=yes"}, func(c *Config) bool { return c.Subreaper }},
		{"prog", []string{"GINIT_SUBREAPER=TRUE"}, func(c *Config) bool { return c.Subreaper }},
		{"prog", []string{"GINIT_SUBREAPER=Off"}, func(c *Config) bool { return !c.Subreaper && c.NoSubreaper }},
		{"-s prog", []string{"GINIT_SUBREAPER=false"}, func(c *Config) bool { return c.Subreaper }},
		{"prog", []string{"GINIT_KILL_PROCESS_GROUP=true"}, func(c *Config) bool { return c.Group }},
		{"-h", nil, func(c *Config) bool { return c.Action == ActHelp }},
		{"-l", nil, func(c *Config) bool { return c.Action == ActLicense }},
		{"--version", nil, func(c *Config) bool { return c.Action == ActVersion }},
		{"- x", nil, func(c *Config) bool { return c.Argv[0] == "-" }},
	} {
		c, err := Parse(fields(tc.args), env(tc.env...))
		if err != nil {
			t.Errorf("%q %q: %v", tc.args, tc.env, err)
			continue
		}
		if !tc.check(c) {
			t.Errorf("%q %q: got %+v", tc.args, tc.env, c)
		}
	}
}

func TestParseArgsErrors(t *testing.T) {
	for _, tc := range []struct {
		args string
		env  []string
		msg  string
	}{
		{"", nil, "no program"},
		{"-v", nil, "no program"},
		{"-q prog", nil, "unknown option -q"},
		{"--nope prog", nil, "unknown option --nope"},
		{"-e 256 prog", nil, "exit code"},
		{"-e -1 prog", nil, "exit code"},
		{"-e", nil, "needs a value"},
		{"-p NOPE prog", nil, "-p"},
		{"-p 0 prog", nil, "-p"},
		{"--grace", nil, "needs a value"},
		{"--grace x prog", nil, "duration"},
		{"--grace -1 prog", nil, "duration"},
		{"--grace NaN prog", nil, "duration"},
		{"--grace 1e300 prog", nil, "duration"},
		{"-r 1 prog", nil, "-r option"},
		{"-r 1:2:3 prog", nil, "-r option"},
		{"-r 0:1 prog", nil, "-r option"},
		{"-r 9:1 prog", nil, "cannot be rewritten"},
		{"-r TERM:65 prog", nil, "-r option"},
		{"--log-format=yaml prog", nil, "log format"},
		{"prog", []string{"GINIT_SUBREAPER=2"}, "GINIT_SUBREAPER"},
		{"prog", []string{"GINIT_SUBREAPER=y"}, "GINIT_SUBREAPER"},
		{"prog", []string{"GINIT_SUBREAPER=T"}, "GINIT_SUBREAPER"},
		{"prog", []string{"GINIT_SUBREAPER= 1"}, "GINIT_SUBREAPER"},
		{"prog", []string{"GINIT_KILL_PROCESS_GROUP=n"}, "GINIT_KILL_PROCESS_GROUP"},
		{"-v prog", []string{"GINIT_VERBOSITY=loud"}, "GINIT_VERBOSITY"}, // -v wins, the typo is still one
		{"-e '3 ' prog", nil, "exit code"},
		{"-e 0x3 prog", nil, "exit code"},
		{"-e -- prog", nil, "exit code"}, // "--" is -e's value, as in getopt
		{"prog", []string{"GINIT_VERBOSITY=-1"}, "GINIT_VERBOSITY"},
		{"prog", []string{"GINIT_VERBOSITY=99"}, "GINIT_VERBOSITY"}, // the message promises 0 to 4
		{"prog", []string{"GINIT_GRACE=later"}, "GINIT_GRACE"},
	} {
		_, err := Parse(fields(tc.args), env(tc.env...))
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q %q: error %v, want one naming %q", tc.args, tc.env, err, tc.msg)
		}
		if _, ok := err.(*usageError); err != nil && !ok {
			t.Errorf("%q: %T is not a usage error (exit 1)", tc.args, err)
		}
	}
}
