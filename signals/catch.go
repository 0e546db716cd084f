package signals

import (
	"os"
	"os/signal"
	"strings"
	"syscall"
	"unsafe"
)

// The dispositions ginit installs: what it catches, in which order, and
// what it leaves ignored.

// CatchStop installs ginit's handlers for the stop signals, in a call of
// their own: each signal's first Notify is a round trip to the runtime's
// signal-mask thread, and these four must not wait behind fifty others.
// SIGHUP and SIGINT inherited as ignored stay ignored (see CatchRest).
// main calls it first of all, as the initializer of a package-level
// variable, so it runs before main's init and the command line.
func CatchStop() *Catch {
	c := &Catch{C: make(chan os.Signal, 2*MaxSignal), ignored: inheritedIgnored()}
	var list []os.Signal
	for _, s := range Early {
		if c.ignored&(1<<(s-1)) == 0 {
			list = append(list, s)
		}
	}
	signal.Notify(c.C, list...)
	return c
}

// Catch is what CatchStop set up: the channel every caught signal
// arrives on, and what it found inherited as SIG_IGN, for Rest.
type Catch struct {
	C       chan os.Signal
	ignored uint64
}

// Rest installs ginit's handlers for the rest, on the channel CatchStop
// made. A signal ginit inherited as ignored is left ignored so
// the child inherits the ignore, as under tini. The channel is large:
// signal.Notify drops what does not fit, and standard signals coalesce
// anyway, so one slot per signal number is enough. asyncPreemptOff says
// the build switched the runtime's preemption off (main.asyncPreemptOff):
// only then is SIGURG caught.
func (c *Catch) Rest(asyncPreemptOff bool) {
	ignoreFaults()
	urgOK := urgIsOurs(asyncPreemptOff)
	caught := Caught(func(s syscall.Signal) bool {
		return c.ignored&(1<<(s-1)) != 0 || (s == syscall.SIGURG && !urgOK) || IsEarly(s)
	})
	list := make([]os.Signal, len(caught))
	for i, s := range caught {
		list[i] = s
	}
	signal.Notify(c.C, list...)
}

// ignoreFaults sets the fault signals to SIG_IGN in the kernel, behind the
// Go runtime's back, so that no process can crash PID 1 by sending one
// (see Faults). The child still starts with them at their default:
// after fork the runtime resets every signal it had a handler for.
func ignoreFaults() {
	for _, s := range Faults {
		// The kernel's struct sigaction, handler first (as in
		// inheritedIgnored); the rest zero: no flags, empty mask.
		sa := [8]uintptr{1 /* SIG_IGN */}
		syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(s), uintptr(unsafe.Pointer(&sa)), 0, 8, 0, 0)
	}
}

// urgIsOurs reports whether every SIGURG ginit sees came from outside: the
// build switched async preemption off and GODEBUG does not switch it back on.
func urgIsOurs(asyncPreemptOff bool) bool {
	if !asyncPreemptOff {
		return false
	}
	off := true
	for kv := range strings.SplitSeq(os.Getenv("GODEBUG"), ",") {
		if v, ok := strings.CutPrefix(kv, "asyncpreemptoff="); ok {
			off = v == "1" // the last setting wins, as in the runtime
		}
	}
	return off
}

// inheritedIgnored returns the inherited signals whose disposition is
// still SIG_IGN. By now the Go runtime has put its own handler on every
// other signal, ignored or not; it leaves SIGHUP and SIGINT alone when
// ignored, and SIGCONT, SIGTSTP, SIGTTIN and SIGTTOU until asked for them,
// so those six are all ginit can keep ignored. rt_sigaction needs no /proc
// (the size rule, internal/rawfile).
func inheritedIgnored() uint64 {
	var mask uint64
	for _, s := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT,
		syscall.SIGCONT, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU} {
		// The kernel's struct sigaction starts with the handler on every
		// architecture ginit is released for (not on MIPS).
		var sa [8]uintptr
		_, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(s), 0, uintptr(unsafe.Pointer(&sa)), 8, 0, 0)
		if e == 0 && sa[0] == 1 /* SIG_IGN */ {
			mask |= 1 << (s - 1)
		}
	}
	return mask
}
