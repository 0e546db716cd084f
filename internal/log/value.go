package log

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ginit-dev/ginit/proctab"
)

// A process names itself (prctl PR_SET_NAME, or its file name), so what
// ginit logs of it is hostile input: a name like "x),99(evil" must not fake
// a list entry, and "\r" or ESC must not rewrite a terminal line.

// ListMax caps the processes named in one log line; ginit's drain also
// caps its per-process lines with it.
const ListMax = 20

// Procs is a field listing processes: in JSON an array of {"pid","cmd"}
// objects, in text "8(sh),53(sleep)". Up to ListMax are named; in text a
// last item "+N more" says how many were left out, in JSON a key KEY_more.
func Procs(k string, ps []proctab.Proc) Field {
	return Field{k: k, list: ps, isList: true}
}

// textList renders a list for text logs. Each name is escaped (listName),
// so the value never needs quoting, and an ordinary list reads as before.
func textList(b *strings.Builder, ps []proctab.Proc) {
	if len(ps) == 0 {
		b.WriteString(`""`)
		return
	}
	for i, p := range ps[:min(len(ps), ListMax)] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(ProcName(p))
	}
	if len(ps) > ListMax {
		b.WriteString(",+" + strconv.Itoa(len(ps)-ListMax) + " more")
	}
}

func jsonList(b *strings.Builder, k string, ps []proctab.Proc) {
	b.WriteByte('[')
	for i, p := range ps[:min(len(ps), ListMax)] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"pid":` + strconv.Itoa(p.Pid) + `,"cmd":`)
		jsonString(b, p.Comm)
		b.WriteByte('}')
	}
	b.WriteByte(']')
	if len(ps) > ListMax {
		b.WriteString(`,"` + k + `_more":` + strconv.Itoa(len(ps)-ListMax))
	}
}

// ProcName is a process as a text list names it: "8(sh)", the name
// escaped (listName).
func ProcName(p proctab.Proc) string {
	return strconv.Itoa(p.Pid) + "(" + listName(p.Comm) + ")"
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
