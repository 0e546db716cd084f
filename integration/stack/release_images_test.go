package stack

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// make images builds the Dockerfile once per architecture from the
// release binaries, with plain `docker build --platform` (no buildx, no
// emulation): each image says its architecture, holds that architecture's
// binary, and the one this machine runs answers --version.
func TestHeavyReleaseImages(t *testing.T) {
	if out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput(); err != nil {
		t.Skipf("SKIP: docker does not answer: %v: %s", err, out)
	}
	dist := releaseDist(t)
	t.Parallel()
	image := strings.TrimSuffix(uniqueTag("ginit-release"), ":latest")
	cmd := exec.Command("make", "-s", "--no-print-directory", "images", "IMAGE="+image, "IMAGE_ARCHS=amd64 arm64 armv7")
	cmd.Dir = release.src
	out, err := cmd.Output()
	tags := strings.Fields(string(out))
	t.Cleanup(func() { exec.Command("docker", append([]string{"rmi"}, tags...)...).Run() })
	if err != nil {
		t.Fatalf("make images: %v: %s", err, out)
	}
	t.Logf("make images: %s", tags)
	version := describe(t, release.src)
	want := map[string]struct{ platform, build string }{"amd64": {"linux/amd64/", "ginit_linux_amd64_v1"},
		"arm64": {"linux/arm64/", "ginit_linux_arm64_v8.0"}, "armv7": {"linux/arm/v7", "ginit_linux_arm_7"}}
	if len(tags) != len(want) {
		t.Fatalf("make images made %q, want one image for each of amd64 arm64 armv7", tags)
	}
	for arch, w := range want {
		tag := image + ":" + version + "-" + arch
		got, err := exec.Command("docker", "image", "inspect", "-f", "{{.Os}}/{{.Architecture}}/{{.Variant}}", tag).Output()
		if err != nil || strings.TrimSpace(string(got)) != w.platform {
			t.Errorf("%s: platform %q, want %s (%v)", tag, got, w.platform, err)
		}
		// What the image holds, copied out of a container never started.
		id, err := exec.Command("docker", "create", tag).Output()
		if err != nil {
			t.Fatalf("docker create %s: %v", tag, err)
		}
		copied := filepath.Join(t.TempDir(), "ginit")
		err = exec.Command("docker", "cp", strings.TrimSpace(string(id))+":/ginit", copied).Run()
		exec.Command("docker", "rm", strings.TrimSpace(string(id))).Run()
		if err != nil || fileSum(t, copied) != fileSum(t, filepath.Join(dist, w.build, "ginit")) {
			t.Errorf("%s: /ginit is not the release's %s binary (%v)", tag, arch, err)
		}
	}
	if runtime.GOARCH != "amd64" {
		return
	}
	got, err := exec.Command("docker", "run", "--rm", image+":"+version+"-amd64").Output()
	if want := versionOf(t, filepath.Join(dist, "ginit_linux_amd64_v1", "ginit")); err != nil || strings.TrimSpace(string(got)) != want {
		t.Errorf("docker run %s:%s-amd64 (CMD --version): %q, want %q (%v)", image, version, got, want, err)
	}
}
