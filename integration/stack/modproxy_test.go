package stack

import (
	"archive/zip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// A Go module proxy in a directory (GOPROXY=file://DIR) that serves this
// checkout as github.com/ginit-dev/ginit at a pseudo-version naming HEAD,
// and golang.org/x/sys from the module cache (make deps downloads it).
// With it, `go install github.com/ginit-dev/ginit/cmd/ginit@VERSION` runs
// exactly as a user's would against the real proxy, offline.

const modPath = "github.com/ginit-dev/ginit"

var (
	proxyOnce    sync.Once
	proxyDir     string // "" if it could not be made
	proxyVersion string // the pseudo-version it serves
	proxyCommit  string // HEAD, 12 hex digits
	proxyErr     string
)

func moduleProxy(t *testing.T) (dir, version string) {
	t.Helper()
	proxyOnce.Do(buildProxy)
	if proxyDir == "" {
		t.Skipf("SKIP: %s", proxyErr)
	}
	return proxyDir, proxyVersion
}

func buildProxy() {
	out, err := exec.Command("git", "-C", itest.RootDir, "log", "-1", "--format=%H %ct").Output()
	if err != nil {
		proxyErr = "not a git checkout: the module proxy serves HEAD at its pseudo-version"
		return
	}
	var hash string
	var secs int64
	fmt.Sscan(string(out), &hash, &secs)
	proxyCommit = hash[:12]
	proxyVersion = "v0.0.0-" + time.Unix(secs, 0).UTC().Format("20060102150405") + "-" + proxyCommit

	cache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		proxyErr = "go env GOMODCACHE: " + err.Error()
		return
	}
	sys := filepath.Join(strings.TrimSpace(string(cache)), "cache", "download", "golang.org", "x", "sys", "@v")
	dir, err := os.MkdirTemp("", "ginit-proxy-")
	if err != nil {
		proxyErr = err.Error()
		return
	}
	itest.AtExit(func() { os.RemoveAll(dir) })
	if err := copyModule(sys, filepath.Join(dir, "golang.org", "x", "sys", "@v")); err != nil {
		proxyErr = "golang.org/x/sys is not in the module cache (make deps runs go mod download): " + err.Error()
		return
	}
	v := filepath.Join(dir, modPath, "@v")
	os.MkdirAll(v, 0o755)
	gomod, _ := os.ReadFile(filepath.Join(itest.RootDir, "go.mod"))
	files := map[string]string{
		"list":                 proxyVersion + "\n",
		proxyVersion + ".info": fmt.Sprintf(`{"Version":%q,"Time":%q}`, proxyVersion, time.Unix(secs, 0).UTC().Format(time.RFC3339)),
		proxyVersion + ".mod":  string(gomod),
	}
	for name, body := range files {
		os.WriteFile(filepath.Join(v, name), []byte(body), 0o644)
	}
	if err := moduleZip(filepath.Join(v, proxyVersion+".zip"), modPath+"@"+proxyVersion+"/"); err != nil {
		proxyErr = "module zip: " + err.Error()
		return
	}
	proxyDir = dir
}

// copyModule copies a module's @v directory, the files a proxy serves.
func copyModule(from, to string) error {
	ents, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	os.MkdirAll(to, 0o755)
	for _, e := range ents {
		if ext := filepath.Ext(e.Name()); ext == ".lock" || ext == ".ziphash" || e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// moduleZip zips the working tree's files that git tracks or would track,
// as they are now, so a test of uncommitted work installs that work.
func moduleZip(path, prefix string) error {
	out, err := exec.Command("git", "-C", itest.RootDir, "ls-files", "-co", "--exclude-standard").Output()
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	z := zip.NewWriter(f)
	for name := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		b, err := os.ReadFile(filepath.Join(itest.RootDir, name))
		if os.IsNotExist(err) {
			continue // deleted, not yet committed
		} else if err != nil {
			return err
		}
		w, err := z.Create(prefix + name)
		if err != nil {
			return err
		}
		w.Write(b)
	}
	return z.Close()
}

// goEnv is the environment of a go command that knows only the proxy above:
// its own module cache, no checksum database (the pseudo-version is ours).
func goEnv(proxy, home string) []string {
	return append(os.Environ(), "GOPROXY=file://"+proxy, "GOSUMDB=off", "GOTOOLCHAIN=local",
		"GOMODCACHE="+filepath.Join(home, "mod"),
		"GOFLAGS=-modcacherw", "GOBIN="+filepath.Join(home, "bin"), "CGO_ENABLED=0")
}
