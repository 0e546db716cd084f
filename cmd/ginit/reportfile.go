package main

import (
	"errors"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// writeReportFile writes text to path, opened so that it cannot hang PID 1
// at exit or turn it against the system: ginit often runs as root while
// the app runs as another user, who may own a directory on the path.
//
//   - Every component of the path is walked by ginit itself, one openat
//     with O_NOFOLLOW at a time, each from the directory before held by a
//     descriptor, so nothing can be swapped between a check and its use. A
//     symlink met anywhere on the way is followed only when only root or
//     ginit's user could have made it and could replace it (trustedLink),
//     as /dev/stderr; a link the kernel makes in /proc (/proc/self/fd/2)
//     cannot be planted and is followed by the kernel, one step.
//   - A regular file with more than one hard link, or owned by another
//     user, is neither truncated nor written.
//   - O_NONBLOCK: a FIFO with no reader fails with ENXIO instead of
//     waiting for one.
//
// openat2's RESOLVE_NO_SYMLINKS is not used: it refuses every symlink,
// /dev/stderr among them, and the walk already refuses the ones that
// matter, on every kernel. The file is written at most once, at exit: the
// walk costs a few system calls a component.
func writeReportFile(path, text string) error {
	fd, err := openReport(path)
	if err != nil {
		return err
	}
	n, err := syscall.Write(fd, []byte(text))
	if err == nil && n < len(text) {
		err = syscall.EIO // a short write to a file: the disk is full
	}
	if cerr := syscall.Close(fd); err == nil {
		err = cerr
	}
	return err
}

// maxLinks is the kernel's own limit of symlinks in one path (MAXSYMLINKS).
const maxLinks = 40

// reportFlags open the report file itself; O_CREAT is added only with
// O_EXCL, which never opens what is already there, and O_TRUNC never
// (trustedFile decides, then ftruncate).
const reportFlags = unix.O_WRONLY | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_NOFOLLOW

// errLink: the name is a symlink (the caller then looks at it).
var errLink = errors.New("a symlink")

// walk is where the walk of the report file's path has reached: a
// directory held by an O_PATH descriptor, and its path as walked, for
// messages.
type walk struct {
	dir int
	at  string
}

func (w *walk) move(fd int, at string) {
	if w.dir >= 0 {
		unix.Close(w.dir)
	}
	w.dir, w.at = fd, at
}

// openReport opens path for writing, as writeReportFile says.
func openReport(path string) (int, error) {
	w := walk{dir: -1}
	defer w.move(-1, "")
	if err := w.root(path); err != nil {
		return -1, err
	}
	names := strings.Split(path, "/")
	for links := 0; ; {
		for len(names) > 0 && (names[0] == "" || names[0] == ".") {
			names = names[1:]
		}
		if len(names) == 0 { // "/", ".", a link to a directory
			return -1, errors.New(join(w.at, ".") + ": a directory")
		}
		name, last := names[0], len(names) == 1
		names = names[1:]
		here := join(w.at, name)
		fd, err := w.next(name, last)
		if err == errLink {
			if links++; links > maxLinks {
				return -1, errors.New(here + ": " + syscall.ELOOP.Error())
			}
			var target string
			if target, err = w.link(name); err == nil && target == "" {
				fd, err = w.byKernel(name, last)
			} else if err == nil { // the link's text stands for it in the path
				if strings.HasPrefix(target, "/") {
					if err := w.root(target); err != nil {
						return -1, err
					}
				}
				names = append(strings.Split(target, "/"), names...)
				continue
			}
		}
		switch {
		case err == syscall.ENXIO && last:
			return -1, errors.New("a FIFO with no reader (ENXIO); not waiting for one")
		case err != nil:
			return -1, errors.New(here + ": " + err.Error())
		case last:
			return fd, checkFile(fd, here)
		}
		w.move(fd, here)
	}
}

// root starts the walk at / for an absolute path, else at the working
// directory.
func (w *walk) root(path string) error {
	start, at := ".", "."
	if strings.HasPrefix(path, "/") {
		start, at = "/", ""
	}
	fd, err := openat(unix.AT_FDCWD, start, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return errors.New(start + ": " + err.Error())
	}
	w.move(fd, at)
	return nil
}

// next opens name in the directory reached: a directory to walk on, or,
// last, the report file, created if absent. errLink when it is a symlink.
func (w *walk) next(name string, last bool) (int, error) {
	if !last {
		fd, err := openat(w.dir, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, err
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			unix.Close(fd)
			return -1, err
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			return fd, nil
		case unix.S_IFLNK:
			err = errLink
		default:
			err = syscall.ENOTDIR
		}
		unix.Close(fd)
		return -1, err
	}
	for try := 0; ; try++ {
		// Without O_CREAT first: O_CREAT on a symlink in a sticky directory
		// fails with EACCES before O_NOFOLLOW can say ELOOP.
		fd, err := openat(w.dir, name, reportFlags, 0)
		switch {
		case err == syscall.ELOOP:
			return -1, errLink
		case err != syscall.ENOENT:
			return fd, err
		}
		fd, err = openat(w.dir, name, reportFlags|unix.O_CREAT|unix.O_EXCL, 0o644)
		if err != syscall.EEXIST || try == 3 {
			return fd, err
		}
		// made meanwhile: look at what it is
	}
}

// link reads the symlink name in the directory reached, if it may be
// followed; "" for a link the kernel makes in /proc, for the kernel to
// follow (its text may be no path: "pipe:[123]").
func (w *walk) link(name string) (string, error) {
	fd, err := openat(w.dir, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	var link, dir unix.Stat_t
	var fs unix.Statfs_t
	switch {
	case unix.Fstat(fd, &link) != nil || link.Mode&unix.S_IFMT != unix.S_IFLNK:
		return "", errors.New("a symlink, replaced while ginit looked at it")
	case unix.Fstatfs(fd, &fs) == nil && fs.Type == unix.PROC_SUPER_MAGIC:
		return "", nil
	case unix.Fstat(w.dir, &dir) != nil:
		return "", errors.New("a symlink in a directory ginit cannot stat")
	}
	if why := trustedLink(link.Uid, dir.Uid, dir.Mode, ours); why != "" {
		return "", errors.New("a symlink, not followed: " + why)
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(fd, "", buf)
	if err != nil || n == 0 {
		return "", errors.New("a symlink ginit cannot read")
	}
	return string(buf[:n]), nil
}

// byKernel opens the /proc link name, which the kernel follows, this one
// link: a directory to walk on, or, last, the report file.
func (w *walk) byKernel(name string, last bool) (int, error) {
	if last {
		return openat(w.dir, name, reportFlags&^unix.O_NOFOLLOW, 0)
	}
	return openat(w.dir, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
}

// checkFile truncates the report file fd, opened at here, if it is a
// regular file only ginit's side can have put there; closes it and says
// why not otherwise. FIFOs, terminals, sockets are written as they are.
func checkFile(fd int, here string) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return errors.New(here + ": " + err.Error())
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil
	}
	why := trustedFile(uint64(st.Nlink), st.Uid, ours)
	if why == "" {
		if err := unix.Ftruncate(fd, 0); err != nil {
			why = "cannot truncate it: " + err.Error()
		}
	}
	if why != "" {
		unix.Close(fd)
		return errors.New(here + ": " + why)
	}
	return nil
}

func openat(dir int, name string, flags int, mode uint32) (int, error) {
	for {
		fd, err := unix.Openat(dir, name, flags, mode)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// join names a step of the walk for messages: at is "" at the root.
func join(at, name string) string {
	switch {
	case name == "." && at == "":
		return "/"
	case name == ".":
		return at
	case at == "":
		return "/" + name
	case at == ".":
		return name
	}
	return at + "/" + name
}
