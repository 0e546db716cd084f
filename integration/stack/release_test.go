package stack

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// The release tests share one `make release` (GoReleaser, snapshot) in a
// fresh clone; the reproducibility test makes a second one to compare.
var release struct {
	once      sync.Once
	src, dist string // dist stays empty if the build failed
	err       error
	toolOnce  sync.Once
	tool      string // the goreleaser binary, built once from the pinned module
}

// makeVar is what `make -s TARGET` prints in the repository.
func makeVar(t *testing.T, target string) string {
	t.Helper()
	out, err := exec.Command("make", "-s", "--no-print-directory", "-C", itest.RootDir, target).Output()
	if err != nil {
		t.Fatalf("make %s: %v", target, err)
	}
	return strings.TrimSpace(string(out))
}

// goreleaser installs the Makefile's pinned GoReleaser into a directory of
// its own, once, so that a build with a cold GOCACHE need not rebuild it.
// The first time on a machine this downloads the module and builds it.
func goreleaser(t *testing.T) string {
	t.Helper()
	release.toolOnce.Do(func() { release.tool = installGoreleaser(t) })
	if release.tool == "" {
		t.Fatal("installing GoReleaser failed in another test")
	}
	return release.tool
}

func installGoreleaser(t *testing.T) string {
	t.Helper()
	mod := makeVar(t, "print-goreleaser")
	dir, err := os.MkdirTemp("", "ginit-goreleaser-")
	if err != nil {
		t.Fatal(err)
	}
	itest.AtExit(func() { os.RemoveAll(dir) })
	modcache, _ := exec.Command("go", "env", "GOMODCACHE").Output()
	_, cached := os.Stat(filepath.Join(strings.TrimSpace(string(modcache)), "cache", "download",
		strings.ToLower(strings.Split(mod, "@")[0]), "@v", strings.Split(mod, "@")[1]+".zip"))
	if cached != nil {
		t.Logf("%s: not in the module cache: downloading and building it (a few minutes on a fresh machine)", mod)
	}
	t0 := time.Now()
	// CGO_ENABLED=0 as the Makefile exports it: the build cache then holds
	// the build `make release` runs.
	cmd := exec.Command("go", "install", mod)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "CGO_ENABLED=0", "GOFLAGS=-modcacherw")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install %s: %v: %s", mod, err, out)
	}
	t.Logf("go install %s took %v", mod, time.Since(t0).Round(time.Second))
	return filepath.Join(dir, "goreleaser")
}

// makeRelease clones the repository to src with the umask given and runs
// make release there with GoReleaser at tool, and the environment env added.
func makeRelease(t *testing.T, tool, src, umask string, env ...string) {
	t.Helper()
	clone := exec.Command("sh", "-c", `umask "$0" && exec git clone -q "$1" "$2"`, umask, itest.RootDir, src)
	if out, err := clone.CombinedOutput(); err != nil {
		t.Fatalf("clone: %v: %s", err, out)
	}
	cmd := exec.Command("make", "-s", "release", "GORELEASER="+tool)
	cmd.Dir = src
	cmd.Env = append(append(os.Environ(), "GOFLAGS=-modcacherw"), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make release in %s: %v: %s", src, err, out)
	}
}

// releaseDist is the dist directory of the shared release build.
func releaseDist(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("SKIP: -short: the release build takes a minute")
	}
	if _, err := exec.Command("git", "-C", itest.RootDir, "rev-parse", "HEAD").Output(); err != nil {
		t.Skip("SKIP: not a git checkout: the release stamps the commit")
	}
	release.once.Do(func() {
		tool := goreleaser(t)
		dir, err := os.MkdirTemp("", "ginit-release-")
		if err != nil {
			release.err = err
			return
		}
		itest.AtExit(func() { os.RemoveAll(dir) })
		release.src = filepath.Join(dir, "src")
		t0 := time.Now()
		makeRelease(t, tool, release.src, "022")
		release.dist = filepath.Join(release.src, "dist")
		t.Logf("make release (all six architectures) took %v", time.Since(t0).Round(time.Second))
	})
	if release.err != nil {
		t.Fatalf("the shared release build failed: %v", release.err)
	}
	if release.dist == "" {
		t.Fatal("the shared release build failed in another test")
	}
	return release.dist
}

// describe is the version the Makefile stamps for the checkout at src.
func describe(t *testing.T, src string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", src, "describe", "--tags", "--dirty").Output()
	if err != nil {
		return "0.1.0-dev" // no tag yet: the Makefile's fallback
	}
	return strings.TrimSpace(string(out))
}

// sums reads SHA256SUMS: file name to hex digest.
func sums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sum, name, ok := strings.Cut(sc.Text(), "  "); ok {
			m[name] = sum
		}
	}
	return m
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Two release builds of one commit, from two clones in different places
// with different umasks and separate build caches, are byte-identical: binaries, archives and
// packages alike, so anyone can rebuild a release and compare SHA256SUMS.
// The binaries are also the bytes `make build` makes for that commit and
// architecture, and say the version and commit `make build` stamps.
func TestHeavyReleaseIsReproducible(t *testing.T) {
	dist := releaseDist(t)
	t.Parallel()
	first := sums(t, filepath.Join(dist, "SHA256SUMS"))
	var want []string
	for _, a := range []string{"amd64", "arm64", "armv7", "386", "ppc64le", "s390x"} {
		want = append(want, "ginit-linux-"+a, "_linux_"+a+".tar.gz")
	}
	want = append(want, "_amd64.deb", "_arm64.deb", ".x86_64.rpm", ".aarch64.rpm", "_x86_64.apk", "_aarch64.apk")
	for _, w := range want {
		found := false
		for name := range first {
			found = found || strings.HasSuffix(name, w) || name == w
		}
		if !found {
			t.Errorf("SHA256SUMS has no %s", w)
		}
	}

	// make build in the same clone, for the host and for arm64.
	for goarch, dir := range map[string]string{"amd64": "ginit_linux_amd64_v1", "arm64": "ginit_linux_arm64_v8.0"} {
		out := filepath.Join(t.TempDir(), "ginit")
		cmd := exec.Command("make", "-s", "build", "OUT="+out)
		cmd.Dir = release.src
		cmd.Env = append(os.Environ(), "GOARCH="+goarch)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make build GOARCH=%s: %v: %s", goarch, err, b)
		}
		built, released := fileSum(t, out), fileSum(t, filepath.Join(dist, dir, "ginit"))
		if built != released || first["ginit-linux-"+goarch] != released {
			t.Errorf("%s: make build %s, release %s, SHA256SUMS %s: not the same bytes", goarch, built, released, first["ginit-linux-"+goarch])
		}
	}
	out, err := exec.Command(filepath.Join(dist, "ginit_linux_amd64_v1", "ginit"), "--version").Output()
	commit, _ := exec.Command("git", "-C", release.src, "rev-parse", "--short=7", "HEAD").Output()
	if wantV := "ginit version " + describe(t, release.src) + " - git." + strings.TrimSpace(string(commit)); err != nil || strings.TrimSpace(string(out)) != wantV {
		t.Errorf("release binary --version %q, want %q (%v)", out, wantV, err)
	}

	// Another path, another umask (the checkout's files are group-writable),
	// an empty build cache.
	dir := t.TempDir()
	src := filepath.Join(dir, "src-second")
	t0 := time.Now()
	makeRelease(t, release.tool, src, "002", "GOCACHE="+filepath.Join(dir, "cache"))
	t.Logf("a second make release, elsewhere, umask 002, with an empty build cache, took %v", time.Since(t0).Round(time.Second))
	a, _ := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	b, _ := os.ReadFile(filepath.Join(src, "dist", "SHA256SUMS"))
	if !bytes.Equal(a, b) {
		second := sums(t, filepath.Join(src, "dist", "SHA256SUMS"))
		for name, sum := range first {
			if second[name] != sum {
				t.Errorf("%s differs between the two builds", name)
			}
		}
		if len(first) != len(second) {
			t.Errorf("two builds differ:\n%s\n%s", a, b)
		}
	}
	if !t.Failed() {
		t.Logf("%d files in SHA256SUMS, the same in both builds", len(first))
	}
}
