// Package rawfile reads small kernel files (/proc, cgroup counters) and
// lists directories with bare system calls.
//
// It also holds ginit's size rule, which every package of ginit follows
// and refers to here. ginit is PID 1 in every container, so its size and
// start-up count, and some of the standard library costs far more than it
// looks:
//
//   - os.File starts the runtime's network poller for files that are never
//     pollable, and on a broken pipe raises a SIGPIPE of its own; so files
//     are read and written with syscall.Open, Read and Write.
//   - Time.Format, even Time.Date, and os.ReadFile's Stat link in the time
//     zone loader and the layout engine (about 40 KB); so does a chan
//     time.Time (time.NewTimer), whose Time.String the runtime keeps through
//     an interface. Timers are time.AfterFunc; times are written by the log
//     package's Stamp.
//   - fmt and reflect (runtime/debug.ReadBuildInfo pulls in both) cost about
//     196 KB; text is built with strconv and strings.
//
// Measure a change with `make build` and the binary's size in bytes.
package rawfile

import (
	"slices"
	"syscall"
)

// Read returns the whole of a kernel file, whose size stat cannot tell.
func Read(path string) ([]byte, error) {
	fd, err := open(path, syscall.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	b := make([]byte, 0, 2048)
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, len(b))
		}
		n, err := syscall.Read(fd, b[len(b):cap(b)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}

// ReadInto reads a kernel file into buf with one read when it fits: a
// /proc file made in one piece (a stat line) comes whole in one read
// when the buffer is larger, so a short read is the end. A file that
// fills buf is read again with Read. The result may alias buf.
func ReadInto(path string, buf []byte) ([]byte, error) {
	fd, err := open(path, syscall.O_RDONLY)
	if err != nil {
		return nil, err
	}
	n, err := syscall.Read(fd, buf)
	for err == syscall.EINTR {
		n, err = syscall.Read(fd, buf)
	}
	syscall.Close(fd)
	switch {
	case err != nil:
		return nil, err
	case n < len(buf):
		return buf[:n], nil
	}
	return Read(path)
}

// DirNames lists a directory, without "." and "..".
func DirNames(path string) ([]string, error) {
	fd, err := open(path, syscall.O_RDONLY|syscall.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	var names []string
	buf := make([]byte, 16384)
	for {
		n, err := syscall.ReadDirent(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = syscall.ParseDirent(buf[:n], -1, names)
	}
}

func open(path string, flags int) (int, error) {
	for {
		fd, err := syscall.Open(path, flags|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// Reread is a kernel file kept open and read again from its start: one
// pread where Read makes four system calls, for the files a drain reads
// on every exit (/proc/loadavg, the OOM counter). The zero value opens
// path on first use.
type Reread struct {
	Path string
	fd   int // fd+1: 0 until opened
	buf  []byte
}

// Read returns the file's whole content, read afresh; the slice is reused
// by the next Read.
func (r *Reread) Read() ([]byte, error) {
	if r.fd == 0 {
		fd, err := open(r.Path, syscall.O_RDONLY)
		if err != nil {
			return nil, err
		}
		r.fd, r.buf = fd+1, make([]byte, 512)
	}
	for {
		n, err := syscall.Pread(r.fd-1, r.buf, 0)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return nil, err
		case n == len(r.buf):
			r.buf = make([]byte, 2*len(r.buf)) // it may hold more: read it whole
			continue
		}
		return r.buf[:n], nil
	}
}
