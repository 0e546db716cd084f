package cli

// The reference: every option, environment variable, exit code and log
// level, once. `go generate ./internal/cli` (tools/genref) writes from it
// ginit --help (usage_gen.go), the man page's OPTIONS, ENVIRONMENT and EXIT
// STATUS (doc/ginit.1) and doc/reference.md's Options, Environment, Exit
// codes and Log levels; tools/genref's test fails when one is stale, and
// reference_test.go tries every value a row accepts or refuses on Parse.
// Nothing in ginit itself reads these tables, so the linker leaves them
// out of the binary.
//
// Texts use one piece of markup, `code`, which the man page sets in bold.

//go:generate go run ../../tools/genref -root ../..

// Opt is one option of the command line.
type Opt struct {
	Short, Long string   // "-r", "--rewrite"; either may be empty
	Arg         string   // the value's placeholder ("DURATION"); empty for a switch
	Env         []string // the environment variables that stand for it
	Default     string   // what holds when it is not given
	Accepts     []string // values Parse takes (tried by reference_test.go)
	Refuses     []string // values that are a usage error, exit 1 (tried too)
	Help        string   // ginit --help's line
	Text        string   // the man page's and doc/reference.md's text
	See         string   // a Markdown link, doc/reference.md only
	Tini        bool     // one of tini's options
}

// Var is one environment variable.
type Var struct {
	Name    string
	Accepts []string // values Parse takes (tried)
	Refuses []string // values that are a usage error (tried)
	Help    string
	Text    string
}

// Exit is one exit status.
type Exit struct {
	Code string // "137", "128+N"
	Help string
	Text string
}

// Level is one log level.
type Level struct {
	Level string // "2 (-v)"
	Shows string
}

var boolAccepts = []string{"1", "true", "yes", "on", "0", "false", "no", "off", "", "TRUE", "Off"}
var boolRefuses = []string{"y", "t", "n", "f", " 1", "2", "maybe"}

const boolText = "A boolean: `1`, `true`, `yes`, `on`, or `0`, `false`, `no`, `off` or empty, in any case (`TRUE`, `Off`); anything else, blanks included, is a usage error."

// Options are in the order --help lists them.
var Options = []Opt{
	{Short: "-s", Env: []string{"TINI_SUBREAPER", "GINIT_SUBREAPER"}, Default: "on when ginit is not PID 1", Tini: true,
		Help: "Register as a process subreaper (Linux >= 3.4).",
		Text: "Register as a child subreaper, so that orphans are re-parented to ginit when it is not PID 1. " +
			"ginit does this by default when it is not PID 1; `-s` makes a failure fatal, as in tini.",
		See: "[Behind another init](orchestrators.md#behind-another-init)"},
	{Short: "-p", Arg: "SIGNAL", Default: "none", Tini: true,
		Accepts: []string{"SIGKILL", "KILL", "usr1", "10", "RTMIN+3"}, Refuses: []string{"NOPE", "0", "65"},
		Help: "Have ginit receive SIGNAL when its parent dies, e.g. -p SIGKILL.",
		Text: "ginit receives SIGNAL when its parent dies, and forwards it like any other signal. " +
			"Set on the thread the kernel consults, so a launcher's own parent-death signal " +
			"(`unshare --kill-child`) is replaced."},
	{Short: "-v", Env: []string{"TINI_VERBOSITY", "GINIT_VERBOSITY"}, Default: "level 1", Tini: true,
		Help: "More verbose output; repeat up to 3 times (-vvv).",
		Text: "One level more verbose; repeat (`-vv`, `-vvv`): levels 0 to 4, default 1.",
		See:  "[Log levels](#log-levels)"},
	{Short: "-w", Default: "off", Tini: true,
		Help: "Print a warning for each zombie reaped.",
		Text: "A warning for each zombie reaped, at the default level."},
	{Short: "-g", Env: []string{"TINI_KILL_PROCESS_GROUP", "GINIT_KILL_PROCESS_GROUP"}, Default: "off", Tini: true,
		Help: "Send signals to the child's process group.",
		Text: "Send signals to the child's process group instead of the child alone. The child leads that group; " +
			"if no process is left in it (the child moved to another group with `setpgid`), the child itself " +
			"gets the signal, and the log says so.",
		See: "[The stop](shutdown.md#the-stop)"},
	{Short: "-e", Arg: "CODE", Default: "none", Tini: true,
		Accepts: []string{"0", "143", "255", "+3", " 3", "-0", ""}, Refuses: []string{"256", "-1", "3 ", "0x3", "x"},
		Help: "Report exit code CODE (0 to 255) as 0. Repeatable.",
		Text: "Report exit code CODE (0 to 255) as 0; repeatable; applies to 128+N and 137 too (`-e 143`). " +
			"Read as tini's `strtol` reads it: `' 3'`, `+3` and `''` (0) are accepted, `'3 '` and `0x3` are not."},
	{Short: "-l", Tini: true,
		Help: "Show license and exit.",
		Text: "Print the license (MIT) and exit."},
	{Short: "-h", Long: "--help", Tini: true,
		Help: "Show this help message and exit.",
		Text: "Print the usage and exit."},
	{Long: "--version", Tini: true,
		Help: "Show version and exit.",
		Text: "Print `ginit version V - git.COMMIT`, tini's shape, which dockerd parses for `docker info`, and exit."},

	{Long: "--grace", Arg: "DURATION", Env: []string{"GINIT_GRACE"}, Default: "none",
		Accepts: []string{"25s", "1m30s", "25", "2.5", "0"}, Refuses: []string{"x", "-1", "NaN", "1e300", ""},
		Help: "After a stop signal, SIGKILL whatever is left once DURATION has passed " +
			"(25s, 1m30s, or seconds). Default: no deadline. Also bounds the drain.",
		Text: "After a stop signal, SIGKILL everything left once DURATION has passed since the signal's arrival. " +
			"Go's duration syntax (`25s`, `1m30s`) or bare seconds (`25`, `2.5`: digits and one dot); `0` means none. " +
			"It also bounds a drain that no stop began (else 30 s). Set it above the application's own shutdown " +
			"timeout plus any `--stop-delay`, and below the orchestrator's deadline.",
		See: "[Choosing the grace period](../README.md#choosing-the-grace-period)"},
	{Long: "--stop-delay", Arg: "DURATION", Env: []string{"GINIT_STOP_DELAY"}, Default: "none",
		Accepts: []string{"5s", "2.5", "0"}, Refuses: []string{"soon", "-1"},
		Help: "Hold a stop signal for DURATION before delivering it, while a load balancer " +
			"deregisters the app. Shorter than --grace, which counts from the signal's arrival.",
		Text: "Hold a stop signal for DURATION before delivering it, while a load balancer deregisters the app, " +
			"which keeps serving. Same syntax as `--grace`; it must be shorter than `--grace`, which counts from " +
			"the signal's arrival (a usage error otherwise).",
		See: "[Stop delay](shutdown.md#stop-delay)"},
	{Long: "--stop-signal", Arg: "SIGNAL", Env: []string{"GINIT_STOP_SIGNAL"}, Default: "none",
		Accepts: []string{"SIGWINCH", "WINCH", "winch", "28", "USR1", "RTMIN+3", "TERM"},
		Refuses: []string{"KILL", "STOP", "CHLD", "0", "65", "NOPE"},
		Help: "SIGNAL begins a stop too, besides TERM, INT and QUIT (an image whose " +
			"STOPSIGNAL is SIGWINCH). Repeatable.",
		Text: "SIGNAL begins a stop too, besides SIGTERM, SIGINT and SIGQUIT, for an image whose `STOPSIGNAL` is " +
			"another (`FROM httpd`: `SIGWINCH`). A name or a number, as `-p` and `-r` take them, of a signal " +
			"ginit forwards (not `SIGKILL`, `SIGSTOP` or `SIGCHLD`); repeatable.",
		See: "[The stop](shutdown.md#the-stop)"},
	{Long: "--signal-after-trap", Env: []string{"GINIT_SIGNAL_AFTER_TRAP"}, Default: "off",
		Help: "When the main child is a shell whose trap caught the stop signal, send " +
			"the stop signal to what it left once it exits (for a trap that only cleans up).",
		Text: "When the main child is a shell with a `trap` for the stop signal, ginit sends the signal to the " +
			"shell alone, and when the shell exits it waits for what the shell left, taking it that the trap " +
			"passed the stop on (event `trap` says so). With this option it sends them the stop signal then, " +
			"for a trap that only cleans up.",
		See: "[Who gets the stop signal](shutdown.md#who-gets-the-stop-signal)"},
	{Short: "-r", Long: "--rewrite", Arg: "FROM:TO", Default: "none",
		Accepts: []string{"TERM:QUIT", "15:3", "HUP:0", "SIGUSR1:usr2"},
		Refuses: []string{"1", "1:2:3", "0:1", "9:1", "TERM:65"},
		Help:    "Deliver signal FROM as TO (names or numbers); TO of 0 drops FROM. Repeatable.",
		Text: "Deliver signal FROM as TO (dumb-init's syntax, with names or numbers: `TERM:QUIT`, `15:3`); " +
			"TO of `0` drops FROM; repeatable. FROM must be a signal ginit forwards. A stop signal stays a stop " +
			"whatever it is rewritten to (`-r TERM:WINCH`, Apache's graceful stop)."},
	{Long: "--log-format", Arg: "text|json", Env: []string{"GINIT_LOG_FORMAT"}, Default: "text",
		Accepts: []string{"text", "json"}, Refuses: []string{"yaml", "JSON", ""},
		Help: "Log lines as text, or one JSON object per line.",
		Text: "Log lines as text or one JSON object a line.",
		See:  "[JSON logs](shutdown.md#json-logs)"},
	{Long: "--report-file", Arg: "PATH", Env: []string{"GINIT_REPORT_FILE"}, Default: "none",
		Accepts: []string{"/dev/termination-log", "report.txt"},
		Help:    "Write a summary of the stop to PATH at exit, e.g. /dev/termination-log (at most 4 KiB).",
		Text: "At exit, write a short plain-text summary of the stop to PATH, at most 4 KiB, e.g. Kubernetes' " +
			"`/dev/termination-log`. The file is opened without blocking and without following a symlink that " +
			"another user could have made; a failure is a warning, not a different exit code.",
		See: "[The report file](shutdown.md#the-report-file)"},
}

// SignalNames is said after the options.
const SignalNames = "Signal names are accepted as `SIGTERM`, `TERM`, `term` or `15`, and `SIGRTMIN+3`."

// EnvPreamble is said before the variables.
const EnvPreamble = "Flags win over the environment; each `GINIT_` variable, when present, wins over its `TINI_` twin."

// Vars are the environment variables ginit reads.
var Vars = []Var{
	{Name: "TINI_SUBREAPER", Accepts: []string{"", "0", "1", "anything"},
		Help: "like -s; on when merely present, even empty or 0, as in tini",
		Text: "Like `-s`. As in tini, on when merely present, even empty or `0`."},
	{Name: "GINIT_SUBREAPER", Accepts: boolAccepts, Refuses: boolRefuses,
		Help: "like -s; a boolean (1 true yes on / 0 false no off / empty); 0 also turns " +
			"off the default subreaper when ginit is not PID 1",
		Text: "Like `-s`. " + boolText + " A false value also turns off the default subreaper when ginit is " +
			"not PID 1; `TINI_SUBREAPER` cannot, since it is on when merely present."},
	{Name: "TINI_KILL_PROCESS_GROUP", Accepts: []string{"", "0", "1"},
		Help: "like -g; on when merely present, as in tini",
		Text: "Like `-g`; as in tini, on when merely present."},
	{Name: "GINIT_KILL_PROCESS_GROUP", Accepts: boolAccepts, Refuses: boolRefuses,
		Help: "like -g; a boolean, as GINIT_SUBREAPER",
		Text: "Like `-g`. " + boolText},
	{Name: "TINI_VERBOSITY", Accepts: []string{"0", "3", "4", " +3", "", "loud", "2x", "7", "-1"},
		Help: "the log level, 0 to 4; replaces -v's; read as tini reads it",
		Text: "The log level. As in tini, it replaces the level `-v` set, and is read with C's `atoi` into an " +
			"unsigned level, garbage included: `loud` and the empty string are 0, `2x` is 2, and a level above 4 " +
			"or below 0 (`7`, `-1`) is the most verbose, 4, as tini prints every line at both. Anything but a " +
			"plain number from 0 to 4 also prints one warning (event `config`), at every level."},
	{Name: "GINIT_VERBOSITY", Accepts: []string{"0", "1", "4"}, Refuses: []string{"loud", "5", "-1", " 2", ""},
		Help: "the log level, 0 to 4, checked; -v wins over it",
		Text: "The log level, 0 to 4; `-v` wins over it, and it wins over `TINI_VERBOSITY`. Anything else is a " +
			"usage error, even with `-v`."},
	{Name: "GINIT_GRACE", Accepts: []string{"25s", "7"}, Refuses: []string{"later", "-1"},
		Help: "like --grace", Text: "Like `--grace`, checked the same way."},
	{Name: "GINIT_STOP_DELAY", Accepts: []string{"5s", "2.5"}, Refuses: []string{"x"},
		Help: "like --stop-delay", Text: "Like `--stop-delay`, checked the same way."},
	{Name: "GINIT_STOP_SIGNAL", Accepts: []string{"WINCH", "WINCH,USR1", "SIGWINCH, 10", ""},
		Refuses: []string{"WINCH,,USR1", "WINCH;USR1", "KILL", "WINCH,"},
		Help:    "like --stop-signal; a list separated by commas (WINCH,USR1)",
		Text: "Like `--stop-signal`, a list separated by commas (`WINCH,USR1`); blanks around a signal are " +
			"ignored, empty means none, an empty item is a usage error."},
	{Name: "GINIT_SIGNAL_AFTER_TRAP", Accepts: boolAccepts, Refuses: boolRefuses,
		Help: "like --signal-after-trap; a boolean, as GINIT_SUBREAPER",
		Text: "Like `--signal-after-trap`. " + boolText},
	{Name: "GINIT_LOG_FORMAT", Accepts: []string{"text", "json"}, Refuses: []string{"yaml"},
		Help: "like --log-format", Text: "Like `--log-format`, checked the same way."},
	{Name: "GINIT_REPORT_FILE", Accepts: []string{"/dev/termination-log"},
		Help: "like --report-file", Text: "Like `--report-file`."},
	{Name: "POSIXLY_CORRECT", Accepts: []string{"", "1"},
		Help: "glibc's: options end at the first argument that is not one",
		Text: "Not ginit's but glibc's, which tini honours through `getopt`: options end at the first argument " +
			"that is not one."},
}

// Exits are ginit's exit codes.
var Exits = []Exit{
	{Code: "N", Help: "the main child exited with code N",
		Text: "The main child exited with N."},
	{Code: "128+N", Help: "signal N killed the main child (143: SIGTERM), or stop signal N came " +
		"before PROGRAM was started, which ginit then does not start",
		Text: "Signal N killed the main child (143 for SIGTERM, 137 for SIGKILL, the OOM killer's too); or stop " +
			"signal N arrived before the program was started, which ginit then does not start. A clean stop " +
			"behind a shell wrapper that does not `exec` is 143: the shell dies of SIGTERM; `-e 143` reports it as 0."},
	{Code: "137", Help: "--grace ran out during a stop and ginit SIGKILLed what was left",
		Text: "During a stop, `--grace` ran out and ginit SIGKILLed any process, the main child or what it left " +
			"behind, even if the main child had already ended with another code: a stop that killed work never " +
			"looks clean. Also when the main child outlived ginit's SIGKILL (uninterruptible sleep). A drain " +
			"that no stop began keeps the main child's code even when its bound (`--grace`, else 30 s) kills " +
			"what was left."},
	{Code: "0", Help: "the code was remapped by -e",
		Text: "The code (the child's, 128+N or 137) was remapped by `-e`."},
	{Code: "127", Help: "PROGRAM not found",
		Text: "PROGRAM not found (not found in `$PATH`, or no such file)."},
	{Code: "126", Help: "PROGRAM found but cannot be run (permission, a directory, noexec)",
		Text: "PROGRAM found but cannot be run: permission denied, a directory, a noexec mount."},
	{Code: "1", Help: "bad usage (one line on stderr), set-up failed, or PROGRAM could not " +
		"be run for another reason (stderr names it: an argument list too long, say)",
		Text: "Bad usage (one line on stderr naming the problem and `ginit --help`), or ginit could not set " +
			"itself up, or PROGRAM could not be run for another reason, which stderr names (an argument list " +
			"too long; for a file without `#!`, a `/bin/sh` that cannot be run)."},
}

// Levels are the log levels.
var Levels = []Level{
	{"0", "errors, and warnings about the configuration"},
	{"1 (default)", "warnings, the stop report"},
	{"2 (`-v`)", "each forwarded or dropped signal, the main child's exit"},
	{"3 (`-vv`)", "each reaped zombie, the child's start"},
	{"4 (`-vvv`)", "the child's argv, set-up"},
}
