package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
	"github.com/ginit-dev/ginit/signals"
)

// shipped is every architecture the release builds: its directory in
// dist/ and the qemu-user emulator that runs it on an amd64 host ("" for
// amd64 itself and 386, which run natively).
var shipped = []struct{ arch, dir, qemu string }{
	{"amd64", "ginit_linux_amd64_v1", ""},
	{"386", "ginit_linux_386_sse2", ""},
	{"arm64", "ginit_linux_arm64_v8.0", "qemu-aarch64-static"},
	{"armv7", "ginit_linux_arm_7", "qemu-arm-static"},
	{"ppc64le", "ginit_linux_ppc64le_power8", "qemu-ppc64le-static"},
	{"s390x", "ginit_linux_s390x", "qemu-s390x-static"},
}

// The release binary of every architecture, as PID 1 of a new PID
// namespace (through qemu-user where the host cannot run it), on a core
// set: exit codes, -e, forwarding, reaping, the drain behind a wrapper
// that does not exec, the report file and the JSON log. What each prints
// is compared with amd64's, numbers aside: the hand-decoded siginfo, the
// sigaction and the signal masks differ by architecture (32-bit, big
// endian), and a mistake there shows here. The children are this test
// binary's helpers, amd64 programs run by the host kernel: only ginit is
// emulated.
func TestHeavyReleaseArchitectures(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("SKIP: the release's architectures are run from an amd64 host, not %s", runtime.GOARCH)
	}
	dist := releaseDist(t)
	t.Parallel()
	want := map[string]string{}
	for _, sc := range archScenarios {
		want[sc.name] = sc.run(t, "", filepath.Join(dist, shipped[0].dir, "ginit"))
		t.Logf("amd64, %s:\n%s", sc.name, want[sc.name])
	}
	for _, a := range shipped[1:] {
		t.Run(a.arch, func(t *testing.T) {
			t.Parallel()
			bin := filepath.Join(dist, a.dir, "ginit")
			name, qemu := emulator(t, a.arch, a.qemu, bin)
			for _, sc := range archScenarios {
				if got := sc.run(t, qemu, bin); got != want[sc.name] {
					t.Errorf("%s: %s differs from amd64's:\n%s\namd64:\n%s", a.arch, sc.name, got, want[sc.name])
				}
			}
			t.Run("subreaper", func(t *testing.T) { subreaper(t, a.arch, name, qemu, bin) })
		})
	}
}

// emulator is the qemu-user emulator that runs bin here, by name and
// path: none for a binary the kernel runs (amd64's, and 386's where the
// kernel has IA32 emulation). qemu-i386-static cannot stand in for the
// latter: under qemu 7.2 a plain Go 386 program aborts when a signal
// arrives ("fatal: morestack on gsignal"), ginit or not.
func emulator(t *testing.T, arch, name, bin string) (string, string) {
	t.Helper()
	if name == "" {
		if err := exec.Command(bin, "--version").Run(); errors.Is(err, syscall.ENOEXEC) {
			t.Skipf("SKIP: this kernel does not run %s binaries (%v: no IA32 emulation), and qemu-i386-static "+
				"aborts Go's 386 runtime on signals", arch, err)
		}
		return "", ""
	}
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("SKIP: %s is not installed (Debian's qemu-user-static; make deps installs it)", name)
	}
	return name, path
}

// archScenarios each run ginit once and return what it did, with the
// numbers that vary from run to run (pids, times) written as N.
var archScenarios = []struct {
	name string
	run  func(t *testing.T, qemu, bin string) string
}{
	{"exit codes", func(t *testing.T, qemu, bin string) string {
		var s strings.Builder
		for _, args := range [][]string{itest.Helper("exit", "3"), append([]string{"-e", "3"}, itest.Helper("exit", "3")...),
			itest.Helper("exit", "255")} {
			fmt.Fprintf(&s, "%d ", archStart(t, qemu, bin, itest.Opts{Args: args}).Wait())
		}
		return s.String()
	}},
	{"forwarding", func(t *testing.T, qemu, bin string) string {
		r := archStart(t, qemu, bin, itest.Opts{Args: itest.Helper("record", "TERM", "5")})
		r.Expect("ready")
		for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGHUP, syscall.SIGWINCH, syscall.SIGTERM} {
			r.Signal(sig)
			r.Expect("got " + signals.Name(sig))
		}
		return fmt.Sprintf("exit %d", r.Wait())
	}},
	{"reaping", func(t *testing.T, qemu, bin string) string {
		r := archStart(t, qemu, bin, itest.Opts{Args: append([]string{"-w"}, itest.Helper("orphans", "50", "20")...)})
		r.Expect("forked 50")
		code := r.Wait()
		return fmt.Sprintf("exit %d, %d zombies reaped", code, strings.Count(r.Stderr(), "reaped zombie"))
	}},
	{"drain behind a wrapper, report file, JSON log", func(t *testing.T, qemu, bin string) string {
		path := filepath.Join(t.TempDir(), "report")
		wrapper := []string{"sh", "-c", "echo starting; " + strings.Join(itest.Helper("worker", "300"), " ")}
		r := archStart(t, qemu, bin, itest.Opts{Args: append([]string{"--log-format", "json", "--report-file", path}, wrapper...)})
		r.Expect("worker ready")
		r.Signal(syscall.SIGTERM)
		r.Expect("worker: SIGTERM, finishing job")
		code := r.Wait()
		report, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("no report file: %v", err)
		}
		return fmt.Sprintf("exit %d\nreport:\n%sJSON:\n%s", code, numbers(string(report)), jsonShape(t, r.Stderr()))
	}},
}

// archStart runs bin as PID 1, through qemu when it is set.
func archStart(t *testing.T, qemu, bin string, o itest.Opts) *itest.Run {
	t.Helper()
	o.Init = bin
	if qemu != "" {
		o.Init, o.Args = qemu, append([]string{bin}, o.Args...)
	}
	return itest.Start(t, o)
}

var digits = regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)

// numbers writes every number as N: pids, milliseconds, times.
func numbers(s string) string { return digits.ReplaceAllString(s, "N") }

// jsonShape is the JSON log line by line: the event, then each key with
// its value, numbers written as N, the time left out. The exit line comes
// whole; the "wait" lines, which a slow run prints more of, are left out.
func jsonShape(t *testing.T, stderr string) string {
	var s strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("not JSON: %q: %v", line, err)
			continue
		}
		if m["event"] == "wait" {
			continue
		}
		delete(m, "time")
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, _ := json.Marshal(m[k])
			fmt.Fprintf(&s, "%s=%s ", k, numbers(string(v)))
		}
		s.WriteString("\n")
	}
	return s.String()
}

// subreaper: -s, not PID 1. The kernel does it; qemu-user answers EINVAL
// instead of passing the prctl on, so under the emulator the check is
// skipped, once ginit's message has named the error and the emulator.
func subreaper(t *testing.T, arch, name, qemu, bin string) {
	r := archStart(t, qemu, bin, itest.Opts{Args: append([]string{"-s"}, itest.Helper("exit", "0")...), NotNS: true})
	code := r.Wait()
	if code == 0 {
		return
	}
	if qemu != "" && strings.Contains(r.Stderr(), "EINVAL (invalid argument): an emulator") {
		t.Skipf("SKIP: %s: %s (qemu-user) answers EINVAL to prctl(PR_SET_CHILD_SUBREAPER), so -s is not checked under it; ginit said: %s",
			arch, name, strings.TrimSpace(r.Stderr()))
	}
	t.Errorf("%s: -s, not PID 1: exit %d: %s", arch, code, r.Stderr())
}

// The unit tests of every package, cross-compiled for s390x (64-bit, big
// endian) and armv7 (32-bit) and run under qemu-user, and for 386 run
// natively: the system-call structures they decode are laid out per
// architecture.
func TestHeavyUnitTestsCrossArch(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("SKIP: the unit tests are cross-compiled from an amd64 host, not %s", runtime.GOARCH)
	}
	if testing.Short() {
		t.Skip("SKIP: -short: cross-compiling the unit tests takes a minute")
	}
	t.Parallel()
	list := exec.Command("go", "list", "-f", "{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}} {{.Dir}}{{end}}", "./...")
	list.Dir = itest.RootDir
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dirs := map[string]string{} // test binary name -> package directory
	var pkgs []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, dir, _ := strings.Cut(l, " ")
		// The end-to-end tests, and the docs' (no code of an architecture).
		if strings.Contains(pkg, "/integration") || strings.HasSuffix(pkg, "/internal/docs") || pkg == "" {
			continue
		}
		pkgs = append(pkgs, pkg)
		dirs[filepath.Base(pkg)+".test"] = dir
	}
	for _, a := range []struct{ arch, goarch, goarm, qemu string }{
		{"s390x", "s390x", "", "qemu-s390x-static"},
		{"armv7", "arm", "7", "qemu-arm-static"},
		{"386", "386", "", ""},
	} {
		t.Run(a.arch, func(t *testing.T) {
			t.Parallel()
			var run []string
			name, qemu := a.qemu, ""
			if a.qemu == "" { // before a build for nothing: can the kernel run the release's 386 binary?
				name, qemu = emulator(t, a.arch, "", filepath.Join(releaseDist(t), "ginit_linux_386_sse2", "ginit"))
			}
			dir := t.TempDir()
			build := exec.Command("go", append([]string{"test", "-c", "-o", dir + "/"}, pkgs...)...)
			build.Dir = itest.RootDir
			build.Env = append(os.Environ(), "GOARCH="+a.goarch, "GOARM="+a.goarm, "CGO_ENABLED=0")
			if b, err := build.CombinedOutput(); err != nil {
				t.Fatalf("GOARCH=%s go test -c: %v: %s", a.goarch, err, b)
			}
			bins, _ := filepath.Glob(filepath.Join(dir, "*.test"))
			if len(bins) == 0 {
				t.Fatalf("go test -c made no test binary")
			}
			if a.qemu != "" {
				name, qemu = emulator(t, a.arch, a.qemu, bins[0])
			}
			if qemu != "" {
				run = []string{qemu}
			}
			if len(bins) != len(pkgs) {
				t.Errorf("%d test binaries for %d packages", len(bins), len(pkgs))
			}
			passed := 0
			for _, bin := range bins {
				argv := append(run, bin, "-test.count=1", "-test.v")
				cmd := exec.Command(argv[0], argv[1:]...)
				cmd.Dir = dirs[filepath.Base(bin)]
				if name != "" {
					// qemu-user makes up the emulated process's own /proc/self
					// files: a unit test that reads them says so and skips that part.
					cmd.Env = append(os.Environ(), "GINIT_TEST_EMULATOR="+name)
				}
				b, err := cmd.CombinedOutput()
				if err != nil {
					t.Errorf("%s %s: %v:\n%s", a.arch, filepath.Base(bin), err, b)
				}
				passed += strings.Count(string(b), "--- PASS")
				for _, l := range strings.Split(string(b), "\n") {
					if strings.Contains(l, "SKIP:") {
						t.Logf("%s %s: %s", a.arch, filepath.Base(bin), strings.TrimSpace(l))
					}
				}
			}
			t.Logf("%s: %d packages' unit tests, %d passed (%s)", a.arch, len(bins), passed,
				map[bool]string{true: "under " + name, false: "natively"}[name != ""])
		})
	}
}
