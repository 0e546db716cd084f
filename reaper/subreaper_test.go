package reaper

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

// A refused subreaper prctl says what the kernel answered and what may
// cause that answer, not a kernel version alone.
func TestSubreaperRefused(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{syscall.EINVAL, []string{"EINVAL (invalid argument)", "qemu-user", "seccomp", "older than 3.4"}},
		{syscall.EPERM, []string{"EPERM (operation not permitted)", "seccomp", "AppArmor"}},
		{syscall.ENOSYS, []string{"ENOSYS", "seccomp", "emulator"}},
		{syscall.EBADF, []string{"EBADF (bad file descriptor)"}},
		{errors.New("odd"), []string{"failed: odd"}},
	} {
		got := subreaperRefused(tc.err).Error()
		for _, w := range append(tc.want, "makes ginit a child subreaper, failed: ") {
			if !strings.Contains(got, w) {
				t.Errorf("%v: %q lacks %q", tc.err, got, w)
			}
		}
		if strings.Contains(got, "needed") {
			t.Errorf("%v: %q blames the kernel's version", tc.err, got)
		}
	}
}
