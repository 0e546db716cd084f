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
	ctr.must("image", "import", archive)

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
			// ctr run in the foreground reads the task's output through
			// FIFOs, as the CRI plugin does, and exits with the task's
			// code. Not ctr run -d --log-uri file://: containerd 1.6's
			// shim closes that file when stdout ends, and what stderr
			// still had in flight (ginit's last lines) is lost ("error
			// copying stderr"; seen under load, 2 runs in 12).
			log := filepath.Join(t.TempDir(), "log")
			out, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			run := exec.Command("ctr", append([]string{"-a", ctr.sock, "-n", ctr.ns, "run", "--rm", ref, id}, tc.argv...)...)
			run.Stdout, run.Stderr = out, out
			if err := run.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { run.Wait(); close(exited) }()
			t.Cleanup(func() {
				ctr.run("task", "kill", "-s", "SIGKILL", id)
				select {
				case <-exited:
				case <-time.After(itest.Patience):
					run.Process.Kill()
				}
				ctr.run("task", "delete", id)
				ctr.run("container", "delete", id)
			})
			waitFile(t, log, "worker ready")
			// The kubelet: stop signal, wait up to the grace period, SIGKILL.
			begin := time.Now()
			ctr.run("task", "kill", "-s", "SIGTERM", id)
			stopped := true
			select {
			case <-exited:
			case <-time.After(30 * time.Second):
				stopped = false
				ctr.run("task", "kill", "-s", "SIGKILL", id)
				<-exited
			}
			took := time.Since(begin).Round(100 * time.Millisecond)
			code := run.ProcessState.ExitCode()
			b, _ := os.ReadFile(log)
			t.Logf("%s: stopped by SIGTERM: %v, after %v, exit code %d; its log:\n%s", tc.name, stopped, took, code, b)
			if !stopped {
				t.Errorf("%s: still running 30 s after SIGTERM; the kubelet would SIGKILL it", tc.name)
			}
			if got := strings.Contains(string(b), "worker: job done"); got != tc.done {
				t.Errorf("%s: job finished %v, want %v", tc.name, got, tc.done)
			}
			if tc.done && (code != 143 || !strings.Contains(string(b), "ginit exiting code=143")) {
				t.Errorf("exit code %d, want 143 from containerd and in ginit's stop report", code)
			}
		})
	}
}

// privateCtr runs ctr against a private containerd.
type privateCtr struct {
	t        *testing.T
	sock, ns string
}

// run runs ctr; a failure is the caller's to judge (a kill of a task that
// has just exited fails, and is fine).
func (c privateCtr) run(args ...string) (string, error) {
	out, err := exec.Command("ctr", append([]string{"-a", c.sock, "-n", c.ns}, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// must runs ctr and fails the test if ctr fails.
func (c privateCtr) must(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("ctr %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return out
}

// privateContainerd starts containerd in a temporary directory and returns
// a ctr for it; both end with the test.
func privateContainerd(t *testing.T) privateCtr {
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
	ctr := privateCtr{t, sock, ns}
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
		out, err := ctr.run("version")
		if err == nil {
			t.Logf("private containerd: %s", strings.ReplaceAll(out, "\n", "; "))
			break
		}
		if time.Now().After(deadline) {
			t.Skipf("SKIP: a private containerd did not come up: %s", out)
		}
	}
	return ctr
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
