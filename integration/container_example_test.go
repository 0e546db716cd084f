package integration

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Dockerfile.example's final stage, built for real: its base image cannot be
// pulled here, so FROM becomes scratch with a static busybox, and the COPY
// from the build stage takes the ginit built by TestMain.
func TestDockerfileExample(t *testing.T) {
	dockerImage(t) // skips without Docker
	t.Parallel()
	src, err := os.ReadFile(filepath.Join(rootDir, "Dockerfile.example"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	last := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "FROM ") {
			last = i
		}
	}
	var df []string
	for _, l := range lines[last:] {
		switch {
		case strings.HasPrefix(l, "FROM "):
			df = append(df, "FROM scratch", "COPY busybox /bin/busybox", `RUN ["/bin/busybox", "--install", "-s", "/bin"]`)
		case strings.HasPrefix(l, "COPY --from=ginit /ginit /ginit"):
			df = append(df, "COPY ginit /ginit")
		case strings.HasPrefix(l, "COPY --from"):
			t.Fatalf("Dockerfile.example's final stage copies something else from the build: %q", l)
		default:
			df = append(df, l)
		}
	}
	if !strings.Contains(string(src), `ENTRYPOINT ["/ginit"`) {
		t.Fatalf("Dockerfile.example sets no ginit ENTRYPOINT")
	}
	dir := t.TempDir()
	busybox, _ := exec.LookPath("busybox")
	for _, f := range [][2]string{{ginit, "ginit"}, {busybox, "busybox"}} {
		if out, err := exec.Command("cp", f[0], filepath.Join(dir, f[1])).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	}
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(strings.Join(df, "\n")), 0o644)
	tag := fmt.Sprintf("ginit-example:%d", rand.Uint32())
	docker(t, "build", "-q", "-t", tag, dir)
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })

	c := container(t, tag)
	logs(t, c, "app running")
	docker(t, "stop", "-t", "30", c)
	if code := exitCodeOf(t, c); code != "143" {
		t.Errorf("exit code %s, want 143 (sh killed by SIGTERM)", code)
	}
	out := logs(t, c, "ginit exiting")
	if !strings.Contains(out, "grace_ms=8000") {
		t.Errorf("the ENTRYPOINT's --grace did not reach ginit:\n%s", out)
	}
}

// docker-compose: entrypoint and stop_grace_period, as the README shows them.
func TestDockerCompose(t *testing.T) {
	img := dockerImage(t)
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Skip("SKIP: no docker-compose (Debian's docker-compose package)")
	}
	t.Parallel()
	project := "ginittest" + strconv.FormatUint(uint64(rand.Uint32()), 10)
	file := filepath.Join(t.TempDir(), "docker-compose.yml")
	os.WriteFile(file, []byte(`version: "3.8"
services:
  worker:
    image: `+img+`
    entrypoint: ["/ginit", "--grace", "20s", "--"]
    command: ["sh", "-c", "echo starting; /app worker 1500 0; echo wrapper done"]
    stop_grace_period: 25s
`), 0o644)
	compose := func(args ...string) string {
		out, err := exec.Command("docker-compose", append([]string{"-p", project, "-f", file}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("docker-compose %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	t.Cleanup(func() { exec.Command("docker-compose", "-p", project, "-f", file, "down", "-t", "1").Run() })
	compose("up", "-d")
	for deadline := time.Now().Add(patience); !strings.Contains(compose("logs"), "worker ready"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("worker never ready:\n%s", compose("logs"))
		}
	}
	compose("stop")
	if out := compose("logs"); !strings.Contains(out, "worker: job done") || !strings.Contains(out, "grace_ms=20000") {
		t.Errorf("compose stop lost the job or the grace:\n%s", out)
	}
}
