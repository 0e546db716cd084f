package integration

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// TestHeavyBenchQuick runs the bench (tools/bench) once, briefly, against
// the ginit under test: it proves only that `make bench` works, and shows
// its table in the log. It asserts no timing: a few rounds on a shared
// machine measure nothing.
func TestHeavyBenchQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: -short: the quick bench takes several seconds")
	}
	cmd := exec.Command("go", "run", "./tools/bench", "-quick", "-ginit", itest.Ginit)
	cmd.Dir = itest.RootDir
	out, err := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	// One t.Log a line: make test's filter shows lines that carry the file prefix.
	for _, l := range lines {
		t.Log(l)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		t.Skip("SKIP: the bench cannot give an init a PID namespace here")
	}
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	for _, want := range []string{"start-up overhead", "resident memory, idle", "signal latency, median",
		"reap 2000 orphans", "idle wake-ups", "binary size"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the table has no row %q", want)
		}
	}
	header := ""
	for _, l := range lines {
		if strings.Contains(l, "ginit") && strings.Contains(l, "Go floor") && !strings.Contains(l, ":") {
			header = l
		}
	}
	if header == "" {
		t.Fatalf("no table header naming ginit and the Go floor")
	}
	// A missing init must say so, never drop out of the table silently.
	for _, init := range []string{"tini", "tini-static", "dumb-init", "catatonit"} {
		if !strings.Contains(" "+header+" ", " "+init+" ") && !strings.Contains(string(out), "SKIP: "+init+":") {
			t.Errorf("%s is neither in the table nor reported missing", init)
		}
	}
}
