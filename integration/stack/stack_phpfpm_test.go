package stack

// php-fpm behind `bash startup.sh` without exec, one slow PHP request in
// flight (through Debian's cgi-fcgi, a FastCGI client) when the
// orchestrator stops the container. php-fpm's graceful stop is SIGQUIT
// (its SIGTERM is a fast stop), which bash ignores; its master calls
// setsid(), so -g's process group does not hold it.

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// fcgiGet runs one PHP script of testdata/phpfpm through php-fpm on port,
// as a web server would, and returns its body.
func fcgiGet(port int, script, query string) (string, error) {
	cmd := exec.Command("cgi-fcgi", "-bind", "-connect", "127.0.0.1:"+strconv.Itoa(port))
	cmd.Env = []string{"SCRIPT_FILENAME=" + filepath.Join(testdata("phpfpm"), script), "REQUEST_METHOD=GET", "QUERY_STRING=" + query}
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	_, body, ok := strings.Cut(out.String(), "\r\n\r\n")
	if !ok {
		body = out.String()
	}
	return body, err
}

// launchPHPFPM (TestHeavyStackSignals): with -r TERM:QUIT, with and without
// -g, the request in flight completes, the master gets SIGQUIT once (its
// workers from it), and ginit exits within a second of php-fpm; under tini
// the request is cut.
func launchPHPFPM(t *testing.T) func(*testing.T) {
	if why := missing("php-fpm8.2", "php8.2-fpm", "cgi-fcgi", "libfcgi-bin", "bash", "bash"); why != "" {
		return skipped(why)
	}
	bash := []string{"bash", filepath.Join(testdata("phpfpm"), "startup.sh")}
	quit := []string{"-r", "TERM:QUIT", "--"}
	cases := []stackCase{
		// php-fpm exits 0 after a graceful stop, and so does bash after it.
		{name: "ginit -r TERM:QUIT", args: append(quit, bash...), want: completed, code: 0},
		{name: "ginit -g -r TERM:QUIT", args: append(append([]string{"-g"}, quit...), bash...), want: completed, code: 0},
		{name: "tini-static", init: "tini-static", args: append([]string{"--"}, bash...), want: lost, code: -1},
	}
	for i := range cases {
		cases[i].name = "php-fpm, " + cases[i].name
	}
	slow := func(w work) (string, error) { return fcgiGet(w.port, "slow.php", slowQuery[1:]) }
	app := stackApp{ready: listening, request: slow, reply: sleptWork, exits: true}
	return launchStack(t, app, cases, func(t *testing.T, c stackCase, s served, r *itest.Run) {
		if c.init != "" {
			return
		}
		gotOnce(t, r.Stderr(), "php-fpm", []string{"NOTICE: Finishing ..."}, "NOTICE: Terminating ...")
		promptly(t, s, "php-fpm")
	})
}
