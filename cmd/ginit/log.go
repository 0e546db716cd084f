package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/ginit-dev/ginit/proctab"
)

// Log levels, tini's: 1 (the default) shows warnings and ginit's stop
// report; -v adds each forwarded signal; -vv reaping; -vvv the command line.
const (
	lvlError  = 0
	lvlWarn   = 1
	lvlReport = 1
	lvlInfo   = 2
	lvlDebug  = 3
	lvlTrace  = 4
)

// field is one key=value of a log line; num marks a JSON number.
type field struct {
	k, v   string
	num    bool
	isList bool
	list   []proctab.Proc // see procs
}

func str(k, v string) field     { return field{k: k, v: v} }
func num(k string, n int) field { return field{k: k, v: strconv.Itoa(n), num: true} }
func ms(k string, d time.Duration) field {
	return field{k: k, v: strconv.FormatInt(d.Milliseconds(), 10), num: true}
}

// logger writes one line per event to stderr, with a single write so a line
// never interleaves with what the child writes to the same file, through
// out, which never blocks the caller (logwriter.go).
type logger struct {
	level int
	json  bool
	out   *lineWriter
}

// log writes one event. name is the level's label: the stop report is
// labelled "info" but shown at the default level.
func (l *logger) log(level int, label, event, msg string, fs ...field) {
	if level > l.level {
		return
	}
	if l.out.dropped > 0 {
		fs = append(fs, num("log_lines_dropped", l.out.dropped))
	}
	var b strings.Builder
	if l.json {
		b.WriteString(`{"time":"`)
		b.WriteString(stamp(time.Now()))
		b.WriteString(`","level":"` + label + `","event":"` + event + `","msg":`)
		jsonString(&b, msg)
		for _, f := range fs {
			b.WriteString(`,"` + f.k + `":`)
			if f.isList {
				jsonList(&b, f.k, f.list)
			} else if f.num {
				b.WriteString(f.v)
			} else {
				jsonString(&b, f.v)
			}
		}
		b.WriteString("}\n")
	} else {
		b.WriteString("ginit: " + label + " " + msg)
		for _, f := range fs {
			b.WriteString(" " + f.k + "=")
			if f.isList {
				textList(&b, f.list)
			} else if f.num || textSafe(f.v) {
				b.WriteString(f.v)
			} else {
				b.WriteString(strconv.Quote(f.v))
			}
		}
		b.WriteString("\n")
	}
	if l.out.send([]byte(b.String())) {
		l.out.dropped = 0
	} else {
		l.out.dropped++
		l.out.lost++
	}
}

func (l *logger) errorf(event, msg string, fs ...field) { l.log(lvlError, "error", event, msg, fs...) }
func (l *logger) warn(event, msg string, fs ...field)   { l.log(lvlWarn, "warn", event, msg, fs...) }
func (l *logger) report(event, msg string, fs ...field) { l.log(lvlReport, "info", event, msg, fs...) }
func (l *logger) info(event, msg string, fs ...field)   { l.log(lvlInfo, "info", event, msg, fs...) }
func (l *logger) debug(event, msg string, fs ...field)  { l.log(lvlDebug, "debug", event, msg, fs...) }
func (l *logger) trace(event, msg string, fs ...field)  { l.log(lvlTrace, "trace", event, msg, fs...) }

// jsonString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD so
// every line parses, whatever a process named itself.
func jsonString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\u00`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		case r == 0x2028 || r == 0x2029: // valid JSON, but not in JavaScript strings
			b.WriteString(`\u202`)
			b.WriteByte(hex[r&0xf])
		default:
			b.WriteRune(r) // a bad byte decoded as U+FFFD and is written as such
		}
	}
	b.WriteByte('"')
}
