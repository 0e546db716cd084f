// Package signals is ginit's side of signals: which it catches and forwards,
// the dispositions it installs at start (catch.go), how to name and parse
// them, how rewrite rules map one to another, and how to deliver them to a
// process, a process group or a set of processes.
package signals

import (
	"errors"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// MaxSignal is the highest signal number on Linux (SIGRTMAX).
const MaxSignal = 64

// Name returns "SIGTERM" for syscall.SIGTERM, "SIGRTMIN+3" for 37, and
// "signal 99" for a number Linux does not have.
func Name(sig syscall.Signal) string {
	if n := unix.SignalName(sig); n != "" {
		return n
	}
	if sig >= 34 && sig <= MaxSignal {
		return "SIGRTMIN+" + strconv.Itoa(int(sig)-34)
	}
	return "signal " + strconv.Itoa(int(sig))
}

// Parse accepts "SIGTERM", "TERM", "term", "15", and "RTMIN+3". Zero is
// accepted only when allowZero is set (a rewrite target meaning "drop").
func Parse(s string, allowZero bool) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if (n == 0 && allowZero) || (n >= 1 && n <= MaxSignal) {
			return syscall.Signal(n), nil
		}
		return 0, badSignal(s)
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if rest, ok := strings.CutPrefix(name, "SIGRTMIN+"); ok {
		if n, err := strconv.Atoi(rest); err == nil && n >= 0 && 34+n <= MaxSignal {
			return syscall.Signal(34 + n), nil
		}
		return 0, badSignal(s)
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, badSignal(s)
}

func badSignal(s string) error {
	return errors.New(strconv.Quote(s) + " is not a valid signal")
}
