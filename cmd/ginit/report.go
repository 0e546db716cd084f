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

// reportText is the summary: what stopped ginit and when, how the main
// child ended, what was drained or killed and when, the exit code.
func (s *supervisor) reportText(code int, logNote string) string {
	var lines []string
	add := func(parts ...string) { lines = append(lines, strings.Join(parts, "")) }
	st := &s.stop
	if st.begun() {
		sig := signals.Name(st.sig)
		if st.recv != st.sig {
			sig = signals.Name(st.recv) + " (delivered as " + signals.Name(st.sig) + ")"
		}
		if st.held != 0 {
			add("stop: ", signals.Name(st.held), " at ", log.Stamp(st.at), " (held, never delivered), then ",
				sig, " at ", log.Stamp(st.delayEnd), " (delivered at once)")
		} else {
			add("stop: ", sig, " at ", log.Stamp(st.at))
		}
		if !st.delayEnd.IsZero() {
			add("stop delay: ", log.Stamp(st.at), " to ", log.Stamp(st.delayEnd), " (", msec(st.delayEnd.Sub(st.at)),
				" of --stop-delay ", s.cfg.StopDelay.String(), "; ", st.delayHow, ")")
		}
	} else {
		add("stop: none (the main child ended by itself)")
	}
	if s.child.done {
		when := msec(s.child.ended.Sub(s.child.started)) + " after it started"
		if st.begun() {
			when = msec(s.child.ended.Sub(st.at)) + " after the stop"
		}
		add("main child ", log.ProcName(s.child.pid, s.child.comm), ": ", s.child.desc, ", ", when)
	}
	if s.drain.begun() {
		add("drained with ", signals.Name(s.drain.sig), ": ", strconv.Itoa(len(s.outcome.ended)+s.outcome.endedMore), " process(es) ended")
	}
	since := " after the stop"
	if !st.begun() {
		since = " after the drain began"
	}
	for _, e := range s.outcome.ended {
		add("  ", log.ProcName(e.p.Pid, e.p.Comm), ": ", e.status, ", ", msec(e.after), since)
	}
	if len(s.outcome.killed) > 0 {
		var names []string
		for _, p := range s.outcome.killed[:min(len(s.outcome.killed), log.ListMax)] {
			names = append(names, log.ProcName(p.Pid, p.Comm))
		}
		if len(s.outcome.killed) > log.ListMax {
			names = append(names, "+"+strconv.Itoa(len(s.outcome.killed)-log.ListMax)+" more")
		}
		add("killed (SIGKILL) at ", s.outcome.killWhy, ", ", msec(s.outcome.killAfter), since, ": ", strings.Join(names, ","))
	}
	if logNote != "" {
		add("log: ", logNote)
	}
	add("exit code ", strconv.Itoa(code))
	text := capReport(lines)
	if full := len(strings.Join(lines, "\n")) + 1; len(text) < full && s.cfg.ReportFile != "" {
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
