package stack

// PostgreSQL behind `bash startup.sh` without exec, one transaction open
// (it commits after signalWork) when the orchestrator stops the container.
// PostgreSQL's SIGTERM is a smart shutdown (no new sessions; wait for every
// session to end), SIGINT a fast one (abort every transaction, shut down
// cleanly), SIGQUIT an immediate one (a crash, recovered at the next
// start). bash catches SIGINT while it waits for its foreground child,
// whether or not the script has a trap.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

var (
	pgOnce     sync.Once
	pgBin      string // the directory of postgres, initdb and psql; "" if not installed
	pgTemplate string // a data directory made once by initdb, with the table work
	pgErr      error
)

// postgresTemplate finds PostgreSQL and makes the template data directory
// (initdb takes seconds; each case's startup.sh copies it).
func postgresTemplate() {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(bins) == 0 {
		return
	}
	sort.Strings(bins)
	pgBin = filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "ginit-pg-")
	if err != nil {
		pgErr = err
		return
	}
	os.Chmod(dir, 0o755)
	itest.AtExit(func() { os.RemoveAll(dir) })
	pgTemplate = filepath.Join(dir, "data")
	steps := [][]string{
		{"install", "-d", "-o", "postgres", "-g", "postgres", "-m", "700", pgTemplate},
		// The C locale: an image made of this machine's files may lack the
		// locale of its environment.
		asPostgres(pgBin+"/initdb", "-D", pgTemplate, "-A", "trust", "-U", "postgres", "--no-sync", "--locale=C", "-E", "UTF8"),
	}
	for _, argv := range steps {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			pgErr = fmt.Errorf("%q: %v\n%s", argv, err, out)
			return
		}
	}
	if out, err := pgSingle(pgTemplate, "CREATE TABLE work (id int);"); err != nil {
		pgErr = fmt.Errorf("creating the table: %v\n%s", err, out)
	}
}

// asPostgres is argv run as user postgres (PostgreSQL refuses root).
func asPostgres(argv ...string) []string {
	return append([]string{"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"}, argv...)
}

// pgSingle starts PostgreSQL on data in single-user mode, runs sql and
// returns what it said: a start, a restart after a stop, or a recovery.
func pgSingle(data, sql string) (string, error) {
	argv := asPostgres(pgBin+"/postgres", "--single", "-D", data, "postgres")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = strings.NewReader(sql + "\n")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// pgRestart starts PostgreSQL again on a case's data directory once every
// process of the case is gone, as the next container would, and returns
// what it said and how many rows the work committed. The lock file of the
// namespace's postmaster names a pid of that namespace, which may be
// another process's here: it goes first.
func pgRestart(dir string) (string, int, error) {
	data := filepath.Join(dir, "data")
	os.Remove(filepath.Join(data, "postmaster.pid"))
	out, err := pgSingle(data, "SELECT count(*) FROM work;")
	if err != nil {
		return out, 0, err
	}
	_, rest, ok := strings.Cut(out, `count = "`)
	count, _, closed := strings.Cut(rest, `"`)
	if !ok || !closed {
		return out, 0, fmt.Errorf("no count in its output")
	}
	n, err := strconv.Atoi(count)
	return out, n, err
}

// pgRecovery is what PostgreSQL says at a start after a stop that was not
// clean.
const pgRecovery = "was not properly shut down"

// psql runs psql against the case's server.
func psql(port int, args ...string) *exec.Cmd {
	return exec.Command(pgBin+"/psql", append([]string{"-X", "-q", "-v", "ON_ERROR_STOP=1",
		"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "postgres", "-d", "postgres"}, args...)...)
}

// pgReady: the server accepts sessions.
func pgReady(port int) bool { return psql(port, "-c", "SELECT 1").Run() == nil }

// pgWork is the unit of work: a transaction that marks its start, works
// for signalWork and commits. "committed" if it did.
func pgWork(w work) (string, error) {
	out, err := psql(w.port, "-c", "BEGIN", "-c", "INSERT INTO work VALUES (1)",
		"-c", `\! touch `+filepath.Join(w.dir, "started"),
		"-c", fmt.Sprintf("SELECT pg_sleep(%d)", int(signalWork.Seconds())), "-c", "COMMIT").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return "committed", nil
}

// marksOf is a run's marks directory, from its environment.
func marksOf(r *itest.Run) string {
	for _, e := range r.Cmd.Env {
		if v, ok := strings.CutPrefix(e, "STACK_MARKS="); ok {
			return v
		}
	}
	return ""
}

// needPostgres is "" or why the PostgreSQL cases cannot run.
func needPostgres() string {
	if why := missing("setpriv", "util-linux", "bash", "bash"); why != "" {
		return why
	}
	pgOnce.Do(postgresTemplate)
	if pgBin == "" {
		return "SKIP: no /usr/lib/postgresql/*/bin/postgres (Debian's postgresql; `make deps` installs it)"
	}
	return ""
}

// launchPostgres (TestHeavyStackSignals): under ginit's default flags
// (SIGTERM, a smart shutdown, reaches postgres from the drain) the
// transaction commits; with -r TERM:INT postgres gets SIGINT once, aborts
// the transaction as a fast shutdown does, and ginit exits at once; either
// way the next start needs no recovery. Under tini postgres is killed with
// its transaction open, and the next start recovers.
func launchPostgres(t *testing.T) func(*testing.T) {
	if why := needPostgres(); why != "" {
		return skipped(why)
	}
	if pgErr != nil {
		return func(t *testing.T) { t.Fatalf("the template data directory: %v", pgErr) }
	}
	bash := []string{"bash", filepath.Join(testdata("postgres"), "startup.sh")}
	cases := []stackCase{
		{name: "ginit", args: append([]string{"--"}, bash...), want: completed, code: 143},
		// A fast shutdown aborts the transaction: by design, not a loss.
		{name: "ginit -r TERM:INT", args: append([]string{"-r", "TERM:INT", "--"}, bash...), code: 0},
		{name: "tini-static", init: "tini-static", args: append([]string{"--"}, bash...), want: lost, code: -1},
	}
	for i := range cases {
		cases[i].name = "postgres, " + cases[i].name
		cases[i].env = []string{"PG_BIN=" + pgBin, "PG_TEMPLATE=" + pgTemplate}
	}
	app := stackApp{ready: pgReady, request: pgWork, reply: "committed", exits: true}
	return launchStack(t, app, cases, func(t *testing.T, c stackCase, s served, r *itest.Run) {
		out, rows, err := pgRestart(marksOf(r))
		if err != nil {
			t.Fatalf("the restart: %v\n%s", err, out)
		}
		recovered := strings.Contains(out, pgRecovery)
		t.Logf("the restart: %d rows committed, recovery: %v", rows, recovered)
		if c.init != "" {
			if !recovered {
				t.Errorf("the restart after %s needed no recovery: the case proves nothing", c.init)
			}
			return
		}
		if recovered {
			t.Errorf("the restart needed recovery: %q\n%s", pgRecovery, out)
		}
		fast, smart := "received fast shutdown request", "received smart shutdown request"
		if strings.Contains(c.name, "TERM:INT") {
			gotOnce(t, r.Stderr(), "postgres", []string{fast}, smart, "received immediate shutdown request")
		} else {
			gotOnce(t, r.Stderr(), "postgres", []string{smart}, fast, "received immediate shutdown request")
			if rows != 1 {
				t.Errorf("%d rows committed, want 1", rows)
			}
		}
		promptly(t, s, "postgres")
	})
}
