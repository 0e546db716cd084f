package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
	"github.com/ginit-dev/ginit/internal/launch"
)

// The oracle's machinery: a probe written in C (testdata/oracle-probe.c),
// a directory of programs to start, and one run of an init (tini-static
// or ginit) as PID 1 of a new PID namespace with the probe as its child.

// oracleRun is what one init did with one case.
type oracleRun struct {
	report []string // the probe's lines, normalised; nil if it never ran
	code   int
	out    string // everything, for failure messages
}

// oracleDir builds the probe and the programs the cases start, and returns
// the directory. It skips when tini-static or a C compiler is missing.
func oracleDir(t *testing.T) (dir, tini string) {
	t.Helper()
	tini, err := exec.LookPath("tini-static")
	if err != nil {
		t.Skipf("SKIP: tini-static is not installed (Debian's tini package; make deps installs it): %v", err)
	}
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("SKIP: no C compiler (cc) to build the oracle's probe (make deps installs gcc): %v", err)
	}
	dir = t.TempDir()
	probe := filepath.Join(dir, "oracle-probe")
	build := exec.Command(cc, "-O", "-o", probe, filepath.Join(itest.RootDir, "integration/testdata/oracle-probe.c"))
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("SKIP: the C compiler cannot build the probe (libc6-dev missing?): %v\n%s", err, out)
	}
	files := map[string]struct {
		body string
		mode os.FileMode
	}{
		"shebang":   {"#!/bin/sh\nexec " + probe + " \"$0\" \"$@\"\n", 0o755},
		"noshebang": {"exec " + probe + " \"$0\" \"$@\"\n", 0o755},
		"empty":     {"", 0o755},
		"badinterp": {"#!/no/such/interpreter\n", 0o755},
		"garbage":   {"\x00\x01\x02\x03(\n", 0o755},
		"plain":     {"exec " + probe + "\n", 0o644},
	}
	// A directory nobody may search: without CAP_DAC_OVERRIDE (the nodac
	// launcher), looking a program up in it fails with EACCES.
	if err := os.Mkdir(filepath.Join(dir, "locked"), 0); err != nil {
		t.Fatal(err)
	}
	for name, f := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(f.body), f.mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir, tini
}

var (
	kernelIDs = regexp.MustCompile(`\[\d+\]`) // pipe:[123] differs from run to run
	ptyNumber = regexp.MustCompile(`/dev/pts/\d+`)
)

// runOracle runs init with c's command line and environment and the
// probe's directory first in PATH, and returns what the probe reported.
func runOracle(t *testing.T, init, dir string, c oracleCase) oracleRun {
	t.Helper()
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = strings.ReplaceAll(a, "$DIR", dir)
	}
	argv := append([]string{init}, args...)
	env := []string{"PATH=" + dir + ":/usr/bin:/bin", "ORACLE=1"}
	if c.via != "" {
		argv = append(itest.Helper(c.via), argv...)
		env = append(env, launch.HelperEnv)
	}
	for _, kv := range c.env {
		kv = strings.ReplaceAll(kv, "$DIR", dir)
		if name, ok := strings.CutPrefix(kv, "-"); ok { // "-PATH": unset
			env = slicesDelete(env, name+"=")
			continue
		}
		env = append(env, kv)
	}
	spec := launch.Spec{Argv: argv, Env: env, BareEnv: true, Dir: dir}
	if c.tty != "" {
		m, s := itest.OpenPty(t)
		go drain(m) // a terminal nobody reads can block its writers
		spec.TTY, spec.NoCTTY = s, c.tty != "ctty"
	}
	if c.extraFd {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		spec.Extra = []*os.File{r, nil, w}
	}
	cmd := launch.Command(spec)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut // the terminal, if any, is stdin only
	if err := cmd.Start(); err != nil {
		if launch.Refused(err) {
			t.Skipf("SKIP: %v: %v", launch.ErrNoNamespace, err)
		}
		t.Fatal(err)
	}
	timer := time.AfterFunc(itest.Patience, func() { cmd.Process.Kill() })
	cmd.Wait()
	timer.Stop()
	run := oracleRun{code: cmd.ProcessState.ExitCode(), out: "stdout:\n" + out.String() + "stderr:\n" + errOut.String()}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		run.code = 128 + int(ws.Signal())
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if r, ok := strings.CutPrefix(l, "R "); ok {
			r = kernelIDs.ReplaceAllString(r, "[N]")
			run.report = append(run.report, ptyNumber.ReplaceAllString(r, "/dev/pts/N"))
		}
	}
	return run
}

func slicesDelete(env []string, prefix string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, prefix) {
			out = append(out, kv)
		}
	}
	return out
}

func drain(f *os.File) {
	b := make([]byte, 4096)
	for {
		if _, err := f.Read(b); err != nil {
			return
		}
	}
}
