package log

import (
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ginit's own stderr is whatever the container runtime gave it: a pipe to
// a log collector that may stall (Docker's default log mode blocks when
// its buffer is full) or die. Two rules follow.
//
// The supervision loop never writes to it: it appends each line to a
// buffer, and one goroutine writes them out, blocking if it must. When the
// buffer holds logBuffer bytes, the loop drops the line and counts it; the
// next line that gets through says how many were dropped
// (log_lines_dropped=N), and so does the report file.
//
// A write to a pipe whose reader has gone raises SIGPIPE in the thread that
// wrote, and ginit forwards every SIGPIPE it catches to the app: its own
// failed write would kill the app. So the writer runs on a thread of its
// own with SIGPIPE blocked: the kernel's SIGPIPE stays pending on that
// thread and never reaches os/signal (a SIGPIPE sent to ginit's process is
// delivered to another thread and forwarded as before). The write is a raw
// system call: os.File would raise a SIGPIPE of its own in the runtime. On
// EPIPE, or any other failure, the writer stops: stderr is broken for good.

// logBuffer bounds the bytes of log waiting for a slow stderr: thousands
// of lines, so that a burst (-w with a thousand zombies) reaches a healthy
// reader whole; only a stderr that nobody reads fills it.
const logBuffer = 1 << 20

// flushMax bounds how long ginit waits at exit for buffered lines to reach
// a stderr that does not drain: the exit code matters more than a log line.
const flushMax = time.Second

// pipeBuf is the most a pipe takes in one atomic write: each write holds
// whole lines and at most this much, so no line is ever split by what the
// app writes to the same pipe.
const pipeBuf = 4096

type lineWriter struct {
	fd      int
	dropped int // the loop's: lines dropped since the last that got through
	lost    int // the loop's: every line dropped, for the report

	mu     sync.Mutex
	pend   []byte        // lines not yet taken by the writer
	wake   chan struct{} // nil until the first line or StartWriter
	busy   bool          // the writer holds lines it has not finished writing
	idle   chan struct{} // closed when pend is empty and the writer idle (flush)
	broken string        // why stderr failed; "" while it works
	unsent int           // lines the writer could not write
}

// start starts the writer's thread if it has not started, and returns
// once the thread exists: ginit makes every thread it will need before
// the child starts (cmd/ginit/threads.go). Called with w.mu held.
func (w *lineWriter) start() {
	if w.wake != nil {
		return
	}
	w.wake = make(chan struct{}, 1)
	started := make(chan struct{})
	go w.run(started)
	<-started
}

// send buffers a line without blocking; false when the buffer is full.
func (w *lineWriter) send(line []byte) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.start()
	if w.broken != "" {
		w.unsent++
		return true // not dropped for a full buffer: stderr is gone
	}
	if len(w.pend)+len(line) > logBuffer {
		return false
	}
	w.pend = append(w.pend, line...)
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return true
}

// run writes buffered lines until stderr breaks; it closes started once
// its thread is its own.
func (w *lineWriter) run(started chan<- struct{}) {
	runtime.LockOSThread() // never unlocked: the blocked signals belong to this thread
	// SIGTTOU too: ginit sits in the background of a terminal it shares
	// with the child (docker run -t), and with `stty tostop` a write there
	// raises SIGTTOU and fails (EIO, or restarts for ever once caught);
	// blocked, the kernel lets the write through, as for an ignoring tini.
	set := uint64(1)<<(syscall.SIGPIPE-1) | uint64(1)<<(syscall.SIGTTOU-1)
	unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_BLOCK, uintptr(unsafe.Pointer(&set)), 0, 8, 0, 0)
	close(started)
	var spare []byte
	for range w.wake {
		w.mu.Lock()
		b := w.pend
		w.pend, w.busy = spare[:0], true
		w.mu.Unlock()
		err := writeLines(w.fd, b)
		w.mu.Lock()
		if err != nil && w.broken == "" {
			w.broken = err.Error()
			w.unsent += countLines(b) // what of b was not written is not known: say all
			w.pend = nil
		}
		w.busy, spare = false, b
		if len(w.pend) == 0 && w.idle != nil {
			close(w.idle)
			w.idle = nil
		}
		w.mu.Unlock()
	}
}

// writeLines writes b in pieces of whole lines, each at most pipeBuf
// bytes unless a single line is longer.
func writeLines(fd int, b []byte) error {
	for len(b) > 0 {
		n := len(b)
		if n > pipeBuf {
			n = pipeBuf
			for n > 0 && b[n-1] != '\n' {
				n--
			}
			if n == 0 {
				n = pipeBuf // one line longer than a pipe's atomic write
			}
		}
		if err := writeAll(fd, b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// writeAll writes b whole, waiting for a non-blocking descriptor to take
// it (a stderr shared with an app that set O_NONBLOCK on it).
func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
			if _, err := unix.Poll(fds, -1); err != nil && err != syscall.EINTR {
				return err
			}
			continue
		case err != nil:
			return err
		}
		b = b[n:]
	}
	return nil
}

func countLines(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

// flush waits until every buffered line is written, stderr is broken, or
// flushMax has passed; it reports whether everything went out.
func (w *lineWriter) flush() bool {
	w.mu.Lock()
	if w.wake == nil || (len(w.pend) == 0 && !w.busy) {
		ok := w.broken == ""
		w.mu.Unlock()
		return ok
	}
	if w.idle == nil {
		w.idle = make(chan struct{})
	}
	idle := w.idle
	w.mu.Unlock()
	// Not time.NewTimer: the size rule (internal/rawfile).
	late := make(chan struct{})
	t := time.AfterFunc(flushMax, func() { close(late) })
	defer t.Stop()
	select {
	case <-idle:
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.broken == ""
	case <-late:
		return false
	}
}

// unwritten describes what of ginit's log never reached stderr, for the
// report file; "" when everything did.
func (w *lineWriter) unwritten(flushedAll bool) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.broken != "":
		return "stderr failed (" + w.broken + "): " + strconv.Itoa(w.unsent+w.lost) + " log line(s) not written"
	case w.lost > 0 || !flushedAll:
		s := "stderr not draining: " + strconv.Itoa(w.lost) + " log line(s) dropped"
		if !flushedAll {
			s += ", and lines still waiting at exit after " + flushMax.String()
		}
		return s
	}
	return ""
}
