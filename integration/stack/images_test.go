package stack

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// Local stand-ins for what users pull, built once per run, each under a
// unique tag and removed at the end: no registry can be reached here.
//   ginit image: ginit's own Dockerfile, as `make image` builds it.
//   base image:  FROM scratch with a static busybox, for debian:bookworm-slim.
//   go image:    `docker import` of this machine's Go toolchain and busybox,
//                for golang:1.26.

type onceImage struct {
	once sync.Once
	tag  string
	err  string
}

var ginitImg, baseImg, goImg onceImage

func (o *onceImage) get(t *testing.T, build func() (string, error)) string {
	t.Helper()
	dockerImage(t) // skips without Docker
	o.once.Do(func() {
		tag, err := build()
		if err != nil {
			o.err = err.Error()
			return
		}
		o.tag = tag
		itest.AtExit(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	})
	if o.tag == "" {
		t.Fatalf("building a local image: %s", o.err)
	}
	return o.tag
}

func uniqueTag(name string) string { return fmt.Sprintf("%s-%d:latest", name, rand.Uint32()) }

// run runs a command and returns an error with its output.
func runCmd(dir string, env []string, argv ...string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%q: %v: %s", argv, err, out)
	}
	return nil
}

// ginitOnlyImage builds the repository's Dockerfile with the ginit under test.
func ginitOnlyImage(t *testing.T) string {
	return ginitImg.get(t, func() (string, error) {
		dir, err := os.MkdirTemp("", "ginit-img-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(dir)
		os.Mkdir(filepath.Join(dir, "bin"), 0o755)
		if err := runCmd("", nil, "cp", itest.Ginit, filepath.Join(dir, "bin", "ginit")); err != nil {
			return "", err
		}
		tag := uniqueTag("ginit-only")
		return tag, runCmd("", nil, "docker", "build", "-q", "-t", tag, "-f", filepath.Join(itest.RootDir, "Dockerfile"), dir)
	})
}

func baseImage(t *testing.T) string {
	return baseImg.get(t, func() (string, error) {
		dir, err := os.MkdirTemp("", "ginit-base-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(dir)
		busybox, err := exec.LookPath("busybox")
		if err != nil {
			return "", fmt.Errorf("no static busybox (busybox-static)")
		}
		if err := runCmd("", nil, "cp", busybox, filepath.Join(dir, "busybox")); err != nil {
			return "", err
		}
		os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY busybox /bin/busybox\n"+
			"RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n"), 0o644)
		tag := uniqueTag("ginit-base")
		return tag, runCmd("", nil, "docker", "build", "-q", "-t", tag, dir)
	})
}

// goToolchainTar writes a tar of this machine's GOROOT (less its tests) at
// /usr/local/go, as in the golang image, with a static busybox as /bin.
func goToolchainTar(path string) error {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return err
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		return fmt.Errorf("no static busybox (busybox-static)")
	}
	extra, err := os.MkdirTemp("", "ginit-goimg-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(extra)
	for _, d := range []string{"bin", "tmp", "usr/local", "go"} {
		os.MkdirAll(filepath.Join(extra, d), 0o777)
	}
	os.Chmod(filepath.Join(extra, "tmp"), 0o1777)
	if err := runCmd("", nil, "cp", busybox, filepath.Join(extra, "bin", "busybox")); err != nil {
		return err
	}
	for _, l := range []string{"sh", "cp", "ls", "cat", "env"} {
		os.Symlink("busybox", filepath.Join(extra, "bin", l))
	}
	gr := strings.TrimSpace(string(goroot))
	return runCmd("", nil, "tar", "-cf", path, "--exclude=./test", "--exclude=*_test.go", "--exclude=testdata",
		"-C", extra, "bin", "tmp", "go", "--transform=s,^\\./,usr/local/go/,", "-C", gr, ".")
}

func goImage(t *testing.T) string {
	return goImg.get(t, func() (string, error) {
		tarball := filepath.Join(os.TempDir(), fmt.Sprintf("ginit-go-%d.tar", rand.Uint32()))
		defer os.Remove(tarball)
		if err := goToolchainTar(tarball); err != nil {
			return "", err
		}
		tag := uniqueTag("ginit-golang")
		return tag, runCmd("", nil, "docker", "import", "-c", "ENV PATH=/go/bin:/usr/local/go/bin:/bin",
			"-c", "ENV GOPATH=/go", "-c", "WORKDIR /go", tarball, tag)
	})
}
