package main

import (
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/signals"
)

// action is what the command line asks for besides running a program.
type action int

const (
	actRun action = iota
	actHelp
	actVersion
	actLicense
)

// config is everything the command line and environment decide.
type config struct {
	action     action
	subreaper  bool
	pdeathSig  syscall.Signal
	verbosity  int
	warnOnReap bool
	group      bool
	remap      [256]bool // exit codes reported as 0 (-e)
	grace      time.Duration
	rewrites   signals.Rewrites
	json       bool
	argv       []string

	graceSet, logSet bool // given as flags, so the environment must not override
	vFlags           int  // how many -v

	// warnings found while parsing, for main to log once the logger exists:
	// tini takes garbage in TINI_* without a word, ginit says so.
	warnings []string

	noSubreaper bool // GINIT_SUBREAPER=0: not even when ginit is not PID 1

	stopDelay time.Duration // --stop-delay (delay.go)
	delaySet  bool

	reportFile string // --report-file (report.go)
	reportSet  bool
}

// usageError is bad input: main prints it on one line and exits 1.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(parts ...string) error { return &usageError{strings.Join(parts, "")} }

// parseArgs reads the command line (without argv[0]) and the environment.
//
// Options are read first as tini reads them, through glibc's getopt: they
// may stand after the program, and the first "--" ends them wherever it
// stands, and is removed ("ginit -s prog -- a" runs "prog a", tini's
// documented form). POSIXLY_CORRECT in the environment makes glibc stop at
// the first non-option, so it does here too. Only where that reading fails,
// which tini would refuse with exit 1, ginit reads options up to the
// program alone, so "ginit sh -c 'exit 3'" passes -c to sh.
func parseArgs(args []string, lookupEnv func(string) (string, bool)) (*config, error) {
	_, posix := lookupEnv("POSIXLY_CORRECT")
	c, err := scanArgs(args, !posix)
	if err != nil && !posix {
		if c2, err2 := scanArgs(args, false); err2 == nil {
			c, err = c2, nil
		} else {
			err = err2 // the error a reader sees first, before the program
		}
	}
	if err != nil || c.action != actRun {
		return c, err
	}
	if err := c.env(lookupEnv); err != nil {
		return nil, err
	}
	if err := c.checkDelay(); err != nil {
		return nil, err
	}
	return c, nil
}

// scanArgs reads options as getopt does: with permute, an argument that is
// not an option is set aside as the program's and the scan goes on, as
// glibc does by default; without, the first one ends the options.
func scanArgs(args []string, permute bool) (*config, error) {
	c := &config{verbosity: 1, rewrites: signals.Rewrites{}}
	var prog []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			prog = append(prog, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			if !permute {
				prog = append(prog, args[i:]...)
				break
			}
			prog = append(prog, a)
			continue
		}
		next := func(opt string) (string, error) {
			if i+1 >= len(args) {
				return "", usagef("option ", opt, " needs a value")
			}
			i++
			return args[i], nil
		}
		var err error
		if strings.HasPrefix(a, "--") {
			err = c.long(a, next)
		} else {
			err = c.shorts(a, next)
		}
		if err != nil {
			return nil, err
		}
		if c.action != actRun {
			return c, nil
		}
	}
	if len(prog) == 0 {
		return nil, usagef("no program given")
	}
	c.argv = prog
	return c, nil
}

// shorts handles one argument of grouped short options ("-vvv", "-sg",
// "-e3", "-p SIGKILL"), getopt-style: an option that takes a value takes the
// rest of the argument, or else the next argument.
func (c *config) shorts(a string, next func(string) (string, error)) error {
	for j := 1; j < len(a); j++ {
		opt := a[j]
		value := func() (string, error) {
			if j+1 < len(a) {
				v := a[j+1:]
				j = len(a)
				return v, nil
			}
			return next("-" + string(opt))
		}
		switch opt {
		case 's':
			c.subreaper = true
		case 'v':
			c.vFlags++
		case 'w':
			c.warnOnReap = true
		case 'g':
			c.group = true
		case 'h':
			c.action = actHelp
			return nil
		case 'l':
			c.action = actLicense
			return nil
		case 'p', 'e', 'r':
			v, err := value()
			if err == nil {
				err = c.set(opt, v)
			}
			if err != nil {
				return err
			}
		default:
			return usagef("unknown option -", string(opt))
		}
	}
	return nil
}

func (c *config) long(a string, next func(string) (string, error)) error {
	name, v, hasValue := strings.Cut(a, "=")
	switch name {
	case "--version":
		c.action = actVersion
		return nil
	case "--help":
		c.action = actHelp
		return nil
	case "--grace", "--rewrite", "--log-format", "--stop-delay", "--report-file":
	default:
		return usagef("unknown option ", name)
	}
	if !hasValue {
		var err error
		if v, err = next(name); err != nil {
			return err
		}
	}
	switch name {
	case "--grace":
		return c.setGrace(v, "--grace")
	case "--rewrite":
		return c.set('r', v)
	case "--stop-delay":
		c.delaySet = true
		return c.setDelay(v, name)
	case "--report-file":
		c.reportFile, c.reportSet = v, true
		return nil
	}
	return c.setLogFormat(v, "--log-format")
}

// set applies a short option that takes a value.
func (c *config) set(opt byte, v string) error {
	switch opt {
	case 'p':
		sig, err := signals.Parse(v, false)
		if err != nil {
			return usagef("not a valid option for -p: ", strconv.Quote(v), " (a signal name such as SIGKILL)")
		}
		c.pdeathSig = sig
	case 'e':
		n, ok := strtol(v)
		if !ok || n < 0 || n > 255 {
			return usagef("not a valid exit code for -e: ", strconv.Quote(v), " (0 to 255)")
		}
		c.remap[n] = true
	case 'r':
		from, to, err := signals.ParseRewrite(v)
		if err != nil {
			return usagef(err.Error())
		}
		c.rewrites[from] = to
	}
	return nil
}

func (c *config) setGrace(v, where string) error {
	d, err := parseDuration(v)
	if err != nil {
		return usagef("not a valid duration for ", where, ": ", strconv.Quote(v), " (", err.Error(), ")")
	}
	c.grace = d
	c.graceSet = true
	return nil
}

func (c *config) setLogFormat(v, where string) error {
	switch v {
	case "text":
		c.json = false
	case "json":
		c.json = true
	default:
		return usagef("not a valid log format for ", where, ": ", strconv.Quote(v), " (text or json)")
	}
	c.logSet = true
	return nil
}

// parseDuration takes Go's syntax ("25s", "1m30s") or bare seconds ("25",
// "2.5": digits and at most one dot, nothing else). Zero means no deadline,
// as when unset.
func parseDuration(s string) (time.Duration, error) {
	if isDecimal(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f > float64(1<<62)/float64(time.Second) {
			return 0, usagef("out of range")
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, usagef("use 25s, 1m30s or a number of seconds")
	}
	if d < 0 {
		return 0, usagef("negative")
	}
	return d, nil
}

func isDecimal(s string) bool {
	digits, dots := 0, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

func (c *config) setDelay(v, where string) error {
	d, err := parseDuration(v)
	if err != nil {
		return usagef("not a valid duration for ", where, ": ", strconv.Quote(v), " (", err.Error(), ")")
	}
	c.stopDelay = d
	return nil
}
