package stack

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// What a user does with a release's downloads, on the files make release
// made (nothing is downloaded: the release is not published from here):
// the bare binary and the archive under the names they are published
// with, `sha256sum -c --ignore-missing SHA256SUMS`, then the archive
// unpacked holds the same binary, its man page, README and license.
func TestHeavyReleaseDownload(t *testing.T) {
	arch := map[string]string{"amd64": "ginit_linux_amd64_v1", "arm64": "ginit_linux_arm64_v8.0"}[runtime.GOARCH]
	if arch == "" {
		t.Skipf("SKIP: the test knows the release directories of amd64 and arm64, not %s", runtime.GOARCH)
	}
	dist := releaseDist(t)
	t.Parallel()
	dir := t.TempDir()
	bin := mustRead(t, filepath.Join(dist, arch, "ginit"))
	os.WriteFile(filepath.Join(dir, "ginit-linux-"+runtime.GOARCH), bin, 0o755)
	archives, _ := filepath.Glob(filepath.Join(dist, "ginit_*_linux_"+runtime.GOARCH+".tar.gz"))
	if len(archives) != 1 {
		t.Fatalf("make release made %q, want one dist/ginit_VERSION_linux_%s.tar.gz", archives, runtime.GOARCH)
	}
	os.WriteFile(filepath.Join(dir, filepath.Base(archives[0])), mustRead(t, archives[0]), 0o644)
	os.WriteFile(filepath.Join(dir, "SHA256SUMS"), mustRead(t, filepath.Join(dist, "SHA256SUMS")), 0o644)

	check := exec.Command("sha256sum", "-c", "--ignore-missing", "SHA256SUMS")
	check.Dir = dir
	out, err := check.CombinedOutput()
	t.Logf("sha256sum -c --ignore-missing SHA256SUMS:\n%s", out)
	if err != nil || bytes.Count(out, []byte(": OK\n")) != 2 {
		t.Fatalf("sha256sum -c: %v: want two files OK", err)
	}

	unpacked := filepath.Join(dir, "unpacked")
	os.Mkdir(unpacked, 0o755)
	if out, err := exec.Command("tar", "-xzf", archives[0], "-C", unpacked).CombinedOutput(); err != nil {
		t.Fatalf("tar -xzf: %v: %s", err, out)
	}
	if !bytes.Equal(mustRead(t, filepath.Join(unpacked, "ginit")), bin) {
		t.Errorf("the archive's ginit is not the release binary")
	}
	for _, f := range []string{"LICENSE", "README.md", "doc/ginit.1"} {
		if !bytes.Equal(mustRead(t, filepath.Join(unpacked, f)), mustRead(t, filepath.Join(release.src, f))) {
			t.Errorf("the archive's %s is not the repository's", f)
		}
	}
	t.Logf("the archive's ginit --version: %s", versionOf(t, filepath.Join(unpacked, "ginit"))) // it runs as unpacked
}
