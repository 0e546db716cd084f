package stack

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// `go install .../cmd/ginit@VERSION` and a plain `go build` give a ginit
// that names its version and commit, and forwards signals. SIGURG is the
// one difference left: the go command refuses //go:debug asyncpreemptoff=1
// (golang/go#71283), so without the README's -ldflags the runtime keeps
// sending ginit SIGURGs of its own and ginit does not forward any.
func TestGoInstall(t *testing.T) {
	proxy, ver := moduleProxy(t)
	t.Parallel()
	home := t.TempDir()
	env := goEnv(proxy, home)
	install := func(name, ldflags string) string {
		t.Helper()
		args := []string{"install", "-trimpath"}
		if ldflags != "" {
			args = append(args, "-ldflags", ldflags)
		}
		cmd := exec.Command("go", append(args, modPath+"/cmd/ginit@"+ver)...)
		cmd.Dir, cmd.Env = home, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go install: %v: %s", err, out)
		}
		bin := filepath.Join(home, name)
		os.Rename(filepath.Join(home, "bin", "ginit"), bin)
		return bin
	}
	plain := install("plain", "")
	t.Logf("go install %s@%s: %s", modPath, ver, versionOf(t, plain))
	if got, want := versionOf(t, plain), "ginit version "+ver+" - git."+proxyCommit[:7]; got != want {
		t.Errorf("go install: --version %q, want %q", got, want)
	}
	if forwardsURG(t, plain, false) {
		t.Errorf("go install without -ldflags forwarded SIGURG: it cannot tell the runtime's own from a real one")
	}
	flagged := install("flagged", "-s -w -X runtime.godebugDefault=asyncpreemptoff=1 -X main.asyncPreemptOff=1")
	if !forwardsURG(t, flagged, true) {
		t.Errorf("go install with the README's -ldflags did not forward SIGURG")
	}

	// A plain go build in a clone: the go command stamps the version from git.
	src := filepath.Join(home, "src")
	if out, err := exec.Command("git", "clone", "-q", itest.RootDir, src).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v: %s", err, out)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(home, "built"), "./cmd/ginit")
	build.Dir = src
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true", "GOPROXY=off", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	head, _ := exec.Command("git", "-C", src, "rev-parse", "--short=7", "HEAD").Output()
	got := versionOf(t, filepath.Join(home, "built"))
	t.Logf("go build in a clone: %s", got)
	if !strings.HasPrefix(got, "ginit version v") || !strings.HasSuffix(got, " - git."+strings.TrimSpace(string(head))) {
		t.Errorf("go build in a clone: --version %q, want a module version and commit %s", got, head)
	}
}

func versionOf(t *testing.T, bin string) string {
	t.Helper()
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", bin, err)
	}
	return strings.TrimSpace(string(out))
}

// forwardsURG runs bin as PID 1 over the record helper, sends SIGURG then
// SIGUSR1, and reports whether the helper got SIGURG. want says which is
// expected, and so what to wait for before SIGPWR ends the helper: the
// SIGURG itself (up to itest.Patience), or, when none should come, the
// SIGUSR1 marker. Neither order nor time is assumed: ginit's threads,
// and the helper's, may take two signals sent back to back in either
// order (seen under load: SIGPWR forwarded before the SIGURG sent ahead
// of it, and the helper gone before SIGURG came). The helper runs with
// GODEBUG=asyncpreemptoff=1: a Go program that preempts with SIGURG
// never blocks it, and drops one that lands on a thread running no Go
// code as its own (runtime/signal_unix.go, sigtrampgo); it would also
// show its own preemption signals as forwarded ones.
func forwardsURG(t *testing.T, bin string, want bool) bool {
	t.Helper()
	r := itest.Start(t, itest.Opts{Init: bin, Env: []string{"GODEBUG=asyncpreemptoff=1"},
		Args: append([]string{"--"}, itest.Helper("record", "PWR", "0")...)})
	r.Expect("ready")
	r.Signal(syscall.SIGURG)
	r.Signal(syscall.SIGUSR1)
	defer time.AfterFunc(itest.Patience, func() { r.Cmd.Process.Kill() }).Stop()
	got, marker, ended := false, false, false
	for l := range r.Lines {
		got = got || l == "got SIGURG"
		marker = marker || l == "got SIGUSR1"
		if !ended && marker && (got || !want) {
			ended = true
			r.Signal(syscall.SIGPWR)
		}
	}
	r.Wait()
	return got
}
