package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/signals"
)

func TestHeavyExitCodes(t *testing.T) {
	t.Parallel()
	for code := 0; code <= 255; code++ {
		c := fmt.Sprint(code)
		if got := exitCode(t, helper("exit", c)...); got != code {
			t.Errorf("child exit %d: ginit exited %d", code, got)
		}
		other := fmt.Sprint((code + 1) % 256)
		if got := exitCode(t, append([]string{"-e", c, "-e", other}, helper("exit", c)...)...); got != 0 {
			t.Errorf("-e %d, child exit %d: ginit exited %d, want 0", code, code, got)
		}
	}
	if got := exitCode(t, append([]string{"-e", "4"}, helper("exit", "3")...)...); got != 3 {
		t.Errorf("-e 4, child exit 3: ginit exited %d", got)
	}
}

func TestDeathBySignal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sig  string
		want int
	}{{"TERM", 143}, {"USR1", 138}, {"USR2", 140}, {"KILL", 137}, {"HUP", 129}} {
		if got := exitCode(t, "sh", "-c", "kill -s "+tc.sig+" $$"); got != tc.want {
			t.Errorf("child killed by SIG%s: ginit exited %d, want %d", tc.sig, got, tc.want)
		}
	}
	if got := exitCode(t, "-e", "143", "sh", "-c", "kill -s TERM $$"); got != 0 {
		t.Errorf("-e 143 with child killed by SIGTERM: exit %d, want 0", got)
	}
}

// Every signal ginit can catch reaches the child, SIGURG included (the
// build turns the runtime's own SIGURGs off).
func TestForwardsEverySignal(t *testing.T) {
	t.Parallel()
	r := start(t, opts{args: helper("record", "TERM", "0")})
	r.expect("ready")
	for s := syscall.Signal(1); s <= 31; s++ {
		if !signals.Forwarded(s) || signals.IsStop(s) {
			continue
		}
		r.signal(s)
		r.expect("got " + signals.Name(s))
	}
	for _, s := range []syscall.Signal{35, 37, 50, 64} { // real-time signals
		r.signal(s)
		r.expect("got " + signals.Name(s))
	}
	r.signal(syscall.SIGTERM)
	r.expect("got SIGTERM")
	if code := r.wait(); code != 0 {
		t.Errorf("exit %d, want the child's 0", code)
	}
}

// A SIGTERM that lands while ginit is starting the child still reaches it.
func TestHeavyTermDuringStart(t *testing.T) {
	t.Parallel()
	for i := 0; i < 50; i++ {
		termDuringStart(t)
	}
}

func termDuringStart(t *testing.T) {
	t.Helper()
	r := start(t, opts{args: append([]string{"-vvvv"}, helper("record", "TERM", "0")...)})
	r.expectErr("trace ready")
	r.signal(syscall.SIGTERM)
	// 0 if the child's handler caught it, 143 if it came before the handler:
	// either way it arrived. A lost signal would leave ginit running.
	if code := r.wait(); code != 0 && code != 143 {
		t.Errorf("exit %d, want 0 or 143", code)
	}
}

func countLines(s, sub string) int { return strings.Count(s, sub) }

func TestReapsOrphansAsPID1(t *testing.T) {
	t.Parallel()
	r := start(t, opts{args: append([]string{"-w"}, helper("orphans", "1000", "20")...)})
	r.expect("forked 1000")
	if code := r.wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if n := countLines(r.stderr(), "reaped zombie"); n != 1000 {
		t.Errorf("reaped %d zombies, want 1000", n)
	}
}

func TestReapsOrphansAsSubreaper(t *testing.T) {
	t.Parallel()
	for _, o := range []opts{
		{args: append([]string{"-s", "-w"}, helper("orphans", "1000", "20")...), notNS: true},
		{args: append([]string{"-w"}, helper("orphans", "1000", "20")...), notNS: true, env: []string{"TINI_SUBREAPER="}},
	} {
		r := start(t, o)
		r.expect("forked 1000")
		if code := r.wait(); code != 0 {
			t.Fatalf("exit %d", code)
		}
		if n := countLines(r.stderr(), "reaped zombie"); n != 1000 {
			t.Errorf("%v %v: reaped %d zombies, want 1000", o.args[:2], o.env, n)
		}
		if strings.Contains(r.stderr(), "not PID 1") {
			t.Errorf("warned about not being a subreaper while one")
		}
	}
}

func TestWarnsWhenNeitherPID1NorSubreaper(t *testing.T) {
	t.Parallel()
	// Not PID 1, ginit is a subreaper by default: the warning needs the default off.
	r := start(t, opts{args: helper("exit", "0"), notNS: true, env: []string{"GINIT_SUBREAPER=0"}})
	r.wait()
	if !strings.Contains(r.stderr(), "not PID 1 and not a child subreaper") {
		t.Errorf("no warning; stderr: %s", r.stderr())
	}
	r = start(t, opts{args: helper("exit", "0"), notNS: true})
	r.wait()
	if r.stderr() != "" {
		t.Errorf("warned although a subreaper by default: %s", r.stderr())
	}
}

func TestGroupReachesGrandchild(t *testing.T) {
	t.Parallel()
	r := start(t, opts{args: append([]string{"-g"}, helper("spawn", helper("record", "USR1", "7")...)...)})
	r.expect("spawned")
	r.expect("ready")
	r.signal(syscall.SIGUSR1)
	r.expect("got SIGUSR1")
	if code := r.wait(); code != 7 {
		t.Errorf("exit %d, want 7 (the grandchild's, through its parent)", code)
	}
}

func TestGroupFromEnvironment(t *testing.T) {
	t.Parallel()
	r := start(t, opts{args: helper("spawn", helper("record", "USR1", "7")...), env: []string{"TINI_KILL_PROCESS_GROUP=0"}})
	r.expect("ready")
	r.signal(syscall.SIGUSR1)
	r.expect("got SIGUSR1")
	r.wait()
}

func TestExecFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, []byte("data"), 0o644)
	script := filepath.Join(dir, "script")
	os.WriteFile(script, []byte("exit 5\n"), 0o755)
	for _, tc := range []struct {
		prog string
		env  []string
		code int
		msg  string
	}{
		{"no-such-program-ginit", nil, 127, "not found in $PATH"},
		{"/no/such/file", nil, 127, "no such file"},
		{"/etc", nil, 126, "permission denied"},
		{plain, nil, 126, "permission denied"},
		{script, nil, 5, "no #! line"}, // run with /bin/sh, as execvp (tini) does
		{"true", []string{"PATH="}, 127, "not found in $PATH"},
	} {
		r := start(t, opts{args: []string{tc.prog}, env: tc.env})
		if code := r.wait(); code != tc.code {
			t.Errorf("%s: exit %d, want %d", tc.prog, code, tc.code)
		}
		if !strings.Contains(r.stderr(), tc.msg) || !strings.Contains(r.stderr(), tc.prog) {
			t.Errorf("%s: stderr %q lacks %q and the program's name", tc.prog, r.stderr(), tc.msg)
		}
	}
}

func TestPassesStdinArgvEnvironment(t *testing.T) {
	t.Parallel()
	args := []string{"a b", `"quoted"`, "", "-v", "--", "ünï"}
	// "--" first: without it, tini's getopt (and so ginit's) takes the -v
	// and the "--" that follow the program for its own.
	r := start(t, opts{args: append([]string{"--"}, helper("passthrough", args...)...), stdin: strings.NewReader("hello\x00world"),
		env: []string{"GINIT_TEST_VALUE=x=y z"}})
	if code := r.wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	out := r.stdout()
	for _, want := range []string{fmt.Sprintf("argv=%q", args), "env=x=y z", `stdin="hello\x00world"`} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %s:\n%s", want, out)
		}
	}
}

// Like tini's sigconf test: what ginit inherited as ignored or blocked
// reaches the child.
func TestInheritedSignalConfiguration(t *testing.T) {
	t.Parallel()
	r := start(t, opts{args: helper("sigstate"), notNS: true, via: "sigconf",
		env: []string{"GINIT_TEST_IGNORE=INT,TTOU,HUP", "GINIT_TEST_BLOCK=USR2,TTIN,WINCH", "GINIT_SUBREAPER=1"}})
	if code := r.wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var ign, blk uint64
	fmt.Sscanf(r.expectIn("SigIgn:"), "SigIgn: %x", &ign)
	fmt.Sscanf(r.expectIn("SigBlk:"), "SigBlk: %x", &blk)
	bit := func(s syscall.Signal) uint64 { return 1 << (s - 1) }
	for _, s := range []syscall.Signal{syscall.SIGINT, syscall.SIGTTOU, syscall.SIGHUP} {
		if ign&bit(s) == 0 {
			t.Errorf("%s was ignored when ginit started, but not in the child (SigIgn %x)", signals.Name(s), ign)
		}
	}
	// The Go runtime unblocks the signals it must see (TERM, INT, HUP, QUIT
	// and the faults) before ginit's first line; the README says so.
	for _, s := range []syscall.Signal{syscall.SIGUSR2, syscall.SIGTTIN, syscall.SIGWINCH} {
		if blk&bit(s) == 0 {
			t.Errorf("%s was blocked when ginit started, but not in the child (SigBlk %x)", signals.Name(s), blk)
		}
	}
	if ign&bit(syscall.SIGTERM) != 0 || blk&bit(syscall.SIGTERM) != 0 {
		t.Errorf("SIGTERM should reach the child with its default disposition")
	}
}

// expectIn finds a line of stdout that starts with prefix, after the run.
func (r *run) expectIn(prefix string) string {
	for _, l := range strings.Split(r.stdout(), "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	r.t.Fatalf("no line starting %q in %q", prefix, r.stdout())
	return ""
}

// -p: when ginit's parent dies, ginit gets the signal and forwards it.
func TestParentDeathSignal(t *testing.T) {
	t.Parallel()
	r := start(t, opts{args: append([]string{"-s", "-p", "SIGUSR1", "--"}, helper("record", "USR1", "5")...),
		via: "parent", notNS: true})
	r.expect("ready")
	r.signal(syscall.SIGKILL) // the parent; ginit and its child live on
	r.expect("got SIGUSR1")
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  []string
		msg  string
	}{
		{[]string{"-x", "true"}, nil, "unknown option -x"},
		{[]string{"--bogus", "true"}, nil, "unknown option --bogus"},
		{nil, nil, "no program given"},
		{[]string{"-v", "--"}, nil, "no program given"},
		{[]string{"-e", "256", "true"}, nil, "not a valid exit code"},
		{[]string{"-e", "x", "true"}, nil, "not a valid exit code"},
		{[]string{"-e"}, nil, "needs a value"},
		{[]string{"-p", "SIGFOO", "true"}, nil, "not a valid option for -p"},
		{[]string{"-p"}, nil, "needs a value"},
		{[]string{"--grace", "soon", "true"}, nil, "not a valid duration"},
		{[]string{"--grace=-3s", "true"}, nil, "not a valid duration"},
		{[]string{"-r", "TERM", "true"}, nil, "-r option takes"},
		{[]string{"-r", "FOO:TERM", "true"}, nil, "-r option takes"},
		{[]string{"-r", "CHLD:TERM", "true"}, nil, "cannot be rewritten"},
		{[]string{"--log-format", "xml", "true"}, nil, "not a valid log format"},
		{[]string{"true"}, []string{"GINIT_GRACE=soon"}, "GINIT_GRACE"},
		{[]string{"true"}, []string{"GINIT_SUBREAPER=maybe"}, "GINIT_SUBREAPER"},
		{[]string{"true"}, []string{"GINIT_KILL_PROCESS_GROUP=2"}, "GINIT_KILL_PROCESS_GROUP"},
		{[]string{"true"}, []string{"GINIT_LOG_FORMAT=xml"}, "GINIT_LOG_FORMAT"},
	} {
		r := start(t, opts{args: tc.args, env: tc.env, notNS: true})
		if code := r.wait(); code != 1 {
			t.Errorf("%q %q: exit %d, want 1", tc.args, tc.env, code)
		}
		first, rest, _ := strings.Cut(r.stderr(), "\n")
		if !strings.HasPrefix(first, "ginit: ") || !strings.Contains(first, tc.msg) || !strings.Contains(first, "ginit --help") || rest != "" {
			t.Errorf("%q %q: stderr %q: want one line naming %q and ginit --help", tc.args, tc.env, r.stderr(), tc.msg)
		}
		if r.stdout() != "" {
			t.Errorf("%q: wrote to stdout: %q", tc.args, r.stdout())
		}
	}
}

func TestHelpVersionLicense(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ arg, want string }{
		{"-h", "Usage: ginit"}, {"--help", "Usage: ginit"}, {"--version", "ginit version "}, {"-l", "MIT License"},
	} {
		r := start(t, opts{args: []string{tc.arg}, notNS: true})
		if code := r.wait(); code != 0 || !strings.Contains(r.stdout(), tc.want) || r.stderr() != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", tc.arg, code, r.stdout(), r.stderr())
		}
	}
	// dockerd reads "NAME version V - git.COMMIT" (moby's parseInitVersion).
	r := start(t, opts{args: []string{"--version"}, notNS: true})
	r.wait()
	out := r.stdout()
	if _, commit, ok := strings.Cut(strings.TrimSpace(out), " - git."); !ok || commit == "" {
		t.Errorf("--version %q is not in tini's shape", out)
	}
}
