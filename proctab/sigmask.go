package proctab

import (
	"strconv"
	"strings"
	"syscall"

	"github.com/ginit-dev/ginit/internal/rawfile"
)

// Masks are the signal sets /proc/PID/status shows for a process: those it
// ignores (SIG_IGN), blocks, and catches with a handler.
type Masks struct {
	Ign, Blk, Cgt uint64
}

// has reports whether set holds sig (bit sig-1, as the kernel prints it).
func has(set uint64, sig syscall.Signal) bool {
	return sig >= 1 && sig <= 64 && set&(1<<(uint(sig)-1)) != 0
}

// Ignores: sig is discarded on arrival. bash ignores SIGQUIT in every mode,
// so -r TERM:QUIT aimed at a wrapper script would do nothing at all.
func (m Masks) Ignores(sig syscall.Signal) bool { return has(m.Ign, sig) }

// Blocks: sig stays pending until the process unblocks it, or takes it
// with sigwait or a signalfd, as tini, dumb-init and catatonit do with
// every signal: a blocked signal is not a lost one.
func (m Masks) Blocks(sig syscall.Signal) bool { return has(m.Blk, sig) }

// ParseMasks reads the SigIgn, SigBlk and SigCgt lines of a status file.
// ok is false when one is missing or malformed (a process that has exited
// shows them empty of meaning, but present: it is the caller's to know).
func ParseMasks(b []byte) (m Masks, ok bool) {
	found := 0
	for line := range strings.SplitSeq(string(b), "\n") {
		name, val, cut := strings.Cut(line, ":")
		var dst *uint64
		switch {
		case !cut:
			continue
		case name == "SigIgn":
			dst = &m.Ign
		case name == "SigBlk":
			dst = &m.Blk
		case name == "SigCgt":
			dst = &m.Cgt
		default:
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(val), 16, 64)
		if err != nil {
			return Masks{}, false
		}
		*dst = n
		found++
	}
	return m, found == 3
}

// SigMasks reads p's signal sets. A process that is gone, or a zombie
// (whose sets the kernel no longer has), gives ok false.
func (v *View) SigMasks(p Proc) (m Masks, ok bool) {
	b, err := rawfile.Read("/proc/" + strconv.Itoa(p.view) + "/status")
	if err != nil {
		return Masks{}, false
	}
	if q, ok := v.Refresh(p); !ok || q.State == 'Z' {
		return Masks{}, false // the pid is another's now, or the process has exited
	}
	return ParseMasks(b)
}

// Catches: sig runs a handler of the process's own.
func (m Masks) Catches(sig syscall.Signal) bool { return has(m.Cgt, sig) }
