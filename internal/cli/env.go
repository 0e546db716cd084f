package cli

import (
	"strconv"
	"strings"
)

// env applies the environment. tini's variables keep tini's meaning, quirks
// included: TINI_SUBREAPER and TINI_KILL_PROCESS_GROUP switch on when merely
// present (even empty or "0"), and TINI_VERBOSITY replaces the level -v set.
// Each GINIT_ twin, when present, wins over its TINI_ variable; it parses
// booleans properly, and flags win over it.
func (c *Config) env(lookup func(string) (string, bool)) error {
	var err error
	if c.Subreaper, err = envSwitch(lookup, "SUBREAPER", c.Subreaper); err != nil {
		return err
	}
	_, ginitSet := lookup("GINIT_SUBREAPER")
	c.NoSubreaper = ginitSet && !c.Subreaper // only an explicit off stops the default (main's defaultSubreaper)
	if c.Group, err = envSwitch(lookup, "KILL_PROCESS_GROUP", c.Group); err != nil {
		return err
	}
	c.Verbosity = 1 + c.vFlags
	if v, ok := lookup("GINIT_VERBOSITY"); ok {
		// Checked even when -v wins over it: a typo is not passed over.
		n, err := envLevel("GINIT_VERBOSITY", v)
		if err != nil {
			return err
		}
		if c.vFlags == 0 {
			c.Verbosity = n
		}
	} else if v, ok := lookup("TINI_VERBOSITY"); ok {
		c.Verbosity = c.tiniLevel(v)
	}
	if v, ok := lookup("GINIT_GRACE"); ok && !c.graceSet {
		if err := c.setGrace(v, "GINIT_GRACE"); err != nil {
			return err
		}
	}
	if v, ok := lookup("GINIT_STOP_DELAY"); ok && !c.delaySet {
		if err := c.setDelay(v, "GINIT_STOP_DELAY"); err != nil {
			return err
		}
	}
	if v, ok := lookup("GINIT_REPORT_FILE"); ok && !c.reportSet {
		c.ReportFile = v
	}
	if v, ok := lookup("GINIT_STOP_SIGNAL"); ok && !c.stopSigSet {
		if err := c.stopSignalList(v); err != nil {
			return err
		}
	}
	if !c.SignalAfterTrap {
		if v, ok := lookup("GINIT_SIGNAL_AFTER_TRAP"); ok {
			if c.SignalAfterTrap, err = envBool("GINIT_SIGNAL_AFTER_TRAP", v); err != nil {
				return err
			}
		}
	}
	if v, ok := lookup("GINIT_LOG_FORMAT"); ok && !c.logSet {
		if err := c.setLogFormat(v, "GINIT_LOG_FORMAT"); err != nil {
			return err
		}
	}
	return nil
}

// envSwitch resolves a boolean with a flag, GINIT_name and TINI_name.
func envSwitch(lookup func(string) (string, bool), name string, flag bool) (bool, error) {
	if flag {
		return true, nil
	}
	if v, ok := lookup("GINIT_" + name); ok {
		return envBool("GINIT_"+name, v)
	}
	_, present := lookup("TINI_" + name)
	return present, nil
}

// envBool parses a GINIT_ boolean, or says what it takes.
func envBool(name, v string) (bool, error) {
	b, err := parseBool(v)
	if err != nil {
		return false, usagef("not a valid value for ", name, ": ", strconv.Quote(v), " (1, true, yes, on, or 0, false, no, off, empty)")
	}
	return b, nil
}

// stopSignalList reads GINIT_STOP_SIGNAL: signals separated by commas,
// blanks around each ignored. Empty means none; an empty item (a doubled
// comma) is refused like any other typo.
func (c *Config) stopSignalList(v string) error {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	for item := range strings.SplitSeq(v, ",") {
		if err := c.addStopSignal(strings.TrimSpace(item), "GINIT_STOP_SIGNAL"); err != nil {
			return err
		}
	}
	return nil
}

// parseBool takes exactly 1 true yes on, 0 false no off, or the empty
// string (false), in any case: "TRUE" and "Off" are what a person means,
// "y", "t" and " 1" are typos as likely as not, and refused.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off", "":
		return false, nil
	}
	return false, usagef("bad boolean")
}

// tiniLevel reads TINI_VERBOSITY as tini does: C's atoi into an unsigned
// level, so a value tini starts with starts ginit too. "loud" is 0, "2x"
// is 2; 7 is tini's most verbose, as is -1 (unsigned, it is huge): both
// are read as 4, ginit's most verbose. Anything but a plain number from 0
// to 4 gets a warning saying how it was read.
func (c *Config) tiniLevel(v string) int {
	n := atoi(v)
	level := n
	if n < 0 || n > 4 {
		level = 4
	}
	if clean, ok := strtol(v); !ok || v == "" || int64(n) != clean || n != level {
		c.Warnings = append(c.Warnings, "TINI_VERBOSITY="+strconv.Quote(v)+" is not a level from 0 to 4; read as "+
			strconv.Itoa(level)+", as tini reads it (C's atoi, unsigned); set a number from 0 to 4, or GINIT_VERBOSITY, which is checked")
	}
	return level
}

// envLevel parses GINIT_VERBOSITY, strictly: a typo is an error, not
// silence, and so are blanks (as for GINIT_ booleans) and a level beyond
// the most verbose.
func envLevel(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 4 {
		return 0, usagef("not a valid value for ", name, ": ", strconv.Quote(v), " (a level from 0 to 4)")
	}
	return n, nil
}
