package stack

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// dockerd --init-path ginit: `docker run --init` then runs ginit as PID 1
// (called as `docker-init -- CMD...`), and `docker info` parses its
// --version. The system daemon cannot be restarted, so the test starts a
// private one: its own socket, data, vfs storage and containerd namespace.
func TestDockerInitPath(t *testing.T) {
	dockerImage(t) // skips without Docker
	dockerd, err := exec.LookPath("dockerd")
	if err != nil {
		t.Skip("SKIP: no dockerd binary to start a private daemon with --init-path")
	}
	t.Parallel()
	dir, err := os.MkdirTemp("", "ginit-dockerd-")
	if err != nil {
		t.Fatal(err)
	}
	sock := "unix://" + filepath.Join(dir, "sock")
	ctx := filepath.Join(dir, "ctx") // the build context, apart from the daemon's files
	os.Mkdir(ctx, 0o755)
	os.WriteFile(filepath.Join(dir, "daemon.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte("FROM scratch\nCOPY busybox /bin/busybox\n"+
		"RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nCOPY app /app\n"), 0o644)
	busybox, _ := exec.LookPath("busybox")
	for _, c := range [][]string{{"cp", itest.Ginit, filepath.Join(dir, "ginit")}, {"cp", busybox, filepath.Join(ctx, "busybox")},
		{"go", "build", "-o", filepath.Join(ctx, "app"), "./integration/stack/containerapp"}} {
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Dir, cmd.Env = itest.RootDir, append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%q: %v: %s", c, err, out)
		}
	}
	name := filepath.Base(dir)
	d := exec.Command(dockerd, "--config-file", filepath.Join(dir, "daemon.json"), "--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"), "--pidfile", filepath.Join(dir, "pid"), "-H", sock,
		"--init-path", filepath.Join(dir, "ginit"), "--bridge=none", "--iptables=false", "--ip-masq=false",
		"--storage-driver", "vfs", "--containerd-namespace", name, "--containerd-plugins-namespace", name+"p")
	var dlog strings.Builder
	d.Stdout, d.Stderr = &dlog, &dlog
	// Its own network namespace: with --bridge=none, dockerd deletes any
	// docker0 it can see, and the system daemon's must survive.
	d.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGTERM}
	if err := d.Start(); err != nil {
		t.Skipf("SKIP: cannot start a private dockerd: %v", err)
	}
	cli := func(args ...string) (string, error) {
		out, err := exec.Command("docker", append([]string{"-H", sock}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	t.Cleanup(func() {
		cli("rm", "-f", "worker")
		d.Process.Signal(syscall.SIGTERM)
		d.Wait()
		os.RemoveAll(dir)
		if t.Failed() {
			t.Logf("dockerd log:\n%s", dlog.String())
		}
	})
	var info string
	for deadline := time.Now().Add(itest.Patience); ; time.Sleep(100 * time.Millisecond) {
		if info, err = cli("info", "-f", "{{.InitBinary}} {{.InitCommit.ID}}"); err == nil {
			break
		}
		if time.Now().After(deadline) || d.ProcessState != nil {
			t.Skipf("SKIP: private dockerd did not come up: %v: %s", err, info)
		}
	}
	commit, _ := exec.Command(itest.Ginit, "--version").Output()
	if _, want, _ := strings.Cut(strings.TrimSpace(string(commit)), " - git."); !strings.HasSuffix(info, " "+want) {
		t.Errorf("docker info shows init %q, want ginit's commit %q", info, want)
	}
	if out, err := cli("build", "-q", "--network", "none", "-t", "w", ctx); err != nil {
		t.Fatalf("build: %v: %s", err, out)
	}
	if out, err := cli("run", "-d", "--init", "--network", "none", "--name", "worker", "w",
		"sh", "-c", "echo starting; /app worker 1000 0; echo wrapper done"); err != nil {
		t.Fatalf("run: %v: %s", err, out)
	}
	itest.WaitOutput(t, exec.Command("docker", "-H", sock, "logs", "-f", "worker"), "worker ready")
	cli("stop", "-t", "30", "worker")
	out, _ := cli("logs", "worker")
	if !strings.Contains(out, "worker: job done") || !strings.Contains(out, "ginit exiting code=143") {
		t.Errorf("docker run --init did not run ginit, or the job was lost:\n%s", out)
	}
}
