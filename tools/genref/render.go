package main

import (
	"regexp"
	"strings"

	"github.com/ginit-dev/ginit/internal/cli"
)

// term is how an option is written: "-r, --rewrite FROM:TO".
func term(o cli.Opt) string {
	t := strings.Trim(o.Short+", "+o.Long, ", ")
	if o.Arg != "" {
		t += " " + o.Arg
	}
	return t
}

// wrap fills words into lines of at most width characters.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}

// helpRows writes rows as --help does: the term indented two spaces, the
// text from column col, wrapped at 79; a term too wide gets a line of its own.
func helpRows(b *strings.Builder, col int, rows [][2]string) {
	for _, r := range rows {
		text := wrap(r[1], 79-col)
		head := "  " + r[0]
		if len(head) > col-2 {
			b.WriteString(head + "\n")
		} else {
			text[0] = head + strings.Repeat(" ", col-len(head)) + text[0]
		}
		for i, l := range text {
			if i > 0 || len(head) > col-2 {
				l = strings.Repeat(" ", col) + l
			}
			b.WriteString(l + "\n")
		}
	}
}

var code = regexp.MustCompile("`([^`]*)`")

// plain drops the markup for --help.
func plain(s string) string { return code.ReplaceAllString(s, "$1") }

// Usage is the body of ginit --help after its fixed head.
func Usage() string {
	var b strings.Builder
	for _, group := range []struct {
		title string
		tini  bool
	}{{"tini's options:", true}, {"ginit's own:", false}} {
		b.WriteString("\n" + group.title + "\n")
		var rows [][2]string
		for _, o := range cli.Options {
			if o.Tini == group.tini {
				rows = append(rows, [2]string{term(o), plain(o.Help)})
			}
		}
		helpRows(&b, 21, rows)
	}
	b.WriteString("\nEnvironment (flags win; each GINIT_ variable wins over its TINI_ twin):\n")
	var rows [][2]string
	for _, v := range cli.Vars {
		rows = append(rows, [2]string{v.Name, plain(v.Help)})
	}
	helpRows(&b, 28, rows)
	b.WriteString("\nExit codes:\n")
	rows = nil
	for _, e := range cli.Exits {
		rows = append(rows, [2]string{e.Code, plain(e.Help)})
	}
	helpRows(&b, 10, rows)
	return b.String()
}

// roff escapes text for the man page and sets `code` in bold.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	s = code.ReplaceAllString(s, `\fB$1\fR`)
	var out []string
	for _, l := range wrap(s, 78) {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			l = `\&` + l
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n") + "\n"
}

// manTerm is an option's tag line: names in bold, the value in italics.
func manTerm(o cli.Opt) string {
	var names []string
	for _, n := range []string{o.Short, o.Long} {
		if n != "" {
			names = append(names, `\fB`+strings.ReplaceAll(n, "-", `\-`)+`\fR`)
		}
	}
	t := strings.Join(names, ", ")
	if o.Arg != "" {
		t += ` \fI` + o.Arg + `\fR`
	}
	return t
}

// ManOptions is the man page's OPTIONS, ENVIRONMENT and EXIT STATUS.
func Man() string {
	var b strings.Builder
	b.WriteString(".SH OPTIONS\n")
	for _, o := range cli.Options {
		b.WriteString(".TP\n" + manTerm(o) + "\n")
		b.WriteString(roff(o.Text + envAndDefault(o)))
	}
	b.WriteString(".PP\n" + roff(cli.SignalNames))
	b.WriteString(".SH ENVIRONMENT\n" + roff(cli.EnvPreamble))
	for _, v := range cli.Vars {
		b.WriteString(".TP\n.B " + v.Name + "\n" + roff(v.Text))
	}
	b.WriteString(".SH EXIT STATUS\n")
	for _, e := range cli.Exits {
		b.WriteString(".TP\n.B " + e.Code + "\n" + roff(e.Text))
	}
	return b.String()
}

// envAndDefault is what follows an option's text: its variables and default.
func envAndDefault(o cli.Opt) string {
	s := ""
	if len(o.Env) > 0 {
		s += " Environment: `" + strings.Join(o.Env, "`, `") + "`."
	}
	if o.Default != "" {
		s += " Default: " + o.Default + "."
	}
	return s
}

// value shows a value so that blanks and the empty string can be seen.
func value(v string) string {
	if v == "" || strings.TrimSpace(v) != v {
		return "`'" + v + "'`"
	}
	return "`" + v + "`"
}

func values(vs []string) string {
	var out []string
	for _, v := range vs {
		out = append(out, value(v))
	}
	return strings.Join(out, ", ")
}

// examples says which values the tests try, accepted and refused.
func examples(acc, ref []string) string {
	s := ""
	if len(acc) > 0 {
		s += " Accepted, e.g.: " + values(acc) + "."
	}
	if len(ref) > 0 {
		s += " A usage error (exit 1), e.g.: " + values(ref) + "."
	}
	return s
}

// Markdown is doc/reference.md's Options, Environment, Exit codes and Log
// levels.
func Markdown() string {
	var b strings.Builder
	b.WriteString("## Options\n\n")
	for _, o := range cli.Options {
		s := o.Text
		if o.See != "" {
			s += " See " + o.See + "."
		}
		item(&b, "`"+term(o)+"`", s+envAndDefault(o)+examples(o.Accepts, o.Refuses))
	}
	b.WriteString("\n" + strings.Join(wrap(cli.SignalNames, 75), "\n") + "\n\n## Environment\n\n" +
		strings.Join(wrap(cli.EnvPreamble, 75), "\n") + "\n\n")
	for _, v := range cli.Vars {
		item(&b, "`"+v.Name+"`", v.Text+examples(v.Accepts, v.Refuses))
	}
	b.WriteString("\n## Exit codes\n\n| ginit exits | when |\n| --- | --- |\n")
	for _, e := range cli.Exits {
		b.WriteString("| `" + e.Code + "` | " + strings.ReplaceAll(e.Text, "|", `\|`) + " |\n")
	}
	b.WriteString("\n## Log levels\n\n| level | shows |\n| --- | --- |\n")
	for _, l := range cli.Levels {
		b.WriteString("| " + l.Level + " | " + l.Shows + " |\n")
	}
	return b.String()
}

// item writes one list item, wrapped: "- **NAME**: text".
func item(b *strings.Builder, name, text string) {
	for i, l := range wrap("- **"+name+"**: "+text, 75) {
		if i > 0 {
			l = "  " + l
		}
		b.WriteString(l + "\n")
	}
}

// UsageGo is internal/cli/usage_gen.go.
func UsageGo() string {
	if strings.Contains(Usage(), "`") {
		panic("genref: a backtick in --help's text would end the raw string")
	}
	return "// Code generated by tools/genref from reference.go; DO NOT EDIT.\n\npackage cli\n\n" +
		"// usageBody is ginit --help after its head: the options, variables and exit codes.\n" +
		"const usageBody = `" + Usage() + "`\n"
}
