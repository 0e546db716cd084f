// Package stopplan decides who gets a stop signal when it arrives: from a
// snapshot of the main child and the processes below it, taken before
// anything is sent. What a process does with a signal is in its
// dispositions (/proc/PID/status: SigIgn, SigBlk, SigCgt), and a wrapper
// shell treats each stop signal differently: it dies of SIGTERM, ignores
// SIGQUIT (bash), catches SIGINT only to wait for its foreground child, and
// does nothing on SIGWINCH. Read after the signal, the dispositions may be
// the handler's own (a trap that first sets SIG_IGN against a repeat), so
// they are read before, and the plan is made once. It is pure: the caller
// reads /proc and sends.
package stopplan

import (
	"syscall"

	"github.com/ginit-dev/ginit/proctab"
)

// Case is what the main child will do with the stop signal.
type Case int

const (
	// Unknown: its dispositions could not be read. It alone gets the
	// signal, and the drain treats it as one that died of it.
	Unknown Case = iota
	// Dies: no handler, and the default action ends it (a wrapper shell
	// and SIGTERM). What it leaves gets the signal from the drain.
	Dies
	// Ignores: SIG_IGN (bash and SIGQUIT), or a signal whose default
	// action is to do nothing (SIGWINCH). The processes below it get the
	// signal from ginit, or nobody would.
	Ignores
	// ShellWaits: a shell catching SIGINT, as every shell does while it
	// waits for a foreground child, which it then waits for. Its children
	// get the signal too, as they would from a terminal's Ctrl-C.
	ShellWaits
	// Handles: a program with a handler of its own (the app itself, or a
	// pool's master). It alone gets the signal; what it leaves behind when
	// it exits gets the signal from the drain, as the app did not stop it.
	Handles
	// Trap: a shell with a trap for the signal. The trap passes the stop
	// on as the script's author meant (`kill -TERM $pid; wait $pid`, each
	// daemon its own graceful signal), so the shell alone gets it, and what
	// it leaves when it exits is not signalled again.
	Trap
	// Init: it blocks the signal to take it with sigwait or a signalfd
	// (tini, dumb-init, catatonit), and forwards it itself. It alone.
	Init
)

// Target is one process and its signal dispositions.
type Target struct {
	Proc  proctab.Proc
	Masks proctab.Masks
	Known bool // Masks were read
}

// Snapshot is what a stop concerns, read before anything is sent.
type Snapshot struct {
	Main Target
	// Below: the main child's children; with Group, every process below
	// the main child (a member that left the group may be anywhere).
	Below []Target
	Group bool // -g: the main child's process group gets the signal
}

// Send is one delivery below the main child.
type Send struct {
	Proc    proctab.Proc
	Sig     syscall.Signal
	Instead bool // Sig is the fallback: the process ignores the stop signal
}

// Plan is who gets what.
type Plan struct {
	Case    Case
	MainSig syscall.Signal // to the main child (its group with -g); 0: nothing
	Sends   []Send         // to processes below it, each once
	// Deaf ignore both the stop signal and the fallback: only a deadline
	// will stop them.
	Deaf []proctab.Proc
}

// Decide plans the delivery of sig. fallback (SIGTERM, what orchestrators
// send) goes instead of sig to a process that would ignore sig: bash
// starts its & jobs with SIGINT and SIGQUIT ignored, and a cron started so
// would never hear -r TERM:QUIT. Only the top of each tree below the main
// child is a target: a pool's workers are their master's to stop.
func Decide(snap Snapshot, sig, fallback syscall.Signal) Plan {
	p := Plan{Case: Classify(snap.Main, sig), MainSig: sig}
	if p.Case != Ignores && p.Case != ShellWaits {
		return p
	}
	for _, i := range Tops(snap) {
		t := snap.Below[i]
		inGroup := snap.Group && t.Proc.Pgrp == groupOf(snap.Main)
		s, deaf := pick(t, sig, fallback)
		switch {
		case deaf:
			p.Deaf = append(p.Deaf, t.Proc)
		case inGroup && !s.Instead:
			// the group signal reaches it
		default:
			p.Sends = append(p.Sends, s)
		}
	}
	if p.Case == Ignores && len(p.Sends) == 0 && len(p.Deaf) == 0 && !hasGroupPeers(snap) {
		// Nobody below: the main child is the app, and it would not act.
		s, deaf := pick(snap.Main, sig, fallback)
		if deaf {
			p.Deaf = append(p.Deaf, snap.Main.Proc)
		} else {
			p.MainSig = s.Sig
		}
	}
	return p
}

// Classify says what t will do with sig, from its dispositions.
func Classify(t Target, sig syscall.Signal) Case {
	switch {
	case !t.Known:
		return Unknown
	case t.Masks.Blocks(sig):
		return Init // blocked is never ignored: it waits for sigwait
	case t.Masks.Ignores(sig):
		return Ignores
	case t.Masks.Catches(sig) && IsShell(t.Proc.Comm) && sig == syscall.SIGINT:
		return ShellWaits
	case t.Masks.Catches(sig) && IsShell(t.Proc.Comm):
		return Trap
	case t.Masks.Catches(sig):
		return Handles
	case DefaultIgnored(sig):
		return Ignores
	}
	return Dies
}

// Deaf reports whether a process with masks m would do nothing on sig.
func Deaf(m proctab.Masks, sig syscall.Signal) bool {
	if m.Blocks(sig) || m.Catches(sig) {
		return false
	}
	return m.Ignores(sig) || DefaultIgnored(sig)
}

// pick chooses sig, or fallback when t would ignore sig; deaf when it
// would ignore both. Unread dispositions get sig: nothing says otherwise.
func pick(t Target, sig, fallback syscall.Signal) (s Send, deaf bool) {
	s = Send{Proc: t.Proc, Sig: sig}
	if !t.Known || !Deaf(t.Masks, sig) {
		return s, false
	}
	if fallback == 0 || fallback == sig || Deaf(t.Masks, fallback) {
		return s, true
	}
	return Send{Proc: t.Proc, Sig: fallback, Instead: true}, false
}

// Tops are the processes below the main child that a stop reaches
// directly, as indices into snap.Below: its children; with -g also each
// process that left the group while its parent stayed in it (php-fpm's
// master calls setsid), which the group signal misses. Their own children
// are theirs to stop. Only the tops' dispositions matter to Decide.
func Tops(snap Snapshot) []int {
	main := snap.Main.Proc.Pid
	var out []int
	if !snap.Group {
		for i, t := range snap.Below {
			if t.Proc.PPid == main {
				out = append(out, i)
			}
		}
		return out
	}
	pg := groupOf(snap.Main)
	inGroup := map[int]bool{main: true}
	for _, t := range snap.Below {
		if t.Proc.Pgrp == pg {
			inGroup[t.Proc.Pid] = true
		}
	}
	for i, t := range snap.Below {
		left := t.Proc.Pgrp != pg && inGroup[t.Proc.PPid]
		if t.Proc.PPid == main || left {
			out = append(out, i)
		}
	}
	return out
}

// hasGroupPeers: with -g, someone below the main child shares its group
// and has the signal from the group.
func hasGroupPeers(snap Snapshot) bool {
	if !snap.Group {
		return false
	}
	for _, t := range snap.Below {
		if t.Proc.Pgrp == groupOf(snap.Main) {
			return true
		}
	}
	return false
}

// groupOf: the main child leads its own group (ginit starts it so), unless
// it moved with setpgid, which the snapshot shows.
func groupOf(t Target) int {
	if t.Proc.Pgrp != 0 {
		return t.Proc.Pgrp
	}
	return t.Proc.Pid
}

// defaultIgnored: signals whose default action is to do nothing.
func DefaultIgnored(sig syscall.Signal) bool {
	switch sig {
	case syscall.SIGCHLD, syscall.SIGURG, syscall.SIGWINCH, syscall.SIGCONT:
		return true
	}
	return false
}

// IsShell reports whether comm names a POSIX shell: the programs whose
// SIGINT handler exists to wait for a foreground child.
func IsShell(comm string) bool {
	switch comm {
	case "sh", "bash", "dash", "ash", "busybox", "zsh", "ksh", "ksh93", "mksh", "yash", "posh", "rbash":
		return true
	}
	return false
}
