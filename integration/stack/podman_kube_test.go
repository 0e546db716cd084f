package stack

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// `podman kube play` of the README's Kubernetes Pod, then `podman pod
// stop`; and what `podman kube down` does to it. The README's YAML is used
// as written but for the pod's name, the image (the local one, never
// pulled) and args (the shell-wrapped job).
func TestPodmanKubePlay(t *testing.T) {
	img := podmanImage(t)
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join(itest.RootDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(apiVersion: v1\nkind: Pod\n.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no ```yaml block with a Kubernetes Pod")
	}
	pod := fmt.Sprintf("ginit-test-%d", rand.Uint32())
	yaml := string(m[1])
	for _, r := range [][2]string{
		{"\n  name: worker\n", "\n  name: " + pod + "\n"},
		{"image: example/worker:latest", "image: " + img + "\n      imagePullPolicy: Never"},
		{`args: ["/app/startup.sh"]`, fmt.Sprintf("args: [\"sh\", \"-c\", %q]", wrapperJob)},
	} {
		if !strings.Contains(yaml, r[0]) {
			t.Fatalf("the README's Pod has no %q to substitute:\n%s", r[0], yaml)
		}
		yaml = strings.Replace(yaml, r[0], r[1], 1)
	}
	file := filepath.Join(t.TempDir(), "pod.yaml")
	os.WriteFile(file, []byte(yaml), 0o644)
	t.Cleanup(func() { podmanCmd("kube", "down", file).Run() })
	podman(t, "kube", "play", file)
	c := pod + "-worker"
	podmanLogs(t, c, "worker ready")

	// terminationGracePeriodSeconds: 30 becomes the stop timeout from 4.7 on.
	timeout := podman(t, "inspect", c, "--format", "{{.Config.StopTimeout}}")
	want := "30"
	if podmanVer[0] < 4 || podmanVer[0] == 4 && podmanVer[1] < 7 {
		want = "10" // ignored: podman's default
	}
	t.Logf("podman %s: terminationGracePeriodSeconds 30 gives a stop timeout of %s s", podmanVerSt, timeout)
	if timeout != want {
		t.Errorf("podman %s: stop timeout %s, want %s", podmanVerSt, timeout, want)
	}
	podman(t, "pod", "stop", pod)
	out := podmanLogs(t, c, "ginit exiting code=143")
	if !strings.Contains(out, "worker: job done") || !strings.Contains(out, "grace_ms=28000") {
		t.Errorf("podman pod stop: the job did not finish, or --grace did not reach ginit:\n%s", out)
	}
	podman(t, "kube", "down", file)

	// kube down removes the container and its logs: ginit writes to a
	// hostPath file instead.
	dir := t.TempDir()
	down := strings.Replace(yaml, "  containers:\n", "  volumes:\n    - name: out\n      hostPath: {path: "+dir+", type: Directory}\n  containers:\n", 1)
	down = regexp.MustCompile(`command: .*\n\s+args: .*`).ReplaceAllString(down,
		fmt.Sprintf("command: [\"sh\", \"-c\", %q]\n      volumeMounts: [{name: out, mountPath: /out}]",
			"exec /ginit --grace 28s -- sh -c '"+wrapperJob+"' >/out/log 2>&1"))
	os.WriteFile(file, []byte(down), 0o644)
	podman(t, "kube", "play", file)
	log := filepath.Join(dir, "log")
	waitFile(t, log, "worker ready")
	podman(t, "kube", "down", file)
	b, _ := os.ReadFile(log)
	t.Logf("podman %s: ginit's log through podman kube down:\n%s", podmanVerSt, b)
	gotTerm := strings.Contains(string(b), "stop signal received")
	if podmanVer[0] < 5 || podmanVer[0] == 5 && podmanVer[1] < 1 {
		if gotTerm {
			t.Errorf("podman %s kube down sent a stop signal; the README says it SIGKILLs at once before 5.1", podmanVerSt)
		}
	} else if !gotTerm || !strings.Contains(string(b), "worker: job done") {
		t.Errorf("podman %s kube down: no stop signal, or the job was lost", podmanVerSt)
	}
}
