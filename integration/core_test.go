package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
	"github.com/ginit-dev/ginit/signals"
)

func TestHeavyExitCodes(t *testing.T) {
	t.Parallel()
	for code := 0; code <= 255; code++ {
		c := fmt.Sprint(code)
		if got := itest.ExitCode(t, itest.Helper("exit", c)...); got != code {
			t.Errorf("child exit %d: ginit exited %d", code, got)
		}
		other := fmt.Sprint((code + 1) % 256)
		if got := itest.ExitCode(t, append([]string{"-e", c, "-e", other}, itest.Helper("exit", c)...)...); got != 0 {
			t.Errorf("-e %d, child exit %d: ginit exited %d, want 0", code, code, got)
		}
	}
	if got := itest.ExitCode(t, append([]string{"-e", "4"}, itest.Helper("exit", "3")...)...); got != 3 {
		t.Errorf("-e 4, child exit 3: ginit exited %d", got)
	}
}

func TestDeathBySignal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sig  string
		want int
	}{{"TERM", 143}, {"USR1", 138}, {"USR2", 140}, {"KILL", 137}, {"HUP", 129}} {
		if got := itest.ExitCode(t, "sh", "-c", "kill -s "+tc.sig+" $$"); got != tc.want {
			t.Errorf("child killed by SIG%s: ginit exited %d, want %d", tc.sig, got, tc.want)
		}
	}
	if got := itest.ExitCode(t, "-e", "143", "sh", "-c", "kill -s TERM $$"); got != 0 {
		t.Errorf("-e 143 with child killed by SIGTERM: exit %d, want 0", got)
	}
}

// Every signal ginit can catch reaches the child, SIGURG included (the
// build turns the runtime's own SIGURGs off).
func TestForwardsEverySignal(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("record", "TERM", "0")})
	r.Expect("ready")
	for s := syscall.Signal(1); s <= 31; s++ {
		if !signals.Forwarded(s) || signals.IsStop(s) {
			continue
		}
		r.Signal(s)
		r.Expect("got " + signals.Name(s))
	}
	for _, s := range []syscall.Signal{35, 37, 50, 64} { // real-time signals
		r.Signal(s)
		r.Expect("got " + signals.Name(s))
	}
	r.Signal(syscall.SIGTERM)
	r.Expect("got SIGTERM")
	if code := r.Wait(); code != 0 {
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
	r := itest.Start(t, itest.Opts{Args: append([]string{"-vvvv"}, itest.Helper("record", "TERM", "0")...)})
	r.ExpectErr("trace ready")
	r.Signal(syscall.SIGTERM)
	// 0 if the child's handler caught it, 143 if it came before the handler:
	// either way it arrived. A lost signal would leave ginit running.
	if code := r.Wait(); code != 0 && code != 143 {
		t.Errorf("exit %d, want 0 or 143", code)
	}
}

func countLines(s, sub string) int { return strings.Count(s, sub) }

func TestReapsOrphansAsPID1(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: append([]string{"-w"}, itest.Helper("orphans", "1000", "20")...)})
	r.Expect("forked 1000")
	if code := r.Wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if n := countLines(r.Stderr(), "reaped zombie"); n != 1000 {
		t.Errorf("reaped %d zombies, want 1000", n)
	}
}

func TestReapsOrphansAsSubreaper(t *testing.T) {
	t.Parallel()
	for _, o := range []itest.Opts{
		{Args: append([]string{"-s", "-w"}, itest.Helper("orphans", "1000", "20")...), NotNS: true},
		{Args: append([]string{"-w"}, itest.Helper("orphans", "1000", "20")...), NotNS: true, Env: []string{"TINI_SUBREAPER="}},
	} {
		r := itest.Start(t, o)
		r.Expect("forked 1000")
		if code := r.Wait(); code != 0 {
			t.Fatalf("exit %d", code)
		}
		if n := countLines(r.Stderr(), "reaped zombie"); n != 1000 {
			t.Errorf("%v %v: reaped %d zombies, want 1000", o.Args[:2], o.Env, n)
		}
		if strings.Contains(r.Stderr(), "not PID 1") {
			t.Errorf("warned about not being a subreaper while one")
		}
	}
}

func TestWarnsWhenNeitherPID1NorSubreaper(t *testing.T) {
	t.Parallel()
	// Not PID 1, ginit is a subreaper by default: the warning needs the default off.
	r := itest.Start(t, itest.Opts{Args: itest.Helper("exit", "0"), NotNS: true, Env: []string{"GINIT_SUBREAPER=0"}})
	r.Wait()
	if !strings.Contains(r.Stderr(), "not PID 1 and not a child subreaper") {
		t.Errorf("no warning; stderr: %s", r.Stderr())
	}
	r = itest.Start(t, itest.Opts{Args: itest.Helper("exit", "0"), NotNS: true})
	r.Wait()
	if r.Stderr() != "" {
		t.Errorf("warned although a subreaper by default: %s", r.Stderr())
	}
}

func TestGroupReachesGrandchild(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: append([]string{"-g"}, itest.Helper("spawn", itest.Helper("record", "USR1", "7")...)...)})
	r.Expect("spawned")
	r.Expect("ready")
	r.Signal(syscall.SIGUSR1)
	r.Expect("got SIGUSR1")
	if code := r.Wait(); code != 7 {
		t.Errorf("exit %d, want 7 (the grandchild's, through its parent)", code)
	}
}

func TestGroupFromEnvironment(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("spawn", itest.Helper("record", "USR1", "7")...), Env: []string{"TINI_KILL_PROCESS_GROUP=0"}})
	r.Expect("ready")
	r.Signal(syscall.SIGUSR1)
	r.Expect("got SIGUSR1")
	r.Wait()
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
		r := itest.Start(t, itest.Opts{Args: []string{tc.prog}, Env: tc.env})
		if code := r.Wait(); code != tc.code {
			t.Errorf("%s: exit %d, want %d", tc.prog, code, tc.code)
		}
		if !strings.Contains(r.Stderr(), tc.msg) || !strings.Contains(r.Stderr(), tc.prog) {
			t.Errorf("%s: stderr %q lacks %q and the program's name", tc.prog, r.Stderr(), tc.msg)
		}
	}
}

func TestPassesStdinArgvEnvironment(t *testing.T) {
	t.Parallel()
	args := []string{"a b", `"quoted"`, "", "-v", "--", "ünï"}
	// "--" first: without it, tini's getopt (and so ginit's) takes the -v
	// and the "--" that follow the program for its own.
	r := itest.Start(t, itest.Opts{Args: append([]string{"--"}, itest.Helper("passthrough", args...)...), Stdin: strings.NewReader("hello\x00world"),
		Env: []string{"GINIT_TEST_VALUE=x=y z"}})
	if code := r.Wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	out := r.Stdout()
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
	r := itest.Start(t, itest.Opts{Args: itest.Helper("sigstate"), NotNS: true, Via: "sigconf",
		Env: []string{"GINIT_TEST_IGNORE=INT,TTOU,HUP", "GINIT_TEST_BLOCK=USR2,TTIN,WINCH", "GINIT_SUBREAPER=1"}})
	if code := r.Wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var ign, blk uint64
	fmt.Sscanf(r.ExpectIn("SigIgn:"), "SigIgn: %x", &ign)
	fmt.Sscanf(r.ExpectIn("SigBlk:"), "SigBlk: %x", &blk)
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

// -p: when ginit's parent dies, ginit gets the signal and forwards it.
func TestParentDeathSignal(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: append([]string{"-s", "-p", "SIGUSR1", "--"}, itest.Helper("record", "USR1", "5")...),
		Via: "parent", NotNS: true})
	r.Expect("ready")
	r.Signal(syscall.SIGKILL) // the parent; ginit and its child live on
	r.Expect("got SIGUSR1")
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
		// The issue 25 cases: a typo is an error even where a flag wins,
		// and GINIT_ booleans take only the documented words.
		{[]string{"-v", "true"}, []string{"GINIT_VERBOSITY=loud"}, "GINIT_VERBOSITY"},
		{[]string{"true"}, []string{"GINIT_SUBREAPER=y"}, "GINIT_SUBREAPER"},
		{[]string{"true"}, []string{"GINIT_SUBREAPER= 1"}, "GINIT_SUBREAPER"},
		{[]string{"--stop-signal", "KILL", "true"}, nil, "--stop-signal"},
		{[]string{"true"}, []string{"GINIT_STOP_SIGNAL=WINCH,,USR1"}, "GINIT_STOP_SIGNAL"},
		{[]string{"true"}, []string{"GINIT_SIGNAL_AFTER_TRAP=t"}, "GINIT_SIGNAL_AFTER_TRAP"},
	} {
		r := itest.Start(t, itest.Opts{Args: tc.args, Env: tc.env, NotNS: true})
		if code := r.Wait(); code != 1 {
			t.Errorf("%q %q: exit %d, want 1", tc.args, tc.env, code)
		}
		first, rest, _ := strings.Cut(r.Stderr(), "\n")
		if !strings.HasPrefix(first, "ginit: ") || !strings.Contains(first, tc.msg) || !strings.Contains(first, "ginit --help") || rest != "" {
			t.Errorf("%q %q: stderr %q: want one line naming %q and ginit --help", tc.args, tc.env, r.Stderr(), tc.msg)
		}
		if r.Stdout() != "" {
			t.Errorf("%q: wrote to stdout: %q", tc.args, r.Stdout())
		}
	}
}

func TestHelpVersionLicense(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ arg, want string }{
		{"-h", "Usage: ginit"}, {"--help", "Usage: ginit"}, {"--version", "ginit version "}, {"-l", "MIT License"},
	} {
		r := itest.Start(t, itest.Opts{Args: []string{tc.arg}, NotNS: true})
		if code := r.Wait(); code != 0 || !strings.Contains(r.Stdout(), tc.want) || r.Stderr() != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", tc.arg, code, r.Stdout(), r.Stderr())
		}
	}
	// dockerd reads "NAME version V - git.COMMIT" (moby's parseInitVersion).
	r := itest.Start(t, itest.Opts{Args: []string{"--version"}, NotNS: true})
	r.Wait()
	out := r.Stdout()
	if _, commit, ok := strings.Cut(strings.TrimSpace(out), " - git."); !ok || commit == "" {
		t.Errorf("--version %q is not in tini's shape", out)
	}
}
