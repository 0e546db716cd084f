// Package spawn starts ginit's main child as tini does: found on PATH as
// execvp finds it, in its own process group, in the terminal's foreground
// when there is one, with the environment exactly as ginit received it,
// and with tini's exit codes when it cannot be started. It never waits
// for the child: ginit's reaper collects it with wait4(-1).
package spawn

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// defaultPath is glibc's, which execvp (and so tini) uses when PATH is unset.
const defaultPath = "/bin:/usr/bin"

// execError is a child that could not be started; code is tini's exit code.
type execError struct {
	msg  string
	code int
}

func (e *execError) Error() string { return e.msg }

// ExitCode is the exit code for an error from Start: tini's 127 or 126
// when the program is missing or cannot be run, else 1.
func ExitCode(err error) int {
	if e, ok := err.(*execError); ok {
		return e.code
	}
	return 1
}

// Start starts argv in its own process group, in the terminal's
// foreground when stdin is ginit's controlling terminal, so Ctrl-C reaches
// it rather than ginit.
//
// syscall.ForkExec rather than os/exec: nothing may Wait on the child, since
// the reaper collects it with wait4(-1). The child inherits ginit's
// environment, file descriptors and its original signal mask (the runtime
// restores it after fork); signals ginit handles are reset to their default.
//
// It says what happened and logs nothing: viaShell is the program's path
// when it had no #! line and runs under /bin/sh, which the caller reports.
func Start(argv []string) (pid int, viaShell string, err error) {
	path, err := lookPath(argv[0])
	if err != nil {
		return 0, "", execFailure(argv[0], err)
	}
	pid, err = forkExec(path, argv)
	if err == syscall.ENOEXEC {
		// No #! line: glibc's execvp, and so tini, runs the file with
		// /bin/sh as a shell script; a drop-in must too.
		viaShell = path
		pid, err = forkExec("/bin/sh", append([]string{"/bin/sh", path}, argv[1:]...))
	}
	if err != nil {
		return 0, "", execFailure(argv[0], err)
	}
	return pid, viaShell, nil
}

// forkExec starts path in a new process group. Only a controlling terminal
// can give its foreground to the group: a terminal on stdin that is not
// ginit's (after setsid) fails with ENOTTY, a hung-up one with ENXIO, and
// tini goes on without the foreground for both, so ginit retries without.
func forkExec(path string, argv []string) (int, error) {
	fg := isControllingTerminal(0)
	for {
		pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{
			Env:   environ(),
			Files: []uintptr{0, 1, 2},
			Sys:   &syscall.SysProcAttr{Setpgid: true, Foreground: fg, Ctty: 0},
		})
		if fg && (err == syscall.ENOTTY || err == syscall.ENXIO) {
			fg = false
			continue
		}
		return pid, err
	}
}

// execFailure maps an exec error to tini's exit codes: 127 not found,
// 126 found but not runnable, 1 otherwise.
func execFailure(name string, err error) error {
	msg := "cannot run " + strconv.Quote(name) + ": "
	switch err {
	case syscall.ENOENT:
		if !strings.Contains(name, "/") {
			return &execError{msg + "not found in $PATH", 127}
		}
		return &execError{msg + "no such file (or its #! interpreter is missing)", 127}
	case syscall.EACCES:
		return &execError{msg + "permission denied (not executable, a directory, or on a noexec mount)", 126}
	case syscall.ENOEXEC:
		return &execError{msg + "not an executable format", 1}
	}
	return &execError{msg + err.Error(), 1}
}

// lookPath searches PATH as glibc's execvp does: a name with a slash is
// used as given; an empty PATH entry means the name itself, in the current
// directory; a match that cannot be run, or a directory that cannot be
// searched, is skipped but remembered, so "permission denied" wins over
// "not found"; an error execvp does not skip (ELOOP, say) ends the search.
func lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	if name == "" {
		return "", syscall.ENOENT
	}
	pathEnv, ok := os.LookupEnv("PATH")
	if !ok {
		pathEnv = defaultPath
	}
	found := error(syscall.ENOENT)
	for dir := range strings.SplitSeq(pathEnv, ":") {
		p := name
		if dir != "" {
			p = dir + "/" + name
		}
		var st syscall.Stat_t
		err := syscall.Stat(p, &st)
		if err == nil && (st.Mode&syscall.S_IFMT == syscall.S_IFDIR || unix.Access(p, unix.X_OK) != nil) {
			err = syscall.EACCES
		}
		switch err {
		case nil:
			return p, nil
		case syscall.EACCES:
			found = err
		case syscall.ENOENT, syscall.ESTALE, syscall.ENOTDIR, syscall.ENODEV, syscall.ETIMEDOUT:
		default:
			return "", err
		}
	}
	return "", found
}

// isControllingTerminal: tcgetpgrp works only on the caller's controlling
// terminal (ENOTTY otherwise), which is what tcsetpgrp needs.
func isControllingTerminal(fd int) bool {
	_, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	return err == nil
}
