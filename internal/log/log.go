// Package log is ginit's log: one line per event on stderr, text
// ("ginit: LEVEL message key=value ...") or one JSON object a line, at
// tini's levels; the values it writes, escaped because a process names
// itself; the UTC time stamp; and the writer that never lets a stalled
// stderr block the supervision loop (writer.go).
package log

import (
	"strconv"
	"strings"
	"time"
)

// Log levels, tini's: 1 (the default) shows warnings and ginit's stop
// report; -v adds each forwarded signal; -vv reaping; -vvv the command line.
const (
	LevelError  = 0
	LevelWarn   = 1
	LevelReport = 1
	LevelInfo   = 2
	LevelDebug  = 3
	LevelTrace  = 4
)

// Field is one key=value of a log line; num marks a JSON number.
type Field struct {
	k, v   string
	num    bool
	isList bool
	list   []Proc // see Procs
	more   int    // processes left out of list
}

// Str is a string value, quoted in text when it must be (textSafe).
func Str(k, v string) Field { return Field{k: k, v: v} }

// Num is a number.
func Num(k string, n int) Field { return Field{k: k, v: strconv.Itoa(n), num: true} }

// Ms is a duration in whole milliseconds; keys end in _ms.
func Ms(k string, d time.Duration) Field {
	return Field{k: k, v: strconv.FormatInt(d.Milliseconds(), 10), num: true}
}

// Logger writes one line per event to stderr, with a single write so a line
// never interleaves with what the child writes to the same file, through
// out, which never blocks the caller (writer.go).
type Logger struct {
	level int
	json  bool
	out   *lineWriter
	to    func(line string) // NewFunc's: lines go there instead
}

// New is a logger that shows events up to level (tini's: 1 by default),
// in JSON lines when json is set, on stderr.
func New(level int, json bool) *Logger {
	return &Logger{level: level, json: json, out: &lineWriter{fd: 2}}
}

// NewFunc is a logger whose lines go to write, at once, in the caller's
// goroutine, instead of stderr: for the supervisor's unit tests, which
// read what it said.
func NewFunc(level int, json bool, write func(line string)) *Logger {
	return &Logger{level: level, json: json, out: &lineWriter{fd: -1}, to: write}
}

// Log writes one event. label is the level's name: the stop report is
// labelled "info" but shown at the default level.
func (l *Logger) Log(level int, label, event, msg string, fs ...Field) {
	if level > l.level {
		return
	}
	if l.to != nil {
		l.to(Line(l.json, time.Now(), label, event, msg, fs...))
		return
	}
	if l.out.dropped > 0 {
		fs = append(fs, Num("log_lines_dropped", l.out.dropped))
	}
	if l.out.send([]byte(Line(l.json, time.Now(), label, event, msg, fs...))) {
		l.out.dropped = 0
	} else {
		l.out.dropped++
		l.out.lost++
	}
}

// Line renders one event as a text or JSON line, newline included.
func Line(json bool, now time.Time, label, event, msg string, fs ...Field) string {
	var b strings.Builder
	if json {
		b.WriteString(`{"time":"`)
		b.WriteString(Stamp(now))
		b.WriteString(`","level":"` + label + `","event":"` + event + `","msg":`)
		jsonString(&b, msg)
		for _, f := range fs {
			b.WriteString(`,"` + f.k + `":`)
			if f.isList {
				jsonList(&b, f.k, f.list, f.more)
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
				textList(&b, f.list, f.more)
			} else if f.num || textSafe(f.v) {
				b.WriteString(f.v)
			} else {
				b.WriteString(strconv.Quote(f.v))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Error, Warn, Report, Info, Debug and Trace log at their level. Report is
// the stop report's: labelled info, but shown at the default level.
func (l *Logger) Error(event, msg string, fs ...Field) { l.Log(LevelError, "error", event, msg, fs...) }
func (l *Logger) Warn(event, msg string, fs ...Field)  { l.Log(LevelWarn, "warn", event, msg, fs...) }
func (l *Logger) Report(event, msg string, fs ...Field) {
	l.Log(LevelReport, "info", event, msg, fs...)
}
func (l *Logger) Info(event, msg string, fs ...Field)  { l.Log(LevelInfo, "info", event, msg, fs...) }
func (l *Logger) Debug(event, msg string, fs ...Field) { l.Log(LevelDebug, "debug", event, msg, fs...) }
func (l *Logger) Trace(event, msg string, fs ...Field) { l.Log(LevelTrace, "trace", event, msg, fs...) }

// Flush waits until every buffered line is written, stderr is broken, or
// a second has passed; it reports whether everything went out.
func (l *Logger) Flush() bool { return l.to != nil || l.out.flush() }

// StartWriter starts the writer's thread now rather than at the first
// line, and returns once it exists: see cmd/ginit/threads.go.
func (l *Logger) StartWriter() {
	l.out.mu.Lock()
	defer l.out.mu.Unlock()
	l.out.start()
}

// Unwritten describes what of the log never reached stderr, for the report
// file; "" when everything did. flushed is what the last Flush returned.
func (l *Logger) Unwritten(flushed bool) string { return l.out.unwritten(flushed) }

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
