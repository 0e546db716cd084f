package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The parser against the reference table: every option and variable the
// table names exists, every value it says is accepted parses, and every
// value it says is refused is a usage error (exit 1) that names it.
func TestParserAgreesWithReference(t *testing.T) {
	refused := func(args []string, env []string, names ...string) {
		t.Helper()
		_, err := Parse(args, envOf(env))
		if _, ok := err.(*usageError); !ok {
			t.Errorf("%q %q: %v; the reference says a usage error", args, env, err)
			return
		}
		for _, n := range names {
			if n != "" && strings.Contains(err.Error(), n) {
				return
			}
		}
		t.Errorf("%q %q: %q names none of %q", args, env, err, names)
	}
	for _, o := range Options {
		names := []string{o.Short, o.Long}
		for _, n := range names {
			if n == "" {
				continue
			}
			if o.Arg == "" {
				if _, err := Parse([]string{n, "prog"}, envOf(nil)); err != nil {
					t.Errorf("%s prog: %v", n, err)
				}
				continue
			}
			forms := func(v string) [][]string {
				f := [][]string{{n, v, "prog"}}
				if strings.HasPrefix(n, "--") {
					f = append(f, []string{n + "=" + v, "prog"})
				} else if v != "" {
					f = append(f, []string{n + v, "prog"}) // -e143
				}
				return f
			}
			if len(o.Accepts) == 0 {
				t.Errorf("%s: the reference names no value it accepts", n)
			}
			for _, v := range o.Accepts {
				for _, args := range forms(v) {
					if _, err := Parse(args, envOf(nil)); err != nil {
						t.Errorf("%q: %v; the reference says accepted", args, err)
					}
				}
			}
			for _, v := range o.Refuses {
				for _, args := range forms(v) {
					refused(args, nil, names...)
				}
			}
			if _, err := Parse([]string{n}, envOf(nil)); err == nil {
				t.Errorf("%s without a value parsed", n)
			}
		}
		for _, e := range o.Env {
			if !hasVar(e) {
				t.Errorf("%s names %s, which the reference's variables do not list", term(o), e)
			}
		}
	}
	for _, v := range Vars {
		for _, val := range v.Accepts {
			if _, err := Parse([]string{"prog"}, envOf([]string{v.Name + "=" + val})); err != nil {
				t.Errorf("%s=%q: %v; the reference says accepted", v.Name, val, err)
			}
		}
		for _, val := range v.Refuses {
			refused([]string{"prog"}, []string{v.Name + "=" + val}, v.Name)
		}
	}
}

func envOf(kv []string) func(string) (string, bool) { return env(kv...) }

func hasVar(name string) bool {
	for _, v := range Vars {
		if v.Name == name {
			return true
		}
	}
	return false
}

func term(o Opt) string { return strings.Trim(o.Short+", "+o.Long, ", ") }

// Every long option and variable the parser's source names is in the
// reference, so a new one cannot be added without its row.
func TestReferenceListsEveryOption(t *testing.T) {
	known := map[string]bool{}
	for _, o := range Options {
		known[o.Short], known[o.Long] = true, true
	}
	for _, v := range Vars {
		known[v.Name] = true
	}
	name := regexp.MustCompile(`"(--[a-z-]+|(?:GINIT|TINI)_[A-Z_]+[A-Z])"|case '([a-z])'`)
	found := 0
	for _, f := range []string{"config.go", "env.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range name.FindAllStringSubmatch(string(src), -1) {
			n := m[1]
			if m[2] != "" {
				n = "-" + m[2]
			}
			found++
			if !known[n] {
				t.Errorf("%s names %s; the reference (reference.go) does not", f, n)
			}
		}
	}
	if found < 20 {
		t.Errorf("found only %d names in the parser's source", found)
	}
}
