package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/proctab"
	"github.com/ginit-dev/ginit/signals"
)

// --report-file writes a short plain-text summary of the stop at exit, for
// Kubernetes' terminationMessagePath (/dev/termination-log), which
// `kubectl describe pod` shows as the container's last state.

// reportMax is Kubernetes' limit on a termination message: it keeps the
// first 4096 bytes. ginit cuts the process lines instead, so the exit
// code, on the last line, always survives.
const reportMax = 4096

// endedMax bounds the process ends kept for the report: more than can fit
// in reportMax, so memory stays bounded however many processes drain.
const endedMax = reportMax / 16

// outcome is what ginit's deadlines and the OOM killer did, and what
// ended during a drain or a kill: the report's matter, and the exit code's
// (a stop that had to kill work exits 137).
type outcome struct {
	killed       []proctab.Proc // what ginit's SIGKILL reached
	killedIDs    map[proctab.ID]bool
	killedInStop bool
	killWhy      string // the deadline that killed
	killAfter    time.Duration
	oomed        []proctab.Proc // killed by the OOM killer, as far as ginit saw
	ended        []ended
	endedMore    int // ends beyond endedMax, counted only
}

// ended is one process seen to end during a drain or a kill.
type ended struct {
	p      proctab.Proc
	status string
	after  time.Duration
}

// noteEnd keeps a process's end for the report.
func (s *supervisor) noteEnd(p proctab.Proc, status string, after time.Duration) {
	if len(s.outcome.ended) < endedMax {
		s.outcome.ended = append(s.outcome.ended, ended{p, status, after})
	} else {
		s.outcome.endedMore++
	}
}

// summary is the stop report as a value: what stopped ginit and when, how
// the main child ended, what was drained or killed and when, the exit
// code. The loop fills it at exit (summarize); renderReport turns it into
// text without looking at anything else, so its wording is tested alone.
type summary struct {
	stopped         bool
	recv, sig, held string // held: the signal a --stop-delay held and a different one cut short
	at, delayEnd    time.Time
	delay           time.Duration // --stop-delay, when one ran
	delayHow        string
	childDone       bool
	child           string // "pid(comm)"
	childDesc       string
	childAfter      time.Duration // since the stop, or since it started
	drained         bool
	drainSig        string
	ended           []ended
	endedMore       int
	killed          []string // "pid(comm)", at most log.ListMax, then "+N more"
	killWhy         string
	killAfter       time.Duration
	logNote         string
	code            int
}

// summarize fills the summary from the loop's state.
func (s *supervisor) summarize(code int, logNote string) summary {
	st := &s.stop
	sum := summary{stopped: st.begun(), at: st.at, delayEnd: st.delayEnd, delay: s.cfg.StopDelay, delayHow: st.delayHow,
		childDone: s.child.done, child: log.ProcName(s.child.pid, s.child.comm), childDesc: s.child.desc,
		drained: s.drain.begun(), drainSig: signals.Name(s.drain.sig), ended: s.outcome.ended, endedMore: s.outcome.endedMore,
		killWhy: s.outcome.killWhy, killAfter: s.outcome.killAfter, logNote: logNote, code: code}
	if sum.stopped {
		sum.recv, sum.sig = signals.Name(st.recv), signals.Name(st.sig)
		if st.held != 0 {
			sum.held = signals.Name(st.held)
		}
		sum.childAfter = s.child.ended.Sub(st.at)
	} else {
		sum.childAfter = s.child.ended.Sub(s.child.started)
	}
	for _, p := range s.outcome.killed[:min(len(s.outcome.killed), log.ListMax)] {
		sum.killed = append(sum.killed, log.ProcName(p.Pid, p.Comm))
	}
	if len(s.outcome.killed) > log.ListMax {
		sum.killed = append(sum.killed, "+"+strconv.Itoa(len(s.outcome.killed)-log.ListMax)+" more")
	}
	return sum
}

// renderReport is the report's text, cut to reportMax, and the size it
// would have had uncut.
func renderReport(sum summary) (text string, full int) {
	var lines []string
	add := func(parts ...string) { lines = append(lines, strings.Join(parts, "")) }
	if sum.stopped {
		sig := sum.sig
		if sum.recv != sum.sig {
			sig = sum.recv + " (delivered as " + sum.sig + ")"
		}
		if sum.held != "" {
			add("stop: ", sum.held, " at ", log.Stamp(sum.at), " (held, never delivered), then ",
				sig, " at ", log.Stamp(sum.delayEnd), " (delivered at once)")
		} else {
			add("stop: ", sig, " at ", log.Stamp(sum.at))
		}
		if !sum.delayEnd.IsZero() {
			add("stop delay: ", log.Stamp(sum.at), " to ", log.Stamp(sum.delayEnd), " (", msec(sum.delayEnd.Sub(sum.at)),
				" of --stop-delay ", sum.delay.String(), "; ", sum.delayHow, ")")
		}
	} else {
		add("stop: none (the main child ended by itself)")
	}
	since := " after the stop"
	if !sum.stopped {
		since = " after the drain began"
	}
	if sum.childDone {
		when := msec(sum.childAfter) + " after the stop"
		if !sum.stopped {
			when = msec(sum.childAfter) + " after it started"
		}
		add("main child ", sum.child, ": ", sum.childDesc, ", ", when)
	}
	if sum.drained {
		add("drained with ", sum.drainSig, ": ", strconv.Itoa(len(sum.ended)+sum.endedMore), " process(es) ended")
	}
	for _, e := range sum.ended {
		add("  ", log.ProcName(e.p.Pid, e.p.Comm), ": ", e.status, ", ", msec(e.after), since)
	}
	if len(sum.killed) > 0 {
		add("killed (SIGKILL) at ", sum.killWhy, ", ", msec(sum.killAfter), since, ": ", strings.Join(sum.killed, ","))
	}
	if sum.logNote != "" {
		add("log: ", sum.logNote)
	}
	add("exit code ", strconv.Itoa(sum.code))
	return capReport(lines), len(strings.Join(lines, "\n")) + 1
}

// reportText renders the summary, and says in the log when the report
// file had to be cut.
func (s *supervisor) reportText(code int, logNote string) string {
	text, full := renderReport(s.summarize(code, logNote))
	if len(text) < full && s.cfg.ReportFile != "" {
		s.log.Report("report", "report file cut to 4 KiB, Kubernetes' limit for a termination message",
			log.Str("path", s.cfg.ReportFile), log.Num("bytes", full))
		s.log.Flush() // after the last flush: this line must not be left queued
	}
	return text
}

// capReport joins the lines; if they exceed reportMax bytes, it keeps the
// leading lines that fit, says so, and always keeps the last (the exit code).
func capReport(lines []string) string {
	full := strings.Join(lines, "\n") + "\n"
	if len(full) <= reportMax {
		return full
	}
	last := lines[len(lines)-1] + "\n"
	const cut = "... (cut to 4 KiB)\n"
	var b strings.Builder
	for _, l := range lines[:len(lines)-1] {
		if b.Len()+len(l)+1 > reportMax-len(cut)-len(last) {
			break
		}
		b.WriteString(l + "\n")
	}
	return b.String() + cut + last
}

func msec(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) + " ms" }

// writeReport writes the report in one write. A failure is a warning: the
// exit code is the app's, not the report's.
func (s *supervisor) writeReport(text string) {
	path := s.cfg.ReportFile
	if path == "" {
		return
	}
	if err := writeReportFile(path, text); err != nil {
		s.log.Warn("report", "cannot write the report file", log.Str("path", path), log.Str("error", err.Error()))
		s.log.Flush()
	}
}

// finishLog flushes the log and writes the report file: the last things
// ginit does. A run that never started its child (err) reports why.
func (s *supervisor) finishLog(code int, err error) {
	flushed := s.log.Flush()
	var text string
	switch {
	case err != nil:
		text = "ginit: " + err.Error() + "\nexit code " + strconv.Itoa(code) + "\n"
	case s.child.pid == 0:
		text = "stop: " + signals.Name(s.stop.recv) + " at " + log.Stamp(s.stop.at) +
			" (before the program started; it was not started)\nexit code " + strconv.Itoa(code) + "\n"
	default:
		text = s.reportText(code, s.log.Unwritten(flushed))
	}
	s.writeReport(text)
}
