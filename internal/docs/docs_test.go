// Package docs holds tests only: they keep the README, the man page, the
// pages under doc/ and `ginit --help` from drifting apart.
package docs

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/ginit-dev/ginit/internal/cli"
)

// root is the repository's top directory: this package sits two below it.
var root = filepath.Join("..", "..")

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// help builds ginit into a temporary directory and returns its --help.
func help(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ginit")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ginit")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--help").Output()
	if err != nil {
		t.Fatalf("ginit --help: %v", err)
	}
	return string(out)
}

// manText is the man page with roff's escapes and font changes taken out,
// as a reader sees it: `\-\-grace` reads `--grace`.
func manText(src string) string {
	src = regexp.MustCompile(`\\f[BIRP]`).ReplaceAllString(src, "")
	src = strings.ReplaceAll(src, `\-`, "-")
	src = strings.ReplaceAll(src, `\(en`, "-")
	var b strings.Builder
	for _, l := range strings.Split(src, "\n") {
		// Macros that set fonts (.B, .BR, .BI) hold text; drop the macro name.
		if strings.HasPrefix(l, ".") {
			if i := strings.IndexByte(l, ' '); i > 0 {
				l = l[i+1:]
			} else {
				continue
			}
		}
		b.WriteString(strings.ReplaceAll(l, `"`, " ") + "\n")
	}
	return b.String()
}

// section returns the part of md from the heading `## name` to the next
// heading of level 2 or above.
func section(t *testing.T, md, name string) string {
	t.Helper()
	i := strings.Index(md, "\n## "+name+"\n")
	if i < 0 {
		t.Fatalf("README has no section %q", name)
	}
	s := md[i+1:]
	if j := regexp.MustCompile(`\n#{1,2} `).FindStringIndex(s[3:]); j != nil {
		s = s[:j[0]+3]
	}
	return s
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// mentions reports whether text names name as a word of its own: "-s" is
// not found in "--stop-delay", nor "1" in "128+N".
func mentions(text, name string) bool {
	re := regexp.MustCompile(`(^|[^-\w+])` + regexp.QuoteMeta(name) + `($|[^-\w+])`)
	return re.MatchString(text)
}

// Every option, variable and exit code of the reference table
// (internal/cli/reference.go, from which go generate writes them) is in
// ginit --help as built, in the man page and in doc/reference.md; every
// option --help lists is in the table. tools/genref's test checks that the
// generated text is fresh; this one that it reaches the reader.
func TestReferenceAgrees(t *testing.T) {
	man := manText(read(t, "doc/ginit.1"))
	ref := read(t, "doc/reference.md")
	usage := help(t)

	var names []string
	for _, o := range cli.Options {
		for _, n := range []string{o.Short, o.Long} {
			if n != "" {
				names = append(names, n)
			}
		}
	}
	for _, v := range cli.Vars {
		names = append(names, v.Name)
	}
	for _, e := range cli.Exits {
		names = append(names, e.Code)
	}
	if len(names) < 30 {
		t.Fatalf("found only %d names in the reference table: %q", len(names), names)
	}
	for _, n := range names {
		if !mentions(usage, n) {
			t.Errorf("the reference table names %s; ginit --help does not", n)
		}
		if !mentions(man, n) {
			t.Errorf("the reference table names %s; the man page (doc/ginit.1) does not", n)
		}
		if !mentions(ref, n) {
			t.Errorf("the reference table names %s; doc/reference.md does not", n)
		}
	}
	// The options --help lists: the lines that start with one, indented.
	opt := regexp.MustCompile(`(?m)^  (-[\w-]+)(?:, (--[\w-]+))?`)
	var inHelp []string
	for _, m := range opt.FindAllStringSubmatch(usage, -1) {
		inHelp = append(inHelp, m[1])
		if m[2] != "" {
			inHelp = append(inHelp, m[2])
		}
	}
	if len(inHelp) < 14 {
		t.Fatalf("found only %d options in ginit --help: %q", len(inHelp), inHelp)
	}
	for _, o := range inHelp {
		if !contains(names, o) {
			t.Errorf("ginit --help lists %s; the reference table does not", o)
		}
	}
	// The README's section points at the reference instead of copying it.
	if !strings.Contains(section(t, read(t, "README.md"), "Options, variables, exit codes"), "(doc/reference.md") {
		t.Error("the README's section on options does not link to doc/reference.md")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// docs are the Markdown files whose links are checked.
func docs(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md"}
	pages, err := filepath.Glob(filepath.Join(root, "doc", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		rel, _ := filepath.Rel(root, p)
		files = append(files, rel)
	}
	if len(files) < 2 {
		t.Fatal("no pages under doc/")
	}
	return files
}

// anchors returns the GitHub anchors of md's headings: lower case, spaces
// to hyphens, every other character but letters, digits, - and _ dropped.
// Code blocks hold no headings.
func anchors(md string) map[string]bool {
	out := map[string]bool{}
	fence := false
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "```") {
			fence = !fence
		}
		if fence || !strings.HasPrefix(l, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(l, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(h) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		base := b.String()
		a := base
		for i := 1; out[a]; i++ { // GitHub numbers a repeated heading
			a = base + "-" + strconv.Itoa(i)
		}
		out[a] = true
	}
	return out
}

var link = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// Every relative link between the README and the pages under doc/ names a
// file that exists and, with #anchor, a heading in it.
func TestLinksResolve(t *testing.T) {
	checked := 0
	for _, f := range docs(t) {
		text := read(t, f)
		// Links inside code blocks and spans are examples, not links.
		text = regexp.MustCompile("(?s)```.*?```").ReplaceAllString(text, "")
		text = codeSpan.ReplaceAllString(text, "")
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(target, "#")
			dest := f
			if path != "" {
				dest = filepath.Join(filepath.Dir(f), path)
			}
			b, err := os.ReadFile(filepath.Join(root, dest))
			if err != nil {
				t.Errorf("%s: link %s: %v", f, target, err)
				continue
			}
			checked++
			if anchor != "" && !anchors(string(b))[anchor] {
				t.Errorf("%s: link %s: %s has no heading with anchor #%s", f, target, dest, anchor)
			}
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d relative links", checked)
	}
}
