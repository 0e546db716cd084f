package stack

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// Dockerfile.example, the text users copy, built both ways it offers, from
// local images only. What the test substitutes, and nothing else:
// debian:bookworm-slim becomes a FROM scratch image with a static busybox;
// golang:1.26 becomes `docker import` of this machine's Go toolchain, with
// ENV GOPROXY=file:///proxy and the module proxy of modproxy_test.go copied
// in (the checkout at HEAD's pseudo-version); the ginit image is the
// repository's Dockerfile built with the ginit under test, under a unique
// tag given to the stage name ginit.
func TestDockerfileExample(t *testing.T) {
	dockerImage(t) // skips without Docker
	t.Parallel()
	src, err := os.ReadFile(filepath.Join(itest.RootDir, "Dockerfile.example"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "COPY --from=ginit /ginit /ginit") ||
		!strings.Contains(string(src), `ENTRYPOINT ["/ginit"`) {
		t.Fatalf("Dockerfile.example lacks the COPY --from=ginit line or ginit's ENTRYPOINT")
	}
	base := baseImage(t)
	t.Run("image", func(t *testing.T) {
		img := ginitOnlyImage(t)
		if out := docker(t, "run", "--rm", img); !strings.HasPrefix(out, "ginit version ") {
			t.Errorf("docker run of the ginit image printed %q, want its version", out)
		}
		df := "FROM " + img + " AS ginit\n" + strings.ReplaceAll(string(src), "FROM debian:bookworm-slim", "FROM "+base)
		buildExample(t, df, nil, nil)
	})
	t.Run("go-install", func(t *testing.T) {
		proxy, ver := moduleProxy(t)
		goimg := goImage(t)
		var lines []string
		n := 0
		for _, l := range strings.Split(string(src), "\n") {
			if rest, ok := strings.CutPrefix(l, "# FROM golang:"); ok || n > 0 && strings.HasPrefix(l, "# ") && n < 4 {
				if ok {
					_, stage, _ := strings.Cut(rest, " AS ")
					l = "FROM " + goimg + " AS " + stage + "\nCOPY proxy /proxy\nENV GOPROXY=file:///proxy GOSUMDB=off"
				} else {
					l = strings.TrimPrefix(l, "# ")
				}
				n++
			}
			lines = append(lines, strings.Replace(l, "FROM debian:bookworm-slim", "FROM "+base, 1))
		}
		if n != 4 {
			t.Fatalf("Dockerfile.example: the go install stage is not four commented lines starting at '# FROM golang:'")
		}
		out := buildExample(t, strings.Join(lines, "\n"), []string{"--build-arg", "GINIT_VERSION=" + ver}, func(ctx string) {
			if err := runCmd("", nil, "cp", "-r", proxy, filepath.Join(ctx, "proxy")); err != nil {
				t.Fatal(err)
			}
		})
		if want := "ginit version " + ver + " - git." + proxyCommit[:7]; !strings.Contains(out, want) {
			t.Errorf("the go-installed ginit does not say %q", want)
		}
	})
}

// buildExample builds a Dockerfile in a fresh context, runs the image as
// the example means (docker stop of its sh loop) and returns the image's
// `ginit --version`.
func buildExample(t *testing.T, dockerfile string, buildArgs []string, fill func(dir string)) string {
	t.Helper()
	dir := t.TempDir()
	if fill != nil {
		fill(dir)
	}
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644)
	tag := fmt.Sprintf("ginit-example-%d", rand.Uint32())
	args := append([]string{"build", "-q", "-t", tag}, buildArgs...)
	docker(t, append(args, dir)...)
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })

	version := docker(t, "run", "--rm", "--entrypoint", "/ginit", tag, "--version")
	c := container(t, tag)
	logs(t, c, "app running")
	docker(t, "stop", "-t", "30", c)
	if code := exitCodeOf(t, c); code != "143" {
		t.Errorf("exit code %s, want 143 (sh killed by SIGTERM)", code)
	}
	if out := logs(t, c, "ginit exiting"); !strings.Contains(out, "grace_ms=8000") {
		t.Errorf("the ENTRYPOINT's --grace did not reach ginit:\n%s", out)
	}
	return version
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
	itest.WaitOutput(t, exec.Command("docker-compose", "-p", project, "-f", file, "logs", "-f"), "worker ready")
	compose("stop")
	if out := compose("logs"); !strings.Contains(out, "worker: job done") || !strings.Contains(out, "grace_ms=20000") {
		t.Errorf("compose stop lost the job or the grace:\n%s", out)
	}
}
