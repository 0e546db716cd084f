package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `make deb`, then `apt-get install ./ginit_VERSION_ARCH.deb` in a
// throwaway root: an overlay over this machine's own / in a private mount
// namespace, chrooted into, so the real apt and dpkg install the package
// and the machine is untouched when the namespace goes.
func TestDebianPackage(t *testing.T) {
	for _, c := range []string{"dpkg-deb", "apt-get", "unshare", "chroot"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("SKIP: no %s (Debian's dpkg, apt, util-linux, coreutils)", c)
		}
	}
	if os.Getuid() != 0 {
		t.Skip("SKIP: not root: the throwaway root needs an overlay mount and chroot")
	}
	t.Parallel()
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist")
	// OUT: make deb builds first, and the ginit other tests run must not be
	// rewritten under them.
	mk := exec.Command("make", "-s", "--no-print-directory", "deb", "OUT="+filepath.Join(dir, "ginit"), "DIST="+dist)
	mk.Dir = rootDir
	out, err := mk.CombinedOutput()
	if err != nil {
		t.Fatalf("make deb: %v: %s", err, out)
	}
	deb := strings.TrimSpace(string(out))
	arch, _ := exec.Command("dpkg", "--print-architecture").Output()
	if !strings.HasPrefix(filepath.Base(deb), "ginit_") || !strings.HasSuffix(deb, "_"+strings.TrimSpace(string(arch))+".deb") {
		t.Fatalf("make deb made %q, want dist/ginit_VERSION_%s.deb", deb, arch)
	}
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
	out, err = cmd.CombinedOutput()
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
