package signals

import (
	"errors"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// notCaught are left to their default disposition. SIGKILL and SIGSTOP
// cannot be caught. The synchronous faults belong to the Go runtime (a real
// fault in ginit must crash it, not be forwarded), and tini leaves the same
// set alone. 32, 33 and 34 (SIGRTMIN) are reserved by the C libraries and
// the Go runtime, which lets no Go program catch them. SIGPROF never reaches os/signal: the Go runtime's
// handler consumes it for its profiler, so ginit cannot forward it.
var notCaught = map[syscall.Signal]bool{
	unix.SIGKILL: true, unix.SIGSTOP: true, unix.SIGPROF: true,
	unix.SIGFPE: true, unix.SIGILL: true, unix.SIGSEGV: true, unix.SIGBUS: true,
	unix.SIGABRT: true, unix.SIGTRAP: true, unix.SIGSYS: true,
	32: true, 33: true, 34: true,
}

// Caught lists every signal ginit installs a handler for, less those in
// skip (signals ginit inherited as ignored: leaving them ignored lets the
// child inherit the ignore, as it would under tini).
func Caught(skip func(syscall.Signal) bool) []syscall.Signal {
	var out []syscall.Signal
	for s := syscall.Signal(1); s <= MaxSignal; s++ {
		if !notCaught[s] && !skip(s) {
			out = append(out, s)
		}
	}
	return out
}

// Forwarded reports whether a caught signal is passed on to the child.
// SIGCHLD is ginit's own business; SIGTTIN and SIGTTOU are caught only so a
// background ginit is never stopped by its terminal, and tini does not
// forward them either.
func Forwarded(sig syscall.Signal) bool {
	switch sig {
	case unix.SIGCHLD, unix.SIGTTIN, unix.SIGTTOU:
		return false
	}
	return !notCaught[sig] && sig >= 1 && sig <= MaxSignal
}

// IsStop reports whether sig, after rewriting, begins a graceful stop.
func IsStop(sig syscall.Signal) bool {
	return sig == unix.SIGTERM || sig == unix.SIGINT || sig == unix.SIGQUIT
}

// Rewrites maps a received signal to the one delivered; a zero target drops it.
type Rewrites map[syscall.Signal]syscall.Signal

// Apply returns the signal to deliver for sig, and false when it is dropped.
func (r Rewrites) Apply(sig syscall.Signal) (syscall.Signal, bool) {
	to, ok := r[sig]
	if !ok {
		return sig, true
	}
	return to, to != 0
}

// RewriteUsage is dumb-init's wording for a bad -r value, widened to names.
const RewriteUsage = "-r option takes <signum>:<signum>, where <signum> is a number between 1 and 64 " +
	"or a name such as TERM (a target of 0 drops the signal)"

// ParseRewrite parses dumb-init's FROM:TO, with names or numbers.
func ParseRewrite(spec string) (from, to syscall.Signal, err error) {
	a, b, ok := strings.Cut(spec, ":")
	if ok {
		from, err = Parse(a, false)
	}
	if ok && err == nil {
		to, err = Parse(b, true)
	}
	if !ok || err != nil {
		return 0, 0, errors.New(RewriteUsage + "; got " + strconv.Quote(spec))
	}
	if !Forwarded(from) {
		return 0, 0, errors.New("-r " + spec + ": " + Name(from) + " is not a signal ginit forwards, so it cannot be rewritten")
	}
	return from, to, nil
}
