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
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// The Docker tests run ginit as a container's ENTRYPOINT, in an image built
// FROM scratch here (no registry is needed): ginit, a static busybox as the
// shell, and containerapp, a static app with a job worker, an orphan maker,
// a process that ignores SIGTERM and a signal recorder.

var (
	imageOnce sync.Once
	image     string // the test image's tag, "" if Docker is unusable
	imageErr  string // why not
)

// dockerImage builds the image once, or skips the test saying what is missing.
func dockerImage(t *testing.T) string {
	t.Helper()
	imageOnce.Do(buildImage)
	if image == "" {
		t.Skipf("SKIP: %s", imageErr)
	}
	return image
}

func buildImage() {
	if out, err := exec.Command("docker", "info", "-f", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		imageErr = "no Docker engine answers `docker info`: " + strings.TrimSpace(string(out))
		return
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		imageErr = "no static busybox (Debian's busybox-static; `make deps` installs it)"
		return
	}
	dir, err := os.MkdirTemp("", "ginit-image-")
	if err != nil {
		imageErr = err.Error()
		return
	}
	defer os.RemoveAll(dir)
	steps := [][]string{
		{"cp", itest.Ginit, filepath.Join(dir, "ginit")},
		{"cp", busybox, filepath.Join(dir, "busybox")},
		{"go", "build", "-o", filepath.Join(dir, "app"), "./integration/stack/containerapp"},
	}
	dockerfile := "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n" +
		"COPY ginit /ginit\nCOPY app /app\nENTRYPOINT [\"/ginit\", \"--\"]\nCMD [\"/app\", \"worker\", \"500\", \"7\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		imageErr = err.Error()
		return
	}
	for _, s := range steps {
		cmd := exec.Command(s[0], s[1:]...)
		cmd.Dir, cmd.Env = itest.RootDir, append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			imageErr = fmt.Sprintf("%q: %v: %s", s, err, out)
			return
		}
	}
	tag := fmt.Sprintf("ginit-test:%d", rand.Uint32())
	if out, err := exec.Command("docker", "build", "-q", "-t", tag, dir).CombinedOutput(); err != nil {
		imageErr = fmt.Sprintf("docker build: %v: %s", err, out)
		return
	}
	image = tag
	itest.AtExit(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
}

// docker runs the docker client and returns its trimmed output.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// container starts a detached container and removes it when the test ends.
func container(t *testing.T, runArgs ...string) string {
	t.Helper()
	name := fmt.Sprintf("ginit-test-%d", rand.Uint32())
	args := append([]string{"run", "-d", "--name", name, "--label", "ginit-test=1"}, runArgs...)
	docker(t, args...)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command("docker", "logs", name).CombinedOutput()
			t.Logf("docker logs %s:\n%s", name, out)
		}
		exec.Command("docker", "rm", "-f", name).Run()
	})
	return name
}

// logs waits until the container's logs (stdout and stderr) contain want,
// and returns them.
func logs(t *testing.T, name, want string) string {
	t.Helper()
	itest.WaitOutput(t, exec.Command("docker", "logs", "-f", name), want)
	out, _ := exec.Command("docker", "logs", name).CombinedOutput()
	return string(out)
}

func exitCodeOf(t *testing.T, name string) string {
	t.Helper()
	return docker(t, "wait", name)
}

func TestDockerStopReachesApp(t *testing.T) {
	img := dockerImage(t)
	t.Parallel()
	c := container(t, img)
	logs(t, c, "worker ready")
	docker(t, "stop", "-t", "30", c)
	if code := exitCodeOf(t, c); code != "7" {
		t.Errorf("exit code %s, want the app's 7", code)
	}
	if out := logs(t, c, "worker: job done"); strings.Contains(out, "second SIGTERM") {
		t.Errorf("the app saw SIGTERM twice:\n%s", out)
	}
}

// The case ginit exists for, side by side with Docker's bundled tini.
func TestDockerWrapperJob(t *testing.T) {
	img := dockerImage(t)
	t.Parallel()
	script := "echo starting; /app worker 2000 0; echo wrapper done"
	c := container(t, img, "sh", "-c", script)
	logs(t, c, "worker ready")
	docker(t, "stop", "-t", "30", c)
	out := logs(t, c, "ginit exiting")
	if !strings.Contains(out, "worker: job done") || !strings.Contains(out, "without passing it on") {
		t.Errorf("under ginit the job did not finish, or no wrapper warning:\n%s", out)
	}

	tini := container(t, "--init", "--entrypoint", "sh", img, "-c", script)
	logs(t, tini, "worker ready")
	docker(t, "stop", "-t", "30", tini)
	exitCodeOf(t, tini)
	if out, _ := exec.Command("docker", "logs", tini).CombinedOutput(); strings.Contains(string(out), "job done") {
		t.Errorf("under docker run --init (tini) the job finished; this test no longer shows the difference:\n%s", out)
	}
}

func TestDockerGraceKills(t *testing.T) {
	img := dockerImage(t)
	t.Parallel()
	c := container(t, "-e", "GINIT_GRACE=2s", img, "/app", "ignoreterm")
	logs(t, c, "ready")
	docker(t, "stop", "-t", "60", c)
	if code := exitCodeOf(t, c); code != "137" {
		t.Errorf("exit code %s, want 137", code)
	}
	out := logs(t, c, "ginit exiting code=137")
	for _, want := range []string{"stop signal received", "grace_ms=2000", "deadline passed; sent SIGKILL", "killed by SIGKILL"} {
		if !strings.Contains(out, want) {
			t.Errorf("docker logs lack %q:\n%s", want, out)
		}
	}
}

func TestDockerNoZombies(t *testing.T) {
	img := dockerImage(t)
	t.Parallel()
	c := container(t, img, "/app", "orphans", "1000")
	logs(t, c, "orphans left: 1000")
	var top string
	for deadline := time.Now().Add(itest.Patience); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		top = docker(t, "top", c, "-o", "pid,stat,comm")
		if n := strings.Count(top, "\n"); n <= 3 && !strings.Contains(top, " Z") {
			break // header, ginit, the app: every orphan exited and was reaped
		}
	}
	if strings.Contains(top, " Z") || strings.Contains(top, "defunct") || strings.Count(top, "\n") > 3 {
		t.Errorf("zombies or stragglers left:\n%s", top)
	}
	docker(t, "stop", c)
}

func TestDockerKillSignals(t *testing.T) {
	img := dockerImage(t)
	t.Parallel()
	c := container(t, img, "/app", "record")
	logs(t, c, "ready")
	docker(t, "kill", "-s", "HUP", c)
	logs(t, c, "got hangup")
	docker(t, "kill", "-s", "USR1", c)
	logs(t, c, "got user defined signal 1")
	docker(t, "stop", c)
	if code := exitCodeOf(t, c); code != "0" {
		t.Errorf("exit code %s, want 0", code)
	}
}

// ginit needs nothing the app does not have: in a container with a
// read-only root, as nobody, with no capabilities, it supervises alike.
func TestReadOnlyRootAsNobodyInDocker(t *testing.T) {
	img := dockerImage(t)
	t.Parallel()
	c := container(t, "--read-only", "--user", "65534:65534", "--cap-drop", "ALL", img, "/app", "worker", "100", "5")
	logs(t, c, "worker ready")
	docker(t, "stop", c)
	if code := exitCodeOf(t, c); code != "5" {
		t.Errorf("exit code %s, want 5", code)
	}
}
