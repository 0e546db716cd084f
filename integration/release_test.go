package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Two release builds of one commit, binaries and Debian packages, from two checkouts in different places
// with separate build caches, are byte-identical: anyone can rebuild a
// release and compare its SHA256SUMS.
func TestHeavyReleaseIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: -short: two cold builds take a minute")
	}
	if _, err := exec.Command("git", "-C", rootDir, "rev-parse", "HEAD").Output(); err != nil {
		t.Skip("SKIP: not a git checkout: the release stamps the commit")
	}
	t.Parallel()
	var sums [2][]byte
	for i := range sums {
		dir := t.TempDir()
		src := filepath.Join(dir, "src"+strings.Repeat("x", i)) // a different path each time
		if out, err := exec.Command("git", "clone", "-q", rootDir, src).CombinedOutput(); err != nil {
			t.Fatalf("clone: %v: %s", err, out)
		}
		cmd := exec.Command("make", "-s", "release", "PLATFORMS=amd64 arm64")
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GOCACHE="+filepath.Join(dir, "cache"), "GOFLAGS=-modcacherw")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make release: %v: %s", err, out)
		}
		var err error
		if sums[i], err = os.ReadFile(filepath.Join(src, "dist", "SHA256SUMS")); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			out, err := exec.Command(filepath.Join(src, "dist", "ginit-linux-amd64"), "--version").Output()
			commit, _ := exec.Command("git", "-C", src, "rev-parse", "--short=7", "HEAD").Output()
			if err != nil || !strings.HasPrefix(string(out), "ginit version ") ||
				!strings.HasSuffix(strings.TrimSpace(string(out)), " - git."+strings.TrimSpace(string(commit))) {
				t.Errorf("--version %q does not name the version and commit %s", out, commit)
			}
		}
	}
	for _, want := range []string{"ginit-linux-arm64", "_amd64.deb", "_arm64.deb"} {
		if !strings.Contains(string(sums[0]), want) {
			t.Errorf("SHA256SUMS has no %s:\n%s", want, sums[0])
		}
	}
	if !bytes.Equal(sums[0], sums[1]) {
		t.Errorf("two builds differ:\n%s\n%s", sums[0], sums[1])
	}
}
