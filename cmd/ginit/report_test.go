package main

import (
	"strings"
	"testing"
)

func TestCapReport(t *testing.T) {
	lines := []string{"stop: SIGTERM at x"}
	for range 300 {
		lines = append(lines, "  123(integration.tes): exited 0, 2001 ms after the drain began")
	}
	lines = append(lines, "exit code 0")
	got := capReport(lines)
	if len(got) > reportMax || !strings.HasSuffix(got, "\n... (cut to 4 KiB)\nexit code 0\n") || !strings.HasPrefix(got, "stop: SIGTERM") {
		t.Errorf("%d bytes: ...%s", len(got), got[len(got)-100:])
	}
	if got := capReport([]string{"a", "exit code 1"}); got != "a\nexit code 1\n" {
		t.Errorf("short report changed: %q", got)
	}
}
