package integration

import (
	"strings"
	"testing"

	"github.com/ginit-dev/ginit/internal/itest"
)

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
