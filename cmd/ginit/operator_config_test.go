package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseOperatorOptions(t *testing.T) {
	for _, tc := range []struct {
		args  string
		env   []string
		check func(*config) bool
	}{
		{"--stop-delay 5s prog", nil, func(c *config) bool { return c.stopDelay == 5*time.Second }},
		{"--stop-delay=2.5 --grace 3 prog", nil, func(c *config) bool { return c.stopDelay == 2500*time.Millisecond }},
		{"prog", []string{"GINIT_STOP_DELAY=7"}, func(c *config) bool { return c.stopDelay == 7*time.Second }},
		{"--stop-delay 1s prog", []string{"GINIT_STOP_DELAY=7"}, func(c *config) bool { return c.stopDelay == time.Second }},
		{"--stop-delay 1h prog", nil, func(c *config) bool { return c.stopDelay == time.Hour }}, // no --grace: no bound
		{"--report-file /dev/termination-log prog", nil, func(c *config) bool { return c.reportFile == "/dev/termination-log" }},
		{"prog", []string{"GINIT_REPORT_FILE=/r"}, func(c *config) bool { return c.reportFile == "/r" }},
		{"--report-file=/a prog", []string{"GINIT_REPORT_FILE=/r"}, func(c *config) bool { return c.reportFile == "/a" }},
		{"prog", nil, func(c *config) bool { return !c.subreaper && !c.noSubreaper }},
		{"prog", []string{"GINIT_SUBREAPER=0"}, func(c *config) bool { return c.noSubreaper }},
		{"prog", []string{"GINIT_SUBREAPER=0", "TINI_SUBREAPER="}, func(c *config) bool { return c.noSubreaper && !c.subreaper }},
		{"prog", []string{"TINI_SUBREAPER=0"}, func(c *config) bool { return c.subreaper && !c.noSubreaper }},
		{"-s prog", []string{"GINIT_SUBREAPER=0"}, func(c *config) bool { return c.subreaper && !c.noSubreaper }},
	} {
		c, err := parseArgs(strings.Fields(tc.args), env(tc.env...))
		if err != nil || !tc.check(c) {
			t.Errorf("%q %q: %+v, %v", tc.args, tc.env, c, err)
		}
	}
	for _, tc := range []struct {
		args string
		env  []string
		msg  string
	}{
		{"--stop-delay 28s --grace 28s prog", nil, "must be shorter than --grace"},
		{"--grace 3s prog", []string{"GINIT_STOP_DELAY=4"}, "must be shorter than --grace"},
		{"--stop-delay soon prog", nil, "not a valid duration for --stop-delay"},
		{"prog", []string{"GINIT_STOP_DELAY=x"}, "GINIT_STOP_DELAY"},
		{"--report-file", nil, "needs a value"},
	} {
		_, err := parseArgs(strings.Fields(tc.args), env(tc.env...))
		if _, ok := err.(*usageError); !ok || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q %q: %v, want a usage error naming %q", tc.args, tc.env, err, tc.msg)
		}
	}
}

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
