package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// The report file is written only where the command line said: ginit runs
// as root, and the app's user (nobody, uid 65534) owns a directory on the
// path and plants there a symlink to a directory of root's, above the last
// component, or a second hard link to a file of root's, or a file of its
// own. Each is refused with a warning that names it; the exit code stays
// the app's, and root's files are untouched.
func TestReportFilePlanted(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("SKIP: not root: the planted parts must belong to another user")
	}
	t.Parallel()
	const nobody = 65534
	for _, tc := range []struct {
		name  string
		plant func(t *testing.T, app, secret string) (path, victim string)
		want  string // in the warning, after the app's directory
	}{
		{"swapped parent", func(t *testing.T, app, secret string) (string, string) {
			link(t, secret, filepath.Join(app, "sub"), nobody)
			return filepath.Join(app, "sub", "report"), filepath.Join(secret, "report")
		}, `/sub: a symlink, not followed: owned by uid 65534, not by root or ginit's user"`},
		{"swapped grandparent", func(t *testing.T, app, secret string) (string, string) {
			os.Mkdir(filepath.Join(secret, "inner"), 0o700)
			os.WriteFile(filepath.Join(secret, "inner", "report"), []byte("precious\n"), 0o600)
			link(t, secret, filepath.Join(app, "sub"), nobody)
			return filepath.Join(app, "sub", "inner", "report"), filepath.Join(secret, "inner", "report")
		}, `/sub: a symlink, not followed: owned by uid 65534, not by root or ginit's user"`},
		{"planted hard link", func(t *testing.T, app, secret string) (string, string) {
			victim := filepath.Join(secret, "report")
			if err := os.Link(victim, filepath.Join(app, "report")); err != nil {
				t.Skipf("SKIP: cannot make a hard link here (fs.protected_hardlinks?): %v", err)
			}
			return filepath.Join(app, "report"), victim
		}, `/report: a regular file with 2 hard links, not written"`},
		{"a file of the app's", func(t *testing.T, app, secret string) (string, string) {
			path := filepath.Join(app, "report")
			os.WriteFile(path, []byte("precious\n"), 0o644)
			os.Chown(path, nobody, nobody)
			return path, path
		}, `/report: a regular file owned by uid 65534, not written"`},
		{"symlink in a sticky directory", func(t *testing.T, app, secret string) (string, string) {
			os.Chown(app, 0, 0)
			os.Chmod(app, 0o1777) // as /tmp: the kernel answers O_CREAT on the link with EACCES
			link(t, filepath.Join(secret, "report"), filepath.Join(app, "report"), nobody)
			return filepath.Join(app, "report"), filepath.Join(secret, "report")
		}, `/report: a symlink, not followed: owned by uid 65534, not by root or ginit's user"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			app, secret := filepath.Join(base, "app"), filepath.Join(base, "secret")
			os.Mkdir(secret, 0o700)
			os.WriteFile(filepath.Join(secret, "report"), []byte("precious\n"), 0o600)
			os.Mkdir(app, 0o755)
			os.Chown(app, nobody, nobody)
			path, victim := tc.plant(t, app, secret)
			r := itest.Start(t, itest.Opts{Args: append([]string{"--report-file", path}, itest.Helper("exit", "3")...)})
			if code := r.Wait(); code != 3 {
				t.Errorf("exit %d, want 3", code)
			}
			if b, err := os.ReadFile(victim); string(b) != "precious\n" {
				t.Errorf("ginit wrote where it was not told to: %s now holds %q (%v)", victim, b, err)
			}
			if want := `cannot write the report file path=` + path + ` error="` + app + tc.want; !strings.Contains(r.Stderr(), want) {
				t.Errorf("no warning %s:\n%s", want, r.Stderr())
			}
		})
	}
}

// link makes a symlink at path to target, owned by uid.
func link(t *testing.T, target, path string, uid int) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
}

// A FIFO with a reader gets the report; /dev/stderr, a symlink to a link
// the kernel makes in /proc, still works, with the host's /proc or the
// namespace's own.
func TestReportFileStillWorks(t *testing.T) {
	t.Parallel()
	t.Run("FIFO", func(t *testing.T) {
		t.Parallel()
		fifo := filepath.Join(t.TempDir(), "fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("SKIP: cannot make a FIFO: %v", err)
		}
		fd, err := syscall.Open(fifo, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer syscall.Close(fd)
		r := itest.Start(t, itest.Opts{Args: append([]string{"--report-file", fifo}, itest.Helper("exit", "3")...)})
		if code := r.Wait(); code != 3 {
			t.Errorf("exit %d, want 3", code)
		}
		buf := make([]byte, 8192)
		n, _ := syscall.Read(fd, buf)
		if !strings.HasSuffix(string(buf[:max(n, 0)]), "exit code 3\n") || strings.Contains(r.Stderr(), "report") {
			t.Errorf("the FIFO's reader got %q:\n%s", buf[:max(n, 0)], r.Stderr())
		}
	})
	for _, mount := range []bool{false, true} {
		t.Run("/dev/stderr, own /proc "+map[bool]string{false: "no", true: "yes"}[mount], func(t *testing.T) {
			t.Parallel()
			if target, err := os.Readlink("/dev/stderr"); err != nil || !strings.HasPrefix(target, "/proc/") {
				t.Skipf("SKIP: /dev/stderr is not a link into /proc here: %q %v", target, err)
			}
			r := itest.Start(t, itest.Opts{Mount: mount, Args: append([]string{"--report-file", "/dev/stderr"}, itest.Helper("exit", "3")...)})
			if code := r.Wait(); code != 3 {
				t.Errorf("exit %d, want 3", code)
			}
			if !strings.Contains(r.Stderr(), "exit code 3\n") || strings.Contains(r.Stderr(), "cannot write") {
				t.Errorf("no report on stderr:\n%s", r.Stderr())
			}
		})
	}
}
