package itest

// Waiting for output: WaitLine over a channel of lines, and Expect,
// ExpectErr and WaitOutput on top of it. Each is bounded by Patience.

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Expect waits for a stdout line containing want and returns it.
func (r *Run) Expect(want string) string {
	r.t.Helper()
	return WaitLine(r.t, r.Lines, want)
}

// ExpectErr waits for a stderr line containing want and returns it.
func (r *Run) ExpectErr(want string) string {
	r.t.Helper()
	return WaitLine(r.t, r.errLines, want)
}

// ExpectIn finds a line of stdout that starts with prefix, after the run.
func (r *Run) ExpectIn(prefix string) string {
	r.t.Helper()
	for _, l := range strings.Split(r.Stdout(), "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	r.t.Fatalf("no line starting %q in %q", prefix, r.Stdout())
	return ""
}

// ScanLines delivers r's lines as they come, for WaitLine.
func ScanLines(r io.Reader) chan string {
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

// WaitOutput runs cmd, something that follows output as it comes
// (docker logs -f, tail -F), until a line of its stdout or stderr contains
// want; then it stops cmd.
func WaitOutput(t *testing.T, cmd *exec.Cmd, want string) {
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
	WaitLine(t, ScanLines(r), want)
}

// WaitLine is the one wait for output: it returns the first line from
// lines that contains want, and fails the test if lines ends or Patience
// passes first.
func WaitLine(t *testing.T, lines chan string, want string) string {
	t.Helper()
	deadline := time.After(Patience)
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
			t.Fatalf("no line %q after %v", want, Patience)
		}
	}
}
