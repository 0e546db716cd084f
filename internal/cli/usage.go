package cli

// VersionLine names ginit and keeps tini's shape ("NAME version V - git.C"),
// which dockerd parses for `docker info` when ginit is its --init-path.
// version and commit are what the build stamped in package main.
func VersionLine(version, commit string) string {
	v, c := versionAndCommit(version, commit)
	return "ginit version " + v + " - git." + c + "\n"
}

// Usage is the text of ginit -h.
func Usage(version, commit string) string {
	v, _ := versionAndCommit(version, commit)
	return `ginit (` + v + `)
Usage: ginit [OPTIONS] [--] PROGRAM [ARGS...] | --version

Runs PROGRAM as its child, forwards signals to it, reaps zombies, and on
shutdown lets PROGRAM and what it left behind finish before SIGKILL.
Options are read as tini reads them: they may follow PROGRAM, and the first
-- ends them wherever it stands. Put -- before PROGRAM to pass everything
after it untouched.

tini's options:
  --version          Show version and exit.
  -h, --help         Show this help message and exit.
  -s                 Register as a process subreaper (Linux >= 3.4).
  -p SIGNAL          Have ginit receive SIGNAL when its parent dies, e.g. -p SIGKILL.
  -v                 More verbose output; repeat up to 3 times (-vvv).
  -w                 Print a warning for each zombie reaped.
  -g                 Send signals to the child's process group.
  -e EXIT_CODE       Report EXIT_CODE (0 to 255) as 0. Repeatable.
  -l                 Show license and exit.

ginit's own:
  --grace DURATION   After a stop signal (TERM, INT, QUIT), SIGKILL whatever is
                     left once DURATION has passed (25s, 1m30s, or seconds).
                     Default: no deadline. Also bounds the drain.
  -r, --rewrite FROM:TO
                     Deliver signal FROM as TO (names or numbers); TO of 0
                     drops FROM. Repeatable.
  --log-format text|json
  --stop-delay DURATION
                     Hold a stop signal for DURATION before delivering it,
                     while a load balancer deregisters the app. Shorter than
                     --grace, which counts from the signal's arrival.
  --report-file PATH Write a summary of the stop to PATH at exit, e.g.
                     /dev/termination-log (at most 4 KiB).

Environment (flags win; each GINIT_ twin wins over its TINI_ variable):
  TINI_SUBREAPER, GINIT_SUBREAPER                    like -s
  TINI_KILL_PROCESS_GROUP, GINIT_KILL_PROCESS_GROUP  like -g
  TINI_VERBOSITY, GINIT_VERBOSITY                    log level 0-4 (default 1)
  GINIT_GRACE, GINIT_LOG_FORMAT                      like --grace, --log-format
  GINIT_STOP_DELAY, GINIT_REPORT_FILE                like --stop-delay, --report-file
  GINIT_SUBREAPER=0    not PID 1, ginit is a subreaper unless this is set

Exit codes: the main child's, or 128+N if signal N killed it; 137 if --grace
ran out during a stop and ginit SIGKILLed what was left; 127 if PROGRAM is
not found, 126 if it cannot be run; 1 on bad usage. -e CODE reports CODE as 0.
`
}

// License is the text of ginit -l, the LICENSE file's.
const License = `MIT License

Copyright (c) 2026 The ginit authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`
