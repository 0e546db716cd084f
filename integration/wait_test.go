package integration

// Waiting for output: waitLine over a channel of lines, and expect and
// waitOutput on top of it; expectErr waits the same way on ginit's stderr,
// which is kept whole rather than as lines. Each is bounded by patience.

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// expect waits for a stdout line containing want and returns it.
func (r *run) expect(want string) string {
	r.t.Helper()
	return waitLine(r.t, r.lines, want)
}

// expectErr waits until stderr contains want.
func (r *run) expectErr(want string) {
	r.t.Helper()
	deadline := time.After(patience)
	for {
		r.mu.Lock()
		seen, grew := strings.Contains(r.errBuf.String(), want), r.grew
		r.mu.Unlock()
		if seen {
			return
		}
		select {
		case <-grew:
		case <-r.done:
			if !strings.Contains(r.stderr(), want) {
				r.t.Fatalf("exited before stderr showed %q", want)
			}
			return
		case <-deadline:
			r.t.Fatalf("stderr showed no %q after %v", want, patience)
		}
	}
}

// scanLines delivers r's lines as they come, for waitLine.
func scanLines(r io.Reader) chan string {
	c := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			c <- sc.Text()
		}
		close(c)
	}()
	return c
}

// waitOutput runs cmd, something that follows output as it comes
// (docker logs -f, tail -F), until a line of its stdout or stderr contains
// want; then it stops cmd.
func waitOutput(t *testing.T, cmd *exec.Cmd, want string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close()
	if err != nil {
		t.Fatalf("%q: %v", cmd.Args, err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	waitLine(t, scanLines(r), want)
}

// waitLine is the one wait for output: it returns the first line from
// lines that contains want, and fails the test if lines ends or patience
// passes first.
func waitLine(t *testing.T, lines chan string, want string) string {
	t.Helper()
	deadline := time.After(patience)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended before a line %q", want)
			}
			if strings.Contains(l, want) {
				return l
			}
		case <-deadline:
			t.Fatalf("no line %q after %v", want, patience)
		}
	}
}
