package signals

import (
	"strings"
	"testing"
)

// FuzzParse: an accepted signal is 1..64 (0 only when allowed), and its
// name parses back to it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"SIGTERM", "term", "15", "0", "64", "65", "-1", "RTMIN+3", "SIGRTMIN+30", "RTMIN+", "SIG", "", "sigkill", "+15", "0x0f"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, allowZero bool) {
		sig, err := Parse(s, allowZero)
		if err != nil {
			if !strings.Contains(err.Error(), "not a valid signal") {
				t.Fatalf("%q: error %q", s, err)
			}
			return
		}
		if sig == 0 {
			if !allowZero {
				t.Fatalf("%q: zero accepted", s)
			}
			return
		}
		if sig < 1 || sig > MaxSignal {
			t.Fatalf("%q: %d out of range", s, sig)
		}
		if back, err := Parse(Name(sig), false); (err != nil || back != sig) && sig != 32 && sig != 33 {
			t.Fatalf("%q: %d named %q parses back to %d, %v", s, sig, Name(sig), back, err)
		}
	})
}

// FuzzParseRewrite: an accepted rule maps a forwarded signal to 0..64.
func FuzzParseRewrite(f *testing.F) {
	for _, s := range []string{"TERM:QUIT", "15:3", "1:0", "0:1", "9:1", "TERM:", ":TERM", "a:b:c", "SIGUSR1:SIGUSR2", "CHLD:TERM", "64:64"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		from, to, err := ParseRewrite(s)
		if err != nil {
			return
		}
		if !Forwarded(from) || to < 0 || to > MaxSignal {
			t.Fatalf("%q: accepted %d:%d", s, from, to)
		}
	})
}
