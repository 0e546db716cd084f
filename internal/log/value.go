package log

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// A process names itself (prctl PR_SET_NAME, or its file name), so what
// ginit logs of it is hostile input: a name like "x),99(evil" must not fake
// a list entry, and "\r" or ESC must not rewrite a terminal line.

// ListMax caps the processes named in one log line; ginit's drain also
// caps its per-process lines with it.
const ListMax = 20

// Proc is a process as a log line names it. The log keeps its own type,
// so that it depends on nothing of ginit's: any process type that says
// its pid and name (Named) can be listed.
type Proc struct {
	Pid  int
	Comm string
}

// Named is a process that can say its pid and name.
type Named interface{ LogName() (pid int, comm string) }

// LogName makes a Proc Named.
func (p Proc) LogName() (int, string) { return p.Pid, p.Comm }

// Procs is a field listing processes: in JSON an array of {"pid","cmd"}
// objects, in text "8(sh),53(sleep)". Up to ListMax are named; in text a
// last item "+N more" says how many were left out, in JSON a key KEY_more.
// Only those named are copied: a drain's list may hold thousands.
func Procs[P Named](k string, ps []P) Field {
	n := min(len(ps), ListMax)
	list := make([]Proc, n)
	for i := range n {
		list[i].Pid, list[i].Comm = ps[i].LogName()
	}
	return Field{k: k, list: list, more: len(ps) - n, isList: true}
}

// Plus adds n processes to those a list field says were left out: for a
// caller that kept only the first ListMax of a longer list.
func (f Field) Plus(n int) Field {
	f.more += n
	return f
}

// textList renders a list for text logs. Each name is escaped (listName),
// so the value never needs quoting, and an ordinary list reads as before.
func textList(b *strings.Builder, ps []Proc, more int) {
	if len(ps) == 0 && more == 0 {
		b.WriteString(`""`)
		return
	}
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(ProcName(p.Pid, p.Comm))
	}
	if more > 0 {
		b.WriteString(",+" + strconv.Itoa(more) + " more")
	}
}

func jsonList(b *strings.Builder, k string, ps []Proc, more int) {
	b.WriteByte('[')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"pid":` + strconv.Itoa(p.Pid) + `,"cmd":`)
		jsonString(b, p.Comm)
		b.WriteByte('}')
	}
	b.WriteByte(']')
	if more > 0 {
		b.WriteString(`,"` + k + `_more":` + strconv.Itoa(more))
	}
}

// ProcName is a process as a text list names it: "8(sh)", the name
// escaped (listName).
func ProcName(pid int, comm string) string {
	return strconv.Itoa(pid) + "(" + listName(comm) + ")"
}

// listName escapes, as \xHH per byte, every byte of a name that is not a
// printable character or that delimits a list item or a value: space " = \
// ( ) and comma. Ordinary names pass unchanged.
func listName(s string) string {
	if !strings.ContainsFunc(s, unsafeInList) && utf8.ValidString(s) {
		return s
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || unsafeInList(r) {
			for _, c := range []byte(s[i : i+n]) {
				b.WriteString(`\x` + string(hex[c>>4]) + string(hex[c&0xf]))
			}
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func unsafeInList(r rune) bool {
	return !strconv.IsPrint(r) || strings.ContainsRune(` "=\(),`, r)
}

// textSafe: a text value that can be written bare. Anything else is
// written Go-quoted, which escapes control bytes and invalid UTF-8.
func textSafe(v string) bool {
	return v != "" && utf8.ValidString(v) && !strings.ContainsFunc(v, func(r rune) bool {
		return !strconv.IsPrint(r) || strings.ContainsRune(` "=\`, r)
	})
}
