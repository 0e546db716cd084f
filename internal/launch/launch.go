// Package launch starts a program as a container runtime would: as PID 1
// of a new PID namespace. The integration tests, the bench and the demo all
// start ginit (or another init) through it, so that they measure and show
// the same thing.
package launch

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// Nobody is the user id of "nobody", for runs that must not be root.
const Nobody = 65534

// ErrNoNamespace says the machine cannot make a PID namespace.
var ErrNoNamespace = errors.New("cannot create a PID namespace here (needs root, or unprivileged user namespaces)")

// Spec is one program to start.
type Spec struct {
	Argv []string
	// Env is added to this process's environment, or with BareEnv is the
	// whole of it.
	Env     []string
	BareEnv bool
	Dir     string
	NoNS    bool // an ordinary process, not PID 1 of a new namespace
	Mount   bool // a mount namespace too, for a /proc of its own
	// Nobody runs the program as user nobody: in a namespace, through a
	// user namespace whose root is nobody outside; without one, by
	// switching user (root only).
	Nobody bool
	// TTY, when set, is the program's stdin, stdout and stderr and the
	// controlling terminal of a new session (with NoCTTY, of none: the
	// session is new, the terminal only its stdio).
	TTY    *os.File
	NoCTTY bool
	Extra  []*os.File
}

// Command is the exec.Cmd for s. Its stdio is left to the caller unless s
// has a TTY.
func Command(s Spec) *exec.Cmd {
	cmd := exec.Command(s.Argv[0], s.Argv[1:]...)
	cmd.Env = s.Env
	if !s.BareEnv {
		cmd.Env = append(os.Environ(), s.Env...)
	} else if cmd.Env == nil {
		cmd.Env = []string{}
	}
	cmd.Dir = s.Dir
	cmd.ExtraFiles = s.Extra
	cmd.SysProcAttr = Attr(s)
	if s.TTY != nil {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = s.TTY, s.TTY, s.TTY
	}
	return cmd
}

// Attr is the process attributes that Spec asks for. Pdeathsig SIGKILL
// takes a namespace's PID 1, and with it the namespace, down with the
// program that started it, so a killed test or bench leaves nothing behind.
func Attr(s Spec) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{}
	if !s.NoNS {
		a.Cloneflags, a.Pdeathsig = syscall.CLONE_NEWPID, syscall.SIGKILL
		if s.Mount {
			a.Cloneflags |= syscall.CLONE_NEWNS
		}
		uid, gid := os.Getuid(), os.Getgid()
		if s.Nobody {
			uid, gid = Nobody, Nobody
		}
		if uid != 0 || s.Nobody {
			a.Cloneflags |= syscall.CLONE_NEWUSER
			a.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: uid, Size: 1}}
			a.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: gid, Size: 1}}
		}
	} else if s.Nobody {
		a.Credential = &syscall.Credential{Uid: Nobody, Gid: Nobody}
	}
	if s.TTY != nil {
		a.Setsid, a.Setctty, a.Ctty = true, !s.NoCTTY, 0
	}
	return a
}

// Refused reports whether err from starting a Spec means that the machine
// does not allow what it asks for (namespaces, a user switch), rather than
// that something is broken.
func Refused(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) ||
		errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EUSERS) || errors.Is(err, syscall.EACCES)
}
