package integration

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPty returns a pseudo-terminal's master and slave.
func openPty(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("SKIP: no pseudo-terminals here (/dev/ptmx): %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// Ctrl-C on the terminal reaches the child (in the foreground group)
// directly, as under `docker run -it`, and ginit sees no SIGINT itself.
func TestCtrlCOnTerminal(t *testing.T) {
	t.Parallel()
	m, s := openPty(t)
	defer m.Close()
	cmd := exec.Command(ginit, helper("record", "INT", "0")...)
	cmd.Env = append(os.Environ(), "GINIT_HELPER=1", "GODEBUG=asyncpreemptoff=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = nsAttr(false)
	cmd.SysProcAttr.Setsid, cmd.SysProcAttr.Setctty, cmd.SysProcAttr.Ctty = true, true, 0
	if err := cmd.Start(); err != nil {
		t.Skipf("SKIP: cannot create a PID namespace here: %v", err)
	}
	s.Close()
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
	seen := func(want string) bool {
		deadline := time.Now().Add(patience)
		for time.Now().Before(deadline) {
			mu.Lock()
			ok := strings.Contains(out.String(), want)
			mu.Unlock()
			if ok {
				return true
			}
			time.Sleep(5 * time.Millisecond)
		}
		return false
	}
	if !seen("ready") {
		t.Fatalf("child never ready: %q", out.String())
	}
	if !seen("foreground=true") {
		t.Errorf("child not in the terminal's foreground: %q", out.String())
	}
	m.Write([]byte{3}) // Ctrl-C
	if !seen("got SIGINT") {
		t.Fatalf("Ctrl-C did not reach the child: %q", out.String())
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit %d, want the child's 0", code)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(out.String(), "stop signal") {
		t.Errorf("ginit itself got the SIGINT: %q", out.String())
	}
}

// nsAttrTTY makes the pseudo-terminal the controlling terminal of a new
// session, as a terminal emulator does for the docker client.
func nsAttrTTY() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
}
