package log

import (
	"strings"
	"testing"
)

func TestJSONString(t *testing.T) {
	for in, want := range map[string]string{
		`a"b\c`:      `"a\"b\\c"`,
		"x\ny\t\x01": `"x\ny\t\u0001"`,
		"\xff":       "\"\uFFFD\"",
		"\u2028":     `"\u2028"`,
	} {
		var b strings.Builder
		jsonString(&b, in)
		if b.String() != want {
			t.Errorf("jsonString(%q) = %s, want %s", in, b.String(), want)
		}
	}
}
