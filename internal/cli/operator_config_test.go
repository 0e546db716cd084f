package cli

import (
	"strings"
	"testing"
	"time"
)

func TestParseOperatorOptions(t *testing.T) {
	for _, tc := range []struct {
		args  string
		env   []string
		check func(*Config) bool
	}{
		{"--stop-delay 5s prog", nil, func(c *Config) bool { return c.StopDelay == 5*time.Second }},
		{"--stop-delay=2.5 --grace 3 prog", nil, func(c *Config) bool { return c.StopDelay == 2500*time.Millisecond }},
		{"prog", []string{"GINIT_STOP_DELAY=7"}, func(c *Config) bool { return c.StopDelay == 7*time.Second }},
		{"--stop-delay 1s prog", []string{"GINIT_STOP_DELAY=7"}, func(c *Config) bool { return c.StopDelay == time.Second }},
		{"--stop-delay 1h prog", nil, func(c *Config) bool { return c.StopDelay == time.Hour }}, // no --grace: no bound
		{"--report-file /dev/termination-log prog", nil, func(c *Config) bool { return c.ReportFile == "/dev/termination-log" }},
		{"prog", []string{"GINIT_REPORT_FILE=/r"}, func(c *Config) bool { return c.ReportFile == "/r" }},
		{"--report-file=/a prog", []string{"GINIT_REPORT_FILE=/r"}, func(c *Config) bool { return c.ReportFile == "/a" }},
		{"prog", nil, func(c *Config) bool { return !c.Subreaper && !c.NoSubreaper }},
		{"prog", []string{"GINIT_SUBREAPER=0"}, func(c *Config) bool { return c.NoSubreaper }},
		{"prog", []string{"GINIT_SUBREAPER=0", "TINI_SUBREAPER="}, func(c *Config) bool { return c.NoSubreaper && !c.Subreaper }},
		{"prog", []string{"TINI_SUBREAPER=0"}, func(c *Config) bool { return c.Subreaper && !c.NoSubreaper }},
		{"-s prog", []string{"GINIT_SUBREAPER=0"}, func(c *Config) bool { return c.Subreaper && !c.NoSubreaper }},
	} {
		c, err := Parse(strings.Fields(tc.args), env(tc.env...))
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
		_, err := Parse(strings.Fields(tc.args), env(tc.env...))
		if _, ok := err.(*usageError); !ok || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q %q: %v, want a usage error naming %q", tc.args, tc.env, err, tc.msg)
		}
	}
}
