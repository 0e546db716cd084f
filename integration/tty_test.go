package integration

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
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

// On a terminal ginit sits in the background (the child has the
// foreground), and with `stty tostop` a background write raises SIGTTOU:
// ginit's own log must still get through, not fail (EIO) or loop.
func TestLogOnTerminalWithTostop(t *testing.T) {
	if _, err := exec.LookPath("stty"); err != nil {
		t.Skip("SKIP: no stty (Debian's coreutils)")
	}
	t.Parallel()
	record := strings.Join(itest.Helper("record", "USR2", "5"), " ")
	r := itest.Start(t, itest.Opts{Args: []string{"-v", "--", "sh", "-c", "stty tostop && exec " + record}, TTY: true})
	r.Expect("ready")
	r.Signal(syscall.SIGWINCH)
	r.Expect("forwarded signal signal=SIGWINCH")
	r.Signal(syscall.SIGUSR2)
	if code := r.Wait(); code != 5 {
		t.Errorf("exit %d, want the child's 5", code)
	}
}
