package signals

import (
	"errors"
	"syscall"
)

// Send delivers sig to pid, or to the process group pid leads when group
// is set. ESRCH says that nobody got it: the process has gone, or no
// process is left in the group (its leader joined another with setpgid:
// a leader's setsid fails); the caller knows which it expects.
func Send(pid int, sig syscall.Signal, group bool) error {
	if pid <= 0 {
		return errors.New("refusing to signal pid <= 0")
	}
	target := pid
	if group {
		target = -pid
	}
	return syscall.Kill(target, sig)
}

// SendAll signals every process of ginit's PID namespace but ginit. The
// caller must be PID 1: elsewhere kill(-1) would reach every process the
// user may signal on the host.
func SendAll(sig syscall.Signal) error {
	err := syscall.Kill(-1, sig)
	if err == syscall.ESRCH {
		return nil
	}
	return err
}

// NoneLeft reports whether ginit's PID namespace holds no process but
// ginit, at the cost of one system call: as PID 1, kill(-1, 0) reaches
// every other process of the namespace and fails with ESRCH when there is
// none. Only meaningful as PID 1.
func NoneLeft() bool {
	return syscall.Kill(-1, 0) == syscall.ESRCH
}
