package stack

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// containerd directly, the runtime under Kubernetes (through CRI) and ECS
// on Fargate: a private containerd (its own root, state and socket in a
// temporary directory, stopped after), the test image imported with
// `ctr image import` from an OCI archive written here, run with `ctr run`,
// and stopped the way the kubelet's StopContainer does it: the stop signal,
// the grace period, then SIGKILL. Production proportions: the job needs
// 8 s after SIGTERM, ginit has --grace 25s, the kubelet's deadline is 30 s.
func TestContainerdKubeletStop(t *testing.T) {
	for _, c := range []string{"containerd", "ctr", "containerd-shim-runc-v2", "runc"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("SKIP: no %s (Debian's containerd and runc; make deps installs them)", c)
		}
	}
	if os.Getuid() != 0 {
		t.Skip("SKIP: not root: a private containerd needs root")
	}
	tiniStatic, err := exec.LookPath("tini-static")
	if err != nil {
		t.Skip("SKIP: no tini-static (Debian's tini) to compare with")
	}
	t.Parallel()
	ctr := privateContainerd(t)
	archive := filepath.Join(t.TempDir(), "image.tar")
	app := filepath.Join(t.TempDir(), "app")
	if err := runCmd(itest.RootDir, append(os.Environ(), "CGO_ENABLED=0"), "go", "build", "-o", app, "./integration/stack/containerapp"); err != nil {
		t.Fatal(err)
	}
	busybox, _ := exec.LookPath("busybox")
	ref := fmt.Sprintf("docker.io/library/ginit-ctr-%d:latest", rand.Uint32())
	if err := writeOCIArchive(archive, ref, map[string]string{"ginit": itest.Ginit, "tini": tiniStatic, "app": app, "bin/busybox": busybox},
		[]string{"bin/sh"}, []string{"/ginit", "--"}); err != nil {
		t.Fatal(err)
	}
	ctr("image", "import", archive)

	const job = "echo starting; /app worker 8000 0; echo wrapper done"
	for _, tc := range []struct {
		name string
		argv []string
		done bool
	}{
		{"ginit", []string{"/ginit", "--grace", "25s", "--", "sh", "-c", job}, true},
		{"tini", []string{"/tini", "--", "sh", "-c", job}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id := fmt.Sprintf("ginit-test-%d", rand.Uint32())
			log := filepath.Join(t.TempDir(), "log")
			ctr(append([]string{"run", "-d", "--log-uri", "file://" + log, ref, id}, tc.argv...)...)
			t.Cleanup(func() {
				ctr("task", "kill", "-s", "SIGKILL", id)
				waitTask(t, ctr, id, itest.Patience)
				ctr("task", "delete", id)
				ctr("container", "delete", id)
			})
			waitFile(t, log, "worker ready")
			// The kubelet: stop signal, wait up to the grace period, SIGKILL.
			begin := time.Now()
			ctr("task", "kill", "-s", "SIGTERM", id)
			stopped := waitTask(t, ctr, id, 30*time.Second)
			if !stopped {
				ctr("task", "kill", "-s", "SIGKILL", id)
				waitTask(t, ctr, id, itest.Patience)
			}
			took := time.Since(begin).Round(100 * time.Millisecond)
			if stopped && tc.done {
				// The shim copies the task's output to the file on its own
				// time: the last lines may land after the task's exit is seen.
				waitFile(t, log, "ginit exiting code=")
			}
			b, _ := os.ReadFile(log)
			t.Logf("%s: stopped by SIGTERM: %v, after %v; its log:\n%s", tc.name, stopped, took, b)
			if !stopped {
				t.Errorf("%s: still running 30 s after SIGTERM; the kubelet would SIGKILL it", tc.name)
			}
			if got := strings.Contains(string(b), "worker: job done"); got != tc.done {
				t.Errorf("%s: job finished %v, want %v", tc.name, got, tc.done)
			}
			if tc.done && !strings.Contains(string(b), "ginit exiting code=143") {
				t.Errorf("no ginit stop report ending in code 143")
			}
		})
	}
}

// privateContainerd starts containerd in a temporary directory and returns
// a ctr runner for it; both end with the test.
func privateContainerd(t *testing.T) func(args ...string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ginit-containerd-")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "containerd.sock")
	ns := filepath.Base(dir)
	cfg := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[ttrpc]
  address = %q
[debug]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), sock, sock+".ttrpc", filepath.Join(dir, "opt"))
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(cfg), 0o644)
	d := exec.Command("containerd", "--config", filepath.Join(dir, "config.toml"))
	var dlog strings.Builder
	d.Stdout = &lockedWriter{new(sync.Mutex), &dlog}
	d.Stderr = d.Stdout
	d.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := d.Start(); err != nil {
		t.Skipf("SKIP: cannot start a private containerd: %v", err)
	}
	run := func(args ...string) (string, error) {
		out, err := exec.Command("ctr", append([]string{"-a", sock, "-n", ns}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	t.Cleanup(func() {
		d.Process.Signal(syscall.SIGTERM)
		d.Wait()
		// Snapshots are unmounted once their containers are deleted.
		exec.Command("umount", "-R", filepath.Join(dir, "state")).Run()
		os.RemoveAll(dir)
		if t.Failed() {
			t.Logf("containerd log:\n%s", dlog.String())
		}
	})
	for deadline := time.Now().Add(itest.Patience); ; time.Sleep(50 * time.Millisecond) {
		out, err := run("version")
		if err == nil {
			t.Logf("private containerd: %s", strings.ReplaceAll(out, "\n", "; "))
			break
		}
		if time.Now().After(deadline) {
			t.Skipf("SKIP: a private containerd did not come up: %s", out)
		}
	}
	return func(args ...string) string {
		out, err := run(args...)
		if err != nil && args[0] != "task" && args[0] != "container" {
			t.Fatalf("ctr %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return out
	}
}

// waitTask waits up to d for the task to stop; it reports whether it did.
func waitTask(t *testing.T, ctr func(...string) string, id string, d time.Duration) bool {
	t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(50 * time.Millisecond) {
		out := ctr("task", "ls")
		running := false
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) >= 3 && f[0] == id && f[2] != "STOPPED" {
				running = true
			}
		}
		if !running {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// waitFile waits until a line of the file at path contains want; the file
// need not exist yet.
func waitFile(t *testing.T, path, want string) {
	t.Helper()
	itest.WaitOutput(t, exec.Command("tail", "-F", "-n", "+1", path), want)
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
