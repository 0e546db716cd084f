package signals

import (
	"errors"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// notCaught are left out of os/signal. SIGKILL and SIGSTOP cannot be
// caught. 32, 33 and 34 (SIGRTMIN) are reserved by the C libraries and the
// Go runtime, which lets no Go program catch them. SIGPROF never reaches
// os/signal: the Go runtime's handler consumes it for its profiler, so
// ginit cannot forward it. The faults are ignored instead (see Faults).
var notCaught = map[syscall.Signal]bool{
	unix.SIGKILL: true, unix.SIGSTOP: true, unix.SIGPROF: true,
	32: true, 33: true, 34: true,
}

// Faults are the synchronous fault signals. tini leaves them at their
// default, so one that a process sends to it as PID 1 is dropped by the
// kernel, and tini never forwards them. Go's default is a crash, and with
// os/signal the runtime still crashes on one sent with sigqueue (it trusts
// only SI_USER and SI_TKILL as "sent"), so ginit ignores them in the
// kernel: every sent one is dropped, and a real fault in ginit still kills
// it, as the kernel forces a synchronous fault through SIG_IGN.
var Faults = []syscall.Signal{
	unix.SIGILL, unix.SIGTRAP, unix.SIGABRT, unix.SIGBUS, unix.SIGFPE, unix.SIGSEGV, unix.SIGSYS,
}

func isFault(sig syscall.Signal) bool {
	for _, f := range Faults {
		if f == sig {
			return true
		}
	}
	return false
}

// Caught lists every signal ginit installs a handler for, less those in
// skip (signals ginit inherited as ignored: leaving them ignored lets the
// child inherit the ignore, as it would under tini).
func Caught(skip func(syscall.Signal) bool) []syscall.Signal {
	var out []syscall.Signal
	for s := syscall.Signal(1); s <= MaxSignal; s++ {
		if !notCaught[s] && !isFault(s) && !skip(s) {
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
	return !notCaught[sig] && !isFault(sig) && sig >= 1 && sig <= MaxSignal
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

// rewriteUsage is dumb-init's wording for a bad -r value, widened to names.
const rewriteUsage = "-r option takes <signum>:<signum>, where <signum> is a number between 1 and 64 " +
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
		return 0, 0, errors.New(rewriteUsage + "; got " + strconv.Quote(spec))
	}
	if !Forwarded(from) {
		return 0, 0, errors.New("-r " + spec + ": " + Name(from) + " is not a signal ginit forwards, so it cannot be rewritten")
	}
	return from, to, nil
}

// Early are the signals ginit catches first, on their own, before anything
// else: the three that stop the app, and SIGHUP, the fourth that the Go
// runtime turns into an exit when no handler is registered yet.
var Early = []syscall.Signal{unix.SIGTERM, unix.SIGINT, unix.SIGQUIT, unix.SIGHUP}

// IsEarly reports whether sig is one of Early.
func IsEarly(sig syscall.Signal) bool {
	for _, e := range Early {
		if e == sig {
			return true
		}
	}
	return false
}
