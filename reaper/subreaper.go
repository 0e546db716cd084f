package reaper

import (
	"errors"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SetSubreaper makes orphaned descendants re-parent to ginit rather than to
// the namespace's init, so ginit can reap them without being PID 1.
func SetSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return subreaperRefused(err)
	}
	return nil
}

// subreaperRefused names the kernel's answer and what is known to give it:
// a kernel without the prctl (before 3.4) is the rarest cause today; an
// emulator (qemu-user answers EINVAL) or a seccomp profile is the likely one.
func subreaperRefused(err error) error {
	msg := "prctl(PR_SET_CHILD_SUBREAPER), which makes ginit a child subreaper, failed: "
	errno, ok := err.(syscall.Errno)
	if !ok {
		return errors.New(msg + err.Error())
	}
	msg += unix.ErrnoName(errno) + " (" + errno.Error() + ")"
	switch errno {
	case unix.EINVAL:
		msg += ": an emulator that does not pass the call on (qemu-user), a seccomp profile, " +
			"or a kernel older than 3.4 answers so"
	case unix.EPERM, unix.EACCES:
		msg += ": a seccomp profile or a security module (SELinux, AppArmor) refuses the call"
	case unix.ENOSYS:
		msg += ": a seccomp profile, or an emulator that does not know the call, answers so"
	}
	return errors.New(msg)
}

// IsSubreaper asks the kernel whether ginit's process is a child subreaper.
// A launcher may have made it one before exec (the bit survives execve), as
// tini's own check allows for; an error reads as "no".
func IsSubreaper() bool {
	var bit int32
	err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&bit)), 0, 0, 0)
	return err == nil && bit != 0
}
