// Package integration runs the real ginit binary, built once, as PID 1 of
// a new PID namespace: its behaviour as PID 1 and its compatibility with
// tini. Helper children are this test binary run again (see itest).
// ginit under real third-party software (container engines, packages,
// app servers) is integration/stack's.
package integration

import (
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

func TestMain(m *testing.M) { itest.Main(m, helpers) }

// helpers are this package's own helpers, beside itest's shared ones: the
// one registry of the package.
var helpers = itest.Helpers{
	// dropin_test.go
	"killinit":      killInit,      // send PID 1 every fault signal, by kill and by sigqueue; then record args
	"pdeathexec":    pdeathExec,    // set our parent-death signal to SIGKILL, as unshare --kill-child does, then exec
	"rawenv":        rawEnv,        // exec with GINIT_RAW_ENV's "|"-separated entries added as they are
	"ttyrecord":     ttyRecord,     // print "got SIGNAME" for SIGTTIN, SIGTTOU and SIGWINCH; exit 7 on SIGWINCH
	"nodac":         noDAC,         // drop the capabilities that bypass file permissions, then exec
	"subreaperexec": subreaperExec, // make this process a child subreaper, then exec
	// hostile_helpers_test.go
	"nofile": noFile, // nofile N ARGV...: hard and soft RLIMIT_NOFILE N, then become argv
	"seccomp": func(args []string) int { // seccomp CALLS ERRNO ARGV...: refuse the pidfd calls named, then become argv
		return seccompExec(args[0], args[1], args[2:])
	},
	"termwaiters": func(args []string) int { // termwaiters N MS: leave N children that finish MS after SIGTERM; exit 0 on SIGTERM
		return termWaiters(itest.AtoiOr(args, 0, 10), itest.AtoiOr(args, 1, 1000))
	},
	"leavegroup": leaveGroup, // leavegroup ARGV...: move to another process group, then record as argv says
	"oommaster":  oomMaster,  // oommaster HOGARGV...: see oomMaster
	// operator_test.go, oom_test.go
	"named": func(args []string) int { return named(args[0]) }, // named NAME: call itself NAME (comm), then run as a worker
	"incgroup": func(args []string) int { // incgroup DIR ARGV...: move into cgroup DIR, then become argv
		return inCgroup(args[0], args[1:])
	},
	"hog":     func([]string) int { return hog() }, // hog: use memory until the OOM killer ends it
	"oompool": oomPool,                             // oompool HOGARGV...: see oomPool
	// pgrp_test.go
	"regroup":  func([]string) int { return regroup() },  // start a stranger in a group of its own, then exit
	"stranger": func([]string) int { return stranger() }, // after the drain's SIGTERM, lead a group with the main child's old number
}
