package stack

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
	"github.com/ginit-dev/ginit/internal/launch"
)

// docker run -it: the docker client's terminal is a pseudo-terminal made
// here, and Ctrl-C typed into it reaches the app, in the container's
// terminal foreground, through ginit.
func TestDockerTTYCtrlC(t *testing.T) {
	img := dockerImage(t)
	t.Parallel()
	m, s := itest.OpenPty(t)
	name := fmt.Sprintf("ginit-test-%d", rand.Uint32())
	cmd := launch.Command(launch.Spec{Argv: []string{"docker", "run", "-it", "--rm", "--name", name, img, "/app", "record"},
		NoNS: true, TTY: s})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run(); cmd.Process.Kill(); cmd.Wait() })
	lines := itest.ScanLines(m)
	itest.WaitLine(t, lines, "ready")
	m.Write([]byte{3})
	itest.WaitLine(t, lines, "got interrupt")
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("docker run exited %d, want the app's 0", code)
	}
}
