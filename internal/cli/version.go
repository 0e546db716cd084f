package cli

import (
	"strings"
	_ "unsafe" // go:linkname
)

// modinfo is the build information the go command embeds in every binary,
// the string runtime/debug.ReadBuildInfo parses. ReadBuildInfo itself would
// link in fmt and reflect (the size rule, internal/rawfile). The runtime
// exports this symbol to runtime/debug with a push linkname, which is what
// lets the linker accept this reference (cmd/link's checkLinkname).
//
//go:linkname modinfo runtime/debug.modinfo
func modinfo() string

// versionAndCommit is what the Makefile stamped (main.version and
// main.commit, passed in) or, for `go build` and `go install ...@VERSION`,
// what the go command recorded in the binary. Only --version and the usage
// call it: nothing is read at start-up.
func versionAndCommit(version, commit string) (v, c string) {
	v, c = version, commit
	if v != "dev" && c != "unknown" {
		return sanitize(v, "dev", false), sanitize(c, "unknown", true)
	}
	mv, rev := buildInfo(modinfo())
	if v == "dev" && mv != "" && mv != "(devel)" {
		v = mv
	}
	if c == "unknown" && len(rev) >= 7 {
		c = rev[:7]
	}
	if c == "unknown" {
		c = pseudoCommit(v)
	}
	return sanitize(v, "dev", false), sanitize(c, "unknown", true)
}

// buildInfo returns the main module's version and the vcs.revision setting
// from the text runtime/debug.ParseBuildInfo reads: 16 bytes of magic on
// either side of lines "mod\tPATH\tVERSION\tSUM" and "build\tKEY=VALUE".
func buildInfo(s string) (version, revision string) {
	if len(s) < 32 {
		return "", ""
	}
	for line := range strings.SplitSeq(s[16:len(s)-16], "\n") {
		f := strings.Split(line, "\t")
		switch {
		case len(f) >= 3 && f[0] == "mod":
			version = f[2]
		case len(f) == 2 && f[0] == "build":
			if r, ok := strings.CutPrefix(f[1], "vcs.revision="); ok {
				revision = r
			}
		}
	}
	return version, revision
}

// pseudoCommit is the commit a pseudo-version names (go install ...@main
// gives v0.0.0-20261124232506-0dd73c7abcde), or "unknown".
func pseudoCommit(v string) string {
	v, _, _ = strings.Cut(v, "+") // +incompatible, +dirty
	i := strings.LastIndexByte(v, '-')
	if i < 0 || len(v)-i-1 != 12 {
		return "unknown"
	}
	h := v[i+1:]
	for _, r := range h {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return "unknown"
		}
	}
	return h[:7]
}

// sanitize keeps the line parseable by dockerd's parseInitVersion, which
// splits on " - " and takes the commit as what follows "git." up to any
// further dot.
func sanitize(s, empty string, isCommit bool) string {
	s = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f || isCommit && r == '.' {
			return '_'
		}
		return r
	}, s)
	if s == "" {
		return empty
	}
	return s
}
