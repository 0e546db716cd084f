// Package cli reads ginit's command line and environment as tini reads
// its own (flags, TINI_* variables, C's number parsing, getopt's order),
// plus ginit's own options and GINIT_* twins, into a Config; and holds the
// texts ginit prints instead of running: usage, version, license. It is
// pure (the environment comes in as a function) and fuzzed; bad usage is
// an error whose text main prints on one line before exiting 1.
package cli

import (
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/signals"
)

// Action is what the command line asks for besides running a program.
type Action int

const (
	ActRun Action = iota
	ActHelp
	ActVersion
	ActLicense
)

// Config is everything the command line and environment decide.
type Config struct {
	Action     Action
	Subreaper  bool
	PdeathSig  syscall.Signal // -p, which main sets in its init (the main thread's)
	Verbosity  int
	WarnOnReap bool
	Group      bool
	Remap      [256]bool // exit codes reported as 0 (-e)
	Grace      time.Duration
	Rewrites   signals.Rewrites
	JSON       bool
	Argv       []string

	// Warnings found while parsing, for main to log once the logger exists:
	// tini takes garbage in TINI_* without a word, ginit says so.
	Warnings []string

	NoSubreaper bool // GINIT_SUBREAPER=0: not even when ginit is not PID 1

	StopDelay  time.Duration // --stop-delay
	ReportFile string        // --report-file

	// StopSignals are the extra signals that begin a stop (--stop-signal,
	// GINIT_STOP_SIGNAL), besides SIGTERM, SIGINT and SIGQUIT: an image
	// whose STOPSIGNAL is SIGWINCH. Each is one ginit forwards, once.
	StopSignals []syscall.Signal
	// SignalAfterTrap (--signal-after-trap, GINIT_SIGNAL_AFTER_TRAP): when
	// the main child caught the stop signal and then exited, send the stop
	// signal to what it left anyway, for a trap that only cleans up.
	SignalAfterTrap bool

	graceSet, logSet, delaySet, reportSet, stopSigSet bool // given as flags, so the environment must not override
	vFlags                                            int  // how many -v
}

// usageError is bad input: main prints it on one line and exits 1.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(parts ...string) error { return &usageError{strings.Join(parts, "")} }

// Parse reads the command line (without argv[0]) and the environment.
//
// Options are read first as tini reads them, through glibc's getopt: they
// may stand after the program, and the first "--" ends them wherever it
// stands, and is removed ("ginit -s prog -- a" runs "prog a", tini's
// documented form). POSIXLY_CORRECT in the environment makes glibc stop at
// the first non-option, so it does here too. Only where that reading fails,
// which tini would refuse with exit 1, ginit reads options up to the
// program alone, so "ginit sh -c 'exit 3'" passes -c to sh.
func Parse(args []string, lookupEnv func(string) (string, bool)) (*Config, error) {
	_, posix := lookupEnv("POSIXLY_CORRECT")
	c, err := scanArgs(args, !posix)
	if err != nil && !posix {
		if c2, err2 := scanArgs(args, false); err2 == nil {
			c, err = c2, nil
		} else {
			err = err2 // the error a reader sees first, before the program
		}
	}
	if err != nil || c.Action != ActRun {
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
func scanArgs(args []string, permute bool) (*Config, error) {
	c := &Config{Verbosity: 1, Rewrites: signals.Rewrites{}}
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
		if c.Action != ActRun {
			return c, nil
		}
	}
	if len(prog) == 0 {
		return nil, usagef("no program given")
	}
	c.Argv = prog
	return c, nil
}

// shorts handles one argument of grouped short options ("-vvv", "-sg",
// "-e3", "-p SIGKILL"), getopt-style: an option that takes a value takes the
// rest of the argument, or else the next argument.
func (c *Config) shorts(a string, next func(string) (string, error)) error {
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
			c.Subreaper = true
		case 'v':
			c.vFlags++
		case 'w':
			c.WarnOnReap = true
		case 'g':
			c.Group = true
		case 'h':
			c.Action = ActHelp
			return nil
		case 'l':
			c.Action = ActLicense
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

func (c *Config) long(a string, next func(string) (string, error)) error {
	name, v, hasValue := strings.Cut(a, "=")
	switch name {
	case "--version":
		c.Action = ActVersion
		return nil
	case "--help":
		c.Action = ActHelp
		return nil
	case "--signal-after-trap":
		if hasValue {
			return usagef("option --signal-after-trap takes no value (got ", strconv.Quote(a), ")")
		}
		c.SignalAfterTrap = true
		return nil
	case "--grace", "--rewrite", "--log-format", "--stop-delay", "--report-file", "--stop-signal":
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
		c.ReportFile, c.reportSet = v, true
		return nil
	case "--stop-signal":
		c.stopSigSet = true
		return c.addStopSignal(v, "--stop-signal")
	}
	return c.setLogFormat(v, "--log-format")
}

// set applies a short option that takes a value.
func (c *Config) set(opt byte, v string) error {
	switch opt {
	case 'p':
		sig, err := signals.Parse(v, false)
		if err != nil {
			return usagef("not a valid option for -p: ", strconv.Quote(v), " (a signal name such as SIGKILL)")
		}
		c.PdeathSig = sig
	case 'e':
		n, ok := strtol(v)
		if !ok || n < 0 || n > 255 {
			return usagef("not a valid exit code for -e: ", strconv.Quote(v), " (0 to 255)")
		}
		c.Remap[n] = true
	case 'r':
		from, to, err := signals.ParseRewrite(v)
		if err != nil {
			return usagef(err.Error())
		}
		c.Rewrites[from] = to
	}
	return nil
}

// addStopSignal adds one extra stop signal, named or numbered as -p and -r
// take them. It must be one ginit catches and forwards: SIGKILL cannot be
// caught, SIGCHLD is ginit's own.
func (c *Config) addStopSignal(v, where string) error {
	sig, err := signals.Parse(v, false)
	if err != nil || !signals.Forwarded(sig) {
		return usagef("not a valid signal for ", where, ": ", strconv.Quote(v),
			" (a signal ginit forwards, by name or number, such as SIGWINCH or 28)")
	}
	for _, s := range c.StopSignals {
		if s == sig {
			return nil
		}
	}
	c.StopSignals = append(c.StopSignals, sig)
	return nil
}

func (c *Config) setGrace(v, where string) error {
	d, err := parseDuration(v)
	if err != nil {
		return usagef("not a valid duration for ", where, ": ", strconv.Quote(v), " (", err.Error(), ")")
	}
	c.Grace = d
	c.graceSet = true
	return nil
}

func (c *Config) setLogFormat(v, where string) error {
	switch v {
	case "text":
		c.JSON = false
	case "json":
		c.JSON = true
	default:
		return usagef("not a valid log format for ", where, ": ", strconv.Quote(v), " (text or json)")
	}
	c.logSet = true
	return nil
}

func (c *Config) setDelay(v, where string) error {
	d, err := parseDuration(v)
	if err != nil {
		return usagef("not a valid duration for ", where, ": ", strconv.Quote(v), " (", err.Error(), ")")
	}
	c.StopDelay = d
	return nil
}

// checkDelay refuses a delay that would use up the grace period: the grace
// counts from the signal's arrival, so the app would get none of it.
func (c *Config) checkDelay() error {
	if c.StopDelay > 0 && c.Grace > 0 && c.StopDelay >= c.Grace {
		return usagef("--stop-delay ", c.StopDelay.String(), " must be shorter than --grace ", c.Grace.String(),
			" (the grace period counts from the signal's arrival, delay included)")
	}
	return nil
}
