package integration

import (
	"os"
	"strings"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// The oracle: tini 0.19 (Debian's tini-static) is the specification. Each
// case runs under tini-static and under ginit, both as PID 1 of a new PID
// namespace, with a probe child that prints its argv, environment, open
// descriptors, blocked and ignored signals and process group; the test
// compares the reports and the exit codes. Init's own log lines are not
// compared (tini prints INFO to stdout, ginit everything to stderr).

// oracleCase is one command line and environment. In args, $DIR is the
// directory of the probe and the test programs, which is first in PATH
// and the working directory: "oracle-probe" is found by PATH.
type oracleCase struct {
	args    []string
	env     []string // added; "-NAME" removes NAME
	via     string   // a launcher helper that sets things up and execs the init
	tty     string   // stdin a terminal: "ctty" (the controlling one) or "other" (after setsid)
	extraFd bool     // fds 3 and 5 open (4 closed) besides 0-2
	diff    string   // a documented difference (oracleDiffs), "" for none
}

// oracleDiffs are the documented differences: doc/differences.md's "On
// purpose" and "What Go does not let ginit do".
// Each names what may differ; anything else must match.
var oracleDiffs = map[string]string{
	// tini exits 1 (usage); ginit runs the program. Only the exit code and
	// the report may differ.
	"accepts": "tini refuses this command line; ginit accepts it (its own options, -p forms, options tini does not know after the program)",
	// ginit refuses (1) what tini runs: GINIT_* are ginit's own, and strict.
	"ginit-env": "a GINIT_* variable with a bad value: tini ignores it, ginit refuses it",
	// The Go runtime installs its handlers before ginit's first line, so an
	// inherited ignore reaches the child only for HUP INT CONT TSTP TTIN TTOU.
	"ignored": "inherited ignored signals other than HUP INT CONT TSTP TTIN TTOU reach the child at their default",
	// The runtime unblocks the signals it must receive before ginit runs.
	"blocked": "inherited blocked HUP INT QUIT TERM CHLD STKFLT PROF 34 and faults reach the child unblocked",
	// stdin closed: tini's child fails tcsetpgrp (EBADF) and exits 1; the
	// Go runtime reopens closed fds 0-2 on /dev/null, and ginit runs.
	"closed-fd": "stdin closed when the init starts: tini exits 1, ginit runs the program with stdin on /dev/null",
}

func TestOracleAgainstTini(t *testing.T) {
	t.Parallel()
	dir, tini := oracleDir(t)
	cases := oracleCases()
	if len(cases) < 60 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		name := strings.Join(c.env, " ") + " [" + strings.Join(c.args, " ") + "]"
		if c.via != "" || c.tty != "" {
			name += " via=" + c.via + " tty=" + c.tty
		}
		if c.diff != "" && oracleDiffs[c.diff] == "" {
			t.Fatalf("%s: difference %q is not in the table", name, c.diff)
		}
		want := runOracle(t, tini, dir, c)
		got := runOracle(t, itest.Ginit, dir, c)
		if msg := oracleCompare(c, want, got); msg != "" {
			t.Errorf("%s: %s\n--- tini-static exit %d\n%s\n--- ginit exit %d\n%s", name, msg,
				want.code, want.out, got.code, got.out)
		} else if os.Getenv("ORACLE_SHOW") != "" {
			t.Logf("%s: exit %d\n%s", name, got.code, strings.Join(filterLines(got.report, "env "), "\n"))
		} else if c.diff != "" {
			t.Logf("%s: documented difference %q: tini exit %d, ginit exit %d", name, c.diff, want.code, got.code)
		}
	}
}

// oracleCompare says how got differs from want beyond what c.diff allows.
func oracleCompare(c oracleCase, want, got oracleRun) string {
	switch c.diff {
	case "accepts":
		if want.code != 1 || want.report != nil {
			return "documented as refused by tini, but tini ran it"
		}
		return ""
	case "closed-fd":
		if want.code != 1 || want.report != nil || got.report == nil {
			return "documented as failing under tini and running under ginit"
		}
		return ""
	case "ginit-env":
		if got.code != 1 || got.report != nil {
			return "documented as refused by ginit, but ginit ran it"
		}
		return ""
	}
	if want.code != got.code {
		return "exit codes differ"
	}
	if (want.report == nil) != (got.report == nil) {
		return "the program ran under one init only"
	}
	skip := map[string]string{"ignored": "SigIgn:", "blocked": "SigBlk:"}[c.diff]
	w, g := filterLines(want.report, skip), filterLines(got.report, skip)
	if len(w) != len(g) {
		return "reports differ in length"
	}
	for i := range w {
		if w[i] != g[i] {
			return "reports differ: tini " + w[i] + ", ginit " + g[i]
		}
	}
	return ""
}

func filterLines(lines []string, skip string) []string {
	var out []string
	for _, l := range lines {
		if skip == "" || !strings.HasPrefix(l, skip) {
			out = append(out, l)
		}
	}
	return out
}
