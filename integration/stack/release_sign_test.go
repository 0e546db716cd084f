package stack

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// gpgHome is a new, empty GnuPG home for one test, or a skip without gpg.
func gpgHome(t *testing.T) []string {
	t.Helper()
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("SKIP: gpg is not installed (Debian's gnupg; make deps installs it)")
	}
	// A short path: gpg-agent's socket lives there.
	dir, err := os.MkdirTemp("", "ginit-gpg-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o700)
	t.Cleanup(func() {
		exec.Command("gpgconf", "--homedir", dir, "--kill", "gpg-agent").Run()
		os.RemoveAll(dir)
	})
	return append(os.Environ(), "GNUPGHOME="+dir)
}

// What the README's install lines tell a user to do, on make release's
// files: import the key, `gpg --verify SHA256SUMS.asc SHA256SUMS`, then
// `sha256sum -c --ignore-missing SHA256SUMS`. The snapshot is signed with
// the throwaway key make release made for it (dist/snapshot-key.asc). A
// changed SHA256SUMS fails the signature, a changed binary the checksum.
func TestHeavyReleaseSignature(t *testing.T) {
	dist := releaseDist(t)
	env := gpgHome(t)
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"SHA256SUMS", "SHA256SUMS.asc", "ginit-linux-amd64"} {
		src := filepath.Join(dist, f)
		if f == "ginit-linux-amd64" {
			src = filepath.Join(dist, "ginit_linux_amd64_v1", "ginit")
		}
		if err := os.WriteFile(filepath.Join(dir, f), mustRead(t, src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("gpg", "--batch", "--import", filepath.Join(dist, "snapshot-key.asc")); err != nil {
		t.Fatalf("gpg --import dist/snapshot-key.asc: %v: %s", err, out)
	}
	out, err := run("gpg", "--verify", "SHA256SUMS.asc", "SHA256SUMS")
	t.Logf("gpg --verify SHA256SUMS.asc SHA256SUMS:\n%s", out)
	if err != nil || !strings.Contains(out, "Good signature") || !strings.Contains(out, "throwaway key of make release") {
		t.Fatalf("gpg --verify: %v: want a good signature by make release's throwaway key", err)
	}
	if !strings.Contains(string(mustRead(t, filepath.Join(dir, "SHA256SUMS.asc"))), "-----BEGIN PGP SIGNATURE-----") {
		t.Errorf("SHA256SUMS.asc is not an armored signature")
	}
	if out, err := run("sha256sum", "-c", "--ignore-missing", "SHA256SUMS"); err != nil || !strings.Contains(out, "ginit-linux-amd64: OK") {
		t.Errorf("sha256sum -c on the untouched files: %v: %s", err, out)
	}

	// One byte changed in SHA256SUMS: a digest swapped for another's.
	sums := mustRead(t, filepath.Join(dir, "SHA256SUMS"))
	tampered := append([]byte(nil), sums...)
	i := strings.Index(string(tampered), "  ")
	tampered[i-1] ^= 1
	os.WriteFile(filepath.Join(dir, "SHA256SUMS"), tampered, 0o644)
	if out, err := run("gpg", "--verify", "SHA256SUMS.asc", "SHA256SUMS"); err == nil || !strings.Contains(out, "BAD signature") {
		t.Errorf("gpg --verify passed a changed SHA256SUMS (%v):\n%s", err, out)
	}

	// SHA256SUMS intact, the binary changed: the signature holds, the checksum fails.
	os.WriteFile(filepath.Join(dir, "SHA256SUMS"), sums, 0o644)
	bin := mustRead(t, filepath.Join(dir, "ginit-linux-amd64"))
	os.WriteFile(filepath.Join(dir, "ginit-linux-amd64"), append(bin, 0), 0o755)
	if _, err := run("gpg", "--verify", "SHA256SUMS.asc", "SHA256SUMS"); err != nil {
		t.Errorf("gpg --verify failed on the untouched SHA256SUMS: %v", err)
	}
	if out, err := run("sha256sum", "-c", "--ignore-missing", "SHA256SUMS"); err == nil || !strings.Contains(out, "ginit-linux-amd64: FAILED") {
		t.Errorf("sha256sum -c passed a changed binary (%v):\n%s", err, out)
	}
}

// Each release binary has a CycloneDX SBOM, listed in SHA256SUMS, that
// names what is in it: ginit itself at the release's version, the Go
// standard library at the version of the go command that built it, and
// golang.org/x/sys at go.mod's version, for that binary's architecture.
func TestHeavyReleaseSBOM(t *testing.T) {
	dist := releaseDist(t)
	t.Parallel()
	goVersion, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	gomod := string(mustRead(t, filepath.Join(itest.RootDir, "go.mod")))
	sys := ""
	for _, l := range strings.Split(gomod, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && (f[0] == "golang.org/x/sys" || (len(f) >= 3 && f[1] == "golang.org/x/sys")) {
			sys = f[len(f)-1]
		}
	}
	if sys == "" {
		t.Fatalf("go.mod names no golang.org/x/sys:\n%s", gomod)
	}
	listed := sums(t, filepath.Join(dist, "SHA256SUMS"))
	for _, a := range shipped {
		name := "ginit-linux-" + a.arch + ".cdx.json"
		if listed[name] == "" {
			t.Errorf("SHA256SUMS does not list %s", name)
		}
		var bom struct {
			BOMFormat string `json:"bomFormat"`
			Metadata  struct {
				Component  struct{ Name, Version string }
				Properties []struct{ Name, Value string }
			}
			Components []struct{ Name, Version string }
		}
		if err := json.Unmarshal(mustRead(t, filepath.Join(dist, name)), &bom); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got := map[string]string{}
		for _, c := range bom.Components {
			got[c.Name] = c.Version
		}
		c := bom.Metadata.Component
		built := ""
		for _, p := range bom.Metadata.Properties {
			if p.Name == "cdx:gomod:build:env:GOARCH" {
				built = p.Value
			}
		}
		goarch := map[string]string{"armv7": "arm"}[a.arch]
		if goarch == "" {
			goarch = a.arch
		}
		if bom.BOMFormat != "CycloneDX" || c.Name != "github.com/ginit-dev/ginit" || c.Version != "v"+strings.TrimPrefix(describe(t, release.src), "v") ||
			built != goarch || got["std"] != strings.TrimSpace(string(goVersion)) || got["golang.org/x/sys"] != sys {
			t.Errorf("%s: format %q, ginit %q %q (GOARCH %s), std %q (want %s), golang.org/x/sys %q (want %s)", name, bom.BOMFormat,
				c.Name, c.Version, built, got["std"], goVersion, got["golang.org/x/sys"], sys)
		}
	}
	t.Logf("ginit-linux-amd64.cdx.json:\n%s", mustRead(t, filepath.Join(dist, "ginit-linux-amd64.cdx.json")))
}

// KEYS holds the project's release key, or says that none is published
// yet; the README names the key's fingerprint, or says the same.
func TestReleaseKeyPublished(t *testing.T) {
	env := gpgHome(t)
	keys := filepath.Join(itest.RootDir, "KEYS")
	readme := string(mustRead(t, filepath.Join(itest.RootDir, "README.md")))
	cmd := exec.Command("gpg", "--batch", "--with-colons", "--show-keys", keys)
	cmd.Env = env
	out, _ := cmd.Output()
	var fprs []string
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Split(l, ":"); len(f) > 9 && f[0] == "fpr" {
			fprs = append(fprs, f[9])
		}
	}
	if len(fprs) == 0 {
		if !strings.Contains(string(mustRead(t, keys)), "No release key is published yet") ||
			!strings.Contains(readme, "no key is published yet") {
			t.Errorf("KEYS holds no key, and KEYS or the README does not say so")
		}
		t.Logf("KEYS: no release key published yet")
		return
	}
	for _, fpr := range fprs[:1] {
		spaced := ""
		for i := 0; i < len(fpr); i += 4 {
			spaced += fpr[i:i+4] + " "
		}
		if !strings.Contains(readme, fpr) && !strings.Contains(readme, strings.TrimSpace(spaced)) {
			t.Errorf("KEYS holds the key %s, which the README does not name", fpr)
		}
	}
}
