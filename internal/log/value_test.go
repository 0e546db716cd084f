package log

import (
	"strings"
	"testing"
)

func TestTextValues(t *testing.T) {
	for _, tc := range []struct{ comm, want string }{
		{"sh", "8(sh)"},
		{"sidekiq 7.0", `8(sidekiq\x207.0)`},
		{"x),99(evil", `8(x\x29\x2c99\x28evil)`},
		{"a\rb", `8(a\x0db)`},
		{"\x1b[2J", `8(\x1b[2J)`},
		{"caf\xe9", `8(caf\xe9)`},
		{"café", "8(café)"},
	} {
		var b strings.Builder
		textList(&b, []Proc{{Pid: 8, Comm: tc.comm}}, 0)
		if b.String() != tc.want {
			t.Errorf("%q: %s, want %s", tc.comm, b.String(), tc.want)
		}
	}
	for v, safe := range map[string]bool{"sh": true, "": false, "a b": false, "a\rb": false, "\x1b": false, "a=b": false, "\xff": false, "ü": true} {
		if textSafe(v) != safe {
			t.Errorf("textSafe(%q) = %v", v, !safe)
		}
	}
}

func TestJSONList(t *testing.T) {
	ps := make([]Proc, ListMax+2)
	for i := range ps {
		ps[i] = Proc{Pid: i + 1, Comm: `a"b`}
	}
	var b strings.Builder
	f := Procs("killed", ps[:1])
	jsonList(&b, f.k, f.list, f.more)
	if b.String() != `[{"pid":1,"cmd":"a\"b"}]` {
		t.Errorf("got %s", b.String())
	}
	b.Reset()
	f = Procs("killed", ps)
	jsonList(&b, f.k, f.list, f.more)
	if !strings.HasSuffix(b.String(), `],"killed_more":2`) || strings.Count(b.String(), `"pid"`) != ListMax {
		t.Errorf("got %s", b.String())
	}
	// A caller that kept only the first names says how many it left out.
	b.Reset()
	f = Procs("killed", ps[:3]).Plus(4)
	jsonList(&b, f.k, f.list, f.more)
	if !strings.HasSuffix(b.String(), `],"killed_more":4`) || strings.Count(b.String(), `"pid"`) != 3 {
		t.Errorf("got %s", b.String())
	}
}
