package stack

// PostgreSQL in Docker: the app of stack_postgres_test.go in an image made
// from this machine's own Debian files (docker import; no registry can be
// reached) with the official postgres image's STOPSIGNAL SIGINT and ginit
// as its ENTRYPOINT, stopped with `docker stop -t 30`, beside the same
// image with tini-static as its ENTRYPOINT.

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

var pgImage = lazyImage{build: buildPostgresImage}

// buildPostgresImage imports a root file system holding bash, coreutils,
// util-linux (setpriv), tzdata and the libraries PostgreSQL links, with
// their dependencies, and the server's own files without its LLVM JIT
// (a hundred megabytes the test does not use); then adds ginit, tini-static
// as /tini, and the app. Both images are removed at exit.
func buildPostgresImage() (string, bool, error) {
	server := "postgresql-" + filepath.Base(filepath.Dir(pgBin)) // postgresql-15
	pkgs := []string{"bash", "coreutils", "util-linux", "tzdata"}
	out, err := exec.Command("dpkg-query", "-W", "-f=${Depends}", server).Output()
	if err != nil {
		return "", false, fmt.Errorf("dpkg-query: %v", err)
	}
	for _, dep := range strings.Split(string(out), ",") {
		if name := depName(dep); strings.HasPrefix(name, "lib") && !strings.HasPrefix(name, "libllvm") {
			pkgs = append(pkgs, name)
		}
	}
	if out, err = exec.Command("dpkg-query", "-L", server).Output(); err != nil {
		return "", false, fmt.Errorf("dpkg-query -L: %v", err)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\n") {
		if !strings.Contains(f, "/bitcode") && !strings.Contains(f, "llvmjit") {
			files = append(files, f)
		}
	}
	copies := [][2]string{{itest.Ginit, "ginit"}, {filepath.Join(testdata("postgres"), "startup.sh"), "startup.sh"}}
	body := "COPY ginit /ginit\nCOPY startup.sh /app/\n"
	if tini, err := exec.LookPath("tini-static"); err == nil {
		copies = append(copies, [2]string{tini, "tini"})
		body += "COPY tini /tini\n"
	}
	body += "STOPSIGNAL SIGINT\nENTRYPOINT [\"/ginit\", \"--\"]\nCMD [\"bash\", \"/app/startup.sh\"]\n"
	return debianImageFiles("postgres", pkgs, files, copies, body)
}

// launchDockerPostgres (TestHeavyStackSignals): `docker stop -t 30` sends
// the image's STOPSIGNAL, SIGINT, to ginit as the ENTRYPOINT: postgres
// gets it once (a fast shutdown: the transaction is aborted), the
// container exits 0 long before the deadline, and the next start needs no
// recovery. With tini as the ENTRYPOINT bash waits on SIGINT, postgres
// never hears it, Docker SIGKILLs at 30 s (137), and the next start
// recovers.
func launchDockerPostgres(t *testing.T) func(*testing.T) {
	if why := needPostgres(); why != "" {
		return skipped(why)
	}
	if pgErr != nil {
		return func(t *testing.T) { t.Fatalf("the template data directory: %v", pgErr) }
	}
	img, skip, fail := pgImage.get()
	if skip != "" {
		return skipped(skip)
	}
	if fail != "" {
		return func(t *testing.T) { t.Fatalf("building the PostgreSQL image: %s", fail) }
	}
	cases := []struct {
		name string
		run  []string // docker run's options
		args []string // after the image
		code int      // the container's exit code
	}{
		{"STOPSIGNAL SIGINT, ENTRYPOINT [\"/ginit\", \"--\"]", nil, nil, 0},
		{"STOPSIGNAL SIGINT, ENTRYPOINT [\"/tini\", \"--\"]", []string{"--entrypoint", "/tini"}, []string{"--", "bash", "/app/startup.sh"}, 137},
	}
	results := make([]served, len(cases))
	names := make([]string, len(cases))
	dirs := make([]string, len(cases))
	var wg sync.WaitGroup
	app := stackApp{ready: pgReady, request: pgWork, reply: "committed"}
	for i, c := range cases {
		dir, port := stackDir(t), freePort(t)
		template := filepath.Dir(pgTemplate)
		args := []string{"--network", "host", "-v", dir + ":" + dir, "-v", template + ":" + template + ":ro",
			"-e", "STACK_MARKS=" + dir, "-e", "PORT=" + strconv.Itoa(port), "-e", "PG_BIN=" + pgBin, "-e", "PG_TEMPLATE=" + pgTemplate}
		args = append(append(append(args, c.run...), img), c.args...)
		names[i], dirs[i] = container(t, args...), dir
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = dockerStop(app, names[i], work{port: port, dir: dir}) }()
	}
	return func(t *testing.T) {
		t.Logf("image %s built in %.1fs", img, pgImage.took.Seconds())
		wg.Wait()
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s := results[i]
				logs, _ := exec.Command("docker", "logs", names[i]).CombinedOutput()
				if s.err != nil {
					t.Fatalf("%v\ndocker logs:\n%s", s.err, logs)
				}
				t.Log(s.line(c.name))
				out, rows, err := pgRestart(dirs[i])
				if err != nil {
					t.Fatalf("the restart: %v\n%s", err, out)
				}
				recovered := strings.Contains(out, pgRecovery)
				t.Logf("the restart: %d rows committed, recovery: %v", rows, recovered)
				if s.code != c.code {
					t.Errorf("exit code %d, want %d", s.code, c.code)
				}
				if c.code == 137 {
					if !recovered {
						t.Errorf("the restart after tini needed no recovery: the case proves nothing")
					}
				} else {
					if s.killed || s.took > orchestratorDeadline/2 {
						t.Errorf("docker stop took %v, want well before its %v", s.took, orchestratorDeadline)
					}
					if recovered {
						t.Errorf("the restart needed recovery: %q\n%s", pgRecovery, out)
					}
					gotOnce(t, string(logs), "postgres", []string{"received fast shutdown request"},
						"received smart shutdown request", "received immediate shutdown request")
				}
				if t.Failed() {
					t.Logf("docker logs:\n%s", logs)
				}
			})
		}
	}
}
