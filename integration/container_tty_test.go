package integration

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// docker run -it: the docker client's terminal is a pseudo-terminal made
// here, and Ctrl-C typed into it reaches the app, in the container's
// terminal foreground, through ginit.
func TestDockerTTYCtrlC(t *testing.T) {
	img := dockerImage(t)
	t.Parallel()
	m, s := openPty(t)
	defer m.Close()
	name := fmt.Sprintf("ginit-test-%d", rand.Uint32())
	cmd := exec.Command("docker", "run", "-it", "--rm", "--name", name, img, "/app", "record")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = nsAttrTTY()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run(); cmd.Process.Kill(); cmd.Wait() })
	var mu sync.Mutex
	var out bytes.Buffer
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := m.Read(b)
			mu.Lock()
			out.Write(b[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	wait := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(patience); ; time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			ok := strings.Contains(out.String(), want)
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("terminal never showed %q: %q", want, out.String())
			}
		}
	}
	wait("ready")
	m.Write([]byte{3})
	wait("got interrupt")
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("docker run exited %d, want the app's 0", code)
	}
}
