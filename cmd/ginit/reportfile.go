package main

import (
	"errors"
	"strconv"
	"strings"
	"syscall"
)

// writeReportFile opens path without blocking (a FIFO with no reader fails
// with ENXIO instead of hanging PID 1 at exit) and without following a
// symlink that someone else could have planted: ginit often runs as root
// while the app runs as another user, and a symlink in a directory the app
// can write would make root overwrite any file the link names.
func writeReportFile(path, text string) error {
	const flags = syscall.O_WRONLY | syscall.O_CREAT | syscall.O_TRUNC | syscall.O_CLOEXEC | syscall.O_NONBLOCK | syscall.O_NOCTTY
	fd, err := syscall.Open(path, flags|syscall.O_NOFOLLOW, 0o644)
	if err == syscall.ELOOP {
		if why := untrustedLink(path); why != "" {
			return errors.New("a symlink, not followed: " + why)
		}
		fd, err = syscall.Open(path, flags, 0o644)
	}
	if err == syscall.ENXIO {
		return errors.New("a FIFO with no reader (ENXIO); not waiting for one")
	}
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

// untrustedLink says why the symlink at path may not be followed, or ""
// when only root or ginit's own user could have made it and could replace
// it: the link and its directory belong to one of them, and the directory
// is writable by nobody else, or sticky (/dev/stderr, a link the image's
// author made).
func untrustedLink(path string) string {
	var link, dir syscall.Stat_t
	if err := syscall.Lstat(path, &link); err != nil {
		return err.Error()
	}
	d := path[:strings.LastIndexByte(path, '/')+1]
	if d == "" {
		d = "."
	}
	if err := syscall.Stat(d, &dir); err != nil {
		return err.Error()
	}
	me := uint32(syscall.Geteuid())
	trusted := func(uid uint32) bool { return uid == 0 || uid == me }
	switch {
	case !trusted(link.Uid):
		return "owned by uid " + strconv.Itoa(int(link.Uid)) + ", not by root or ginit's user"
	case !trusted(dir.Uid) || (dir.Mode&0o022 != 0 && dir.Mode&syscall.S_ISVTX == 0):
		return "in a directory that another user can write"
	}
	return ""
}
