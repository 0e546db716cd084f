package stack

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The .deb make release builds (nfpm, through GoReleaser), installed with
// `apt-get install ./ginit_VERSION_ARCH.deb` in a throwaway root: an
// overlay over this machine's own / in a private mount namespace, chrooted
// into, so the real apt and dpkg install the package and the machine is
// untouched when the namespace goes.
func TestHeavyReleaseDeb(t *testing.T) {
	for _, c := range []string{"dpkg", "apt-get", "unshare", "chroot"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("SKIP: no %s (Debian's dpkg, apt, util-linux, coreutils)", c)
		}
	}
	if os.Getuid() != 0 {
		t.Skip("SKIP: not root: the throwaway root needs an overlay mount and chroot")
	}
	dist := releaseDist(t)
	t.Parallel()
	dir := t.TempDir()
	arch, _ := exec.Command("dpkg", "--print-architecture").Output()
	debs, _ := filepath.Glob(filepath.Join(dist, "ginit_*_"+strings.TrimSpace(string(arch))+".deb"))
	if len(debs) != 1 {
		t.Fatalf("make release made %q, want one dist/ginit_VERSION_%s.deb", debs, arch)
	}
	deb := debs[0]
	_, before := os.Stat("/usr/bin/ginit")
	root := filepath.Join(dir, "root")
	for _, d := range []string{"upper", "work", "merged"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	// In the chroot: install, then what a user would look at.
	inside := `set -e; cd /root
DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./` + filepath.Base(deb) + ` >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
echo "status: $(dpkg-query -W -f '${Status} ${Version}' ginit)"
echo "which: $(command -v ginit)"
echo "version: $(ginit --version)"
echo "man: $(man -w ginit)"
grep -q 'Permission is hereby granted' /usr/share/doc/ginit/copyright && echo "copyright: MIT"
set +e; ginit -s -- sh -c 'exit 3'; echo "exit: $?"`
	m := filepath.Join(root, "merged")
	script := `set -e
mount -t overlay overlay -o lowerdir=/,upperdir=` + root + `/upper,workdir=` + root + `/work ` + m + `
mount -t proc proc ` + m + `/proc
mount --rbind /dev ` + m + `/dev
mount -t tmpfs tmpfs ` + m + `/tmp
cp ` + deb + ` ` + m + `/root/
exec chroot ` + m + ` /bin/sh -c "$1"`
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", inside)
	out, err := cmd.CombinedOutput()
	t.Logf("apt-get install ./%s in a throwaway root:\n%s", filepath.Base(deb), out)
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	for _, want := range []string{"status: install ok installed ", "which: /usr/bin/ginit", "version: ginit version ",
		"man: /usr/share/man/man1/ginit.1.gz", "copyright: MIT", "exit: 3"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q", want)
		}
	}
	if _, after := os.Stat("/usr/bin/ginit"); after == nil && before != nil {
		t.Errorf("/usr/bin/ginit exists outside the throwaway root")
	}
}

// The .rpm make release builds, installed with Debian's rpm into a
// throwaway root (rpm --root DIR -i): the files rpm put there are ginit,
// its man page, README and license, and the ginit there runs. --nodeps:
// the root has no rpm database of the system's packages to satisfy
// anything from, and ginit needs nothing anyway (static).
func TestHeavyReleaseRpm(t *testing.T) {
	if _, err := exec.LookPath("rpm"); err != nil {
		t.Skip("SKIP: no rpm (Debian's rpm package; make deps installs it)")
	}
	if os.Getuid() != 0 {
		t.Skip("SKIP: not root: rpm installs files owned by root")
	}
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	if arch == "" {
		t.Skipf("SKIP: the test knows the rpm architecture of amd64 and arm64, not %s", runtime.GOARCH)
	}
	dist := releaseDist(t)
	t.Parallel()
	rpms, _ := filepath.Glob(filepath.Join(dist, "ginit-*."+arch+".rpm"))
	if len(rpms) != 1 {
		t.Fatalf("make release made %q, want one dist/ginit-VERSION-1.%s.rpm", rpms, arch)
	}
	root := t.TempDir()
	rpm := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("rpm", args...).Output()
		if err != nil {
			t.Fatalf("rpm %q: %v: %s", args, err, out)
		}
		return string(out)
	}
	if out := rpm("-K", rpms[0]); !strings.Contains(out, "digests OK") {
		t.Errorf("rpm -K: %s", out)
	}
	rpm("--root", root, "--initdb")
	rpm("--root", root, "-i", "--nodeps", rpms[0])
	t.Logf("rpm --root ROOT -i %s: %s", filepath.Base(rpms[0]), rpm("--root", root, "-q", "ginit"))
	rpm("--root", root, "-V", "ginit") // every file as the package says: size, digest, mode, owner
	files := rpm("--root", root, "-q", "--qf", "[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]", "ginit")
	for _, want := range []string{"-rwxr-xr-x root:root /usr/bin/ginit\n", "-rw-r--r-- root:root /usr/share/man/man1/ginit.1.gz\n",
		"-rw-r--r-- root:root /usr/share/doc/ginit/README.md\n", "-rw-r--r-- root:root /usr/share/licenses/ginit/LICENSE\n"} {
		if !strings.Contains(files, want) {
			t.Errorf("the installed package has no %q:\n%s", want, files)
		}
	}
	if lic := rpm("--root", root, "-qL", "ginit"); strings.TrimSpace(lic) != "/usr/share/licenses/ginit/LICENSE" {
		t.Errorf("rpm -qL (the files marked as license): %q", lic)
	}
	got := versionOf(t, filepath.Join(root, "usr", "bin", "ginit"))
	if want := versionOf(t, filepath.Join(dist, "ginit_linux_"+runtime.GOARCH+map[string]string{"amd64": "_v1", "arm64": "_v8.0"}[runtime.GOARCH], "ginit")); got != want {
		t.Errorf("ROOT/usr/bin/ginit --version: %q, want %q", got, want)
	}
}
