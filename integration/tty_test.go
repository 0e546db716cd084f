package integration

import (
	"os"
	"strings"
	"testing"

	"github.com/ginit-dev/ginit/internal/itest"
	"github.com/ginit-dev/ginit/internal/launch"
)

// openPty returns a pseudo-terminal's master and slave, closed after the
// test, or skips the test if the machine has none.
func openPty(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	m, s, err := launch.Pty()
	if err != nil {
		t.Skipf("SKIP: no pseudo-terminals here (/dev/ptmx): %v", err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// Ctrl-C on the terminal reaches the child (in the foreground group)
// directly, as under `docker run -it`, and ginit sees no SIGINT itself.
func TestCtrlCOnTerminal(t *testing.T) {
	t.Parallel()
	r := itest.Start(t, itest.Opts{Args: itest.Helper("record", "INT", "0"), TTY: true})
	if l := r.Expect("foreground="); !strings.Contains(l, "foreground=true") {
		t.Errorf("child not in the terminal's foreground: %q", l)
	}
	r.Expect("ready")
	r.TTY.Write([]byte{3}) // Ctrl-C
	r.Expect("got SIGINT")
	if code := r.Wait(); code != 0 {
		t.Errorf("exit %d, want the child's 0", code)
	}
	if strings.Contains(r.Stdout(), "stop signal") {
		t.Errorf("ginit itself got the SIGINT: %q", r.Stdout())
	}
}
