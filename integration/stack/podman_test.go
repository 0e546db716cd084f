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

// Podman (Debian's, installed by make deps), rootful, with the image built
// FROM scratch by podman itself: ginit, a static busybox and containerapp,
// as in the Docker tests. The tests give podman a containers.conf of their
// own (CONTAINERS_CONF): podman as root asks runc for RLIMIT_NOFILE 1048576
// and RLIMIT_NPROC 4194304 by default, which this machine refuses.

var (
	podmanOnce  sync.Once
	podmanImg   string // localhost/ginit-podman-N:latest, "" if unusable
	podmanErr   string
	podmanConf  string // our containers.conf
	podmanVer   [2]int // major, minor
	podmanVerSt string
)

const podmanConfText = `[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
`

func podmanImage(t *testing.T) string {
	t.Helper()
	podmanOnce.Do(buildPodmanImage)
	if podmanImg == "" {
		t.Skipf("SKIP: %s", podmanErr)
	}
	return podmanImg
}

func buildPodmanImage() {
	if _, err := exec.LookPath("podman"); err != nil {
		podmanErr = "no podman (Debian's podman; make deps installs it)"
		return
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		podmanErr = "no static busybox (busybox-static)"
		return
	}
	dir, err := os.MkdirTemp("", "ginit-podman-")
	if err != nil {
		podmanErr = err.Error()
		return
	}
	// After the image, which podman removes with this containers.conf.
	defer func() { itest.AtExit(func() { os.RemoveAll(dir) }) }()
	podmanConf = filepath.Join(dir, "containers.conf")
	os.WriteFile(podmanConf, []byte(podmanConfText), 0o644)
	out, err := podmanCmd("version", "-f", "{{.Client.Version}}").CombinedOutput()
	if err != nil {
		podmanErr = fmt.Sprintf("podman version: %v: %s", err, out)
		return
	}
	podmanVerSt = strings.TrimSpace(string(out))
	fmt.Sscanf(podmanVerSt, "%d.%d", &podmanVer[0], &podmanVer[1])
	ctx := filepath.Join(dir, "ctx")
	os.Mkdir(ctx, 0o755)
	for _, s := range [][]string{{"cp", itest.Ginit, filepath.Join(ctx, "ginit")}, {"cp", busybox, filepath.Join(ctx, "busybox")},
		{"go", "build", "-o", filepath.Join(ctx, "app"), "./integration/stack/containerapp"}} {
		if err := runCmd(itest.RootDir, append(os.Environ(), "CGO_ENABLED=0"), s...); err != nil {
			podmanErr = err.Error()
			return
		}
	}
	os.WriteFile(filepath.Join(ctx, "Containerfile"), []byte("FROM scratch\nCOPY busybox /bin/busybox\n"+
		"RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nCOPY ginit /ginit\nCOPY app /app\n"+
		"ENTRYPOINT [\"/ginit\", \"--\"]\nCMD [\"/app\", \"worker\", \"500\", \"7\"]\n"), 0o644)
	tag := fmt.Sprintf("localhost/ginit-podman-%d:latest", rand.Uint32())
	if out, err := podmanCmd("build", "-q", "-t", tag, ctx).CombinedOutput(); err != nil {
		podmanErr = fmt.Sprintf("podman build: %v: %s", err, out)
		return
	}
	podmanImg = tag
	itest.AtExit(func() { podmanCmd("rmi", "-f", tag).Run() })
}

func podmanCmd(args ...string) *exec.Cmd {
	cmd := exec.Command("podman", args...)
	cmd.Env = append(os.Environ(), "CONTAINERS_CONF="+podmanConf)
	return cmd
}

func podman(t *testing.T, args ...string) string {
	t.Helper()
	out, err := podmanCmd(args...).CombinedOutput()
	if err != nil {
		t.Fatalf("podman %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// podmanRun starts a detached container and removes it when the test ends.
func podmanRun(t *testing.T, conf string, runArgs ...string) string {
	t.Helper()
	name := fmt.Sprintf("ginit-test-%d", rand.Uint32())
	cmd := podmanCmd(append([]string{"run", "-d", "--name", name}, runArgs...)...)
	if conf != "" {
		cmd.Env = append(cmd.Env, "CONTAINERS_CONF="+conf)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("podman run: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := podmanCmd("logs", name).CombinedOutput()
			t.Logf("podman logs %s:\n%s", name, out)
		}
		podmanCmd("rm", "-f", "-t", "0", name).Run()
	})
	return name
}

// podmanLogs waits until the container's logs contain want.
func podmanLogs(t *testing.T, name, want string) string {
	t.Helper()
	itest.WaitOutput(t, podmanCmd("logs", "-f", name), want)
	out, _ := podmanCmd("logs", name).CombinedOutput()
	return string(out)
}

const wrapperJob = "echo starting; /app worker 2000 0; echo wrapper done"

// ginit as ENTRYPOINT under podman stop: the app's own exit code, and the
// shell-wrapped job finishing.
func TestPodmanStop(t *testing.T) {
	img := podmanImage(t)
	t.Parallel()
	c := podmanRun(t, "", img)
	podmanLogs(t, c, "worker ready")
	podman(t, "stop", "-t", "30", c)
	if code := podman(t, "wait", c); code != "7" {
		t.Errorf("exit code %s, want the app's 7", code)
	}
	w := podmanRun(t, "", img, "sh", "-c", wrapperJob)
	podmanLogs(t, w, "worker ready")
	podman(t, "stop", "-t", "30", w)
	out := podmanLogs(t, w, "ginit exiting code=143")
	if !strings.Contains(out, "worker: job done") || !strings.Contains(out, "without passing it on") {
		t.Errorf("under podman stop the job did not finish, or no wrapper warning:\n%s", out)
	}
}

// podman run --init with ginit in catatonit's place: by --init-path, and
// by init_path in containers.conf. Podman's default init, catatonit, loses
// the same job.
func TestPodmanInitPath(t *testing.T) {
	img := podmanImage(t)
	t.Parallel()
	confWithInit := filepath.Join(t.TempDir(), "containers.conf")
	os.WriteFile(confWithInit, []byte(podmanConfText+fmt.Sprintf("init_path = %q\n", itest.Ginit)), 0o644)
	job := []string{"--init", "-e", "GINIT_GRACE=25s", "--entrypoint", "sh", img, "-c", wrapperJob}
	for _, tc := range []struct {
		name, conf string
		args       []string
	}{
		{"--init-path", "", append([]string{"--init-path", itest.Ginit}, job...)},
		{"containers.conf", confWithInit, job},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := podmanRun(t, tc.conf, tc.args...)
			podmanLogs(t, c, "worker ready")
			if top := podman(t, "top", c, "args"); !strings.Contains(top, "/run/podman-init -- sh -c") {
				t.Errorf("PID 1 is not podman's init:\n%s", top)
			}
			podman(t, "stop", "-t", "30", c)
			out := podmanLogs(t, c, "ginit exiting code=143")
			if !strings.Contains(out, "worker: job done") {
				t.Errorf("the job did not finish under ginit as podman's init:\n%s", out)
			}
		})
	}
	t.Run("catatonit", func(t *testing.T) {
		if _, err := os.Stat("/usr/libexec/podman/catatonit"); err != nil {
			t.Skip("SKIP: no /usr/libexec/podman/catatonit (Debian's catatonit), podman's default --init")
		}
		c := podmanRun(t, "", job...)
		podmanLogs(t, c, "worker ready")
		podman(t, "stop", "-t", "30", c)
		podman(t, "wait", c)
		if out, _ := podmanCmd("logs", c).CombinedOutput(); strings.Contains(string(out), "job done") {
			t.Errorf("under catatonit the job finished; this test no longer shows the difference:\n%s", out)
		}
	})
}
