package main

import (
	"os"
	"strings"
	"syscall"
)

// environ is the environment exactly as ginit received it, for the child.
// os.Environ drops the later entries of a name given twice (Go's syscall
// keeps the first, as getenv does); tini passes environ on untouched,
// duplicates included. The kernel keeps the original block, which nothing
// in ginit writes to, at /proc/self/environ; without /proc, os.Environ.
// Raw system calls rather than os.ReadFile: see the README, Performance.
func environ() []string {
	fd, err := syscall.Open("/proc/self/environ", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return os.Environ()
	}
	defer syscall.Close(fd)
	var b []byte
	buf := make([]byte, 16<<10)
	for {
		n, err := syscall.Read(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.Environ()
		}
		if n == 0 {
			break
		}
		b = append(b, buf[:n]...)
	}
	if len(b) == 0 {
		return nil
	}
	// Each entry ends with a NUL; an empty entry is kept, as execve passed it.
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}
