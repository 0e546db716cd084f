package cli

import (
	"os"
	"runtime/debug"
	"strings"
	"testing"
)

// parseInitVersion is moby's (daemon/info_unix.go), which reads
// `INIT --version` for docker info when ginit is dockerd's --init-path.
func parseInitVersion(v string) (version, commit string) {
	parts := strings.Split(v, " - ")
	if len(parts) >= 2 {
		gitParts := strings.Split(strings.TrimSpace(parts[1]), ".")
		if len(gitParts) == 2 && gitParts[0] == "git" {
			commit = gitParts[1]
		}
	}
	parts[0] = strings.TrimSpace(parts[0])
	return strings.TrimPrefix(parts[0], "ginit version "), commit
}

func TestVersionFromBuildInfo(t *testing.T) {
	magic := strings.Repeat("x", 16)
	info := magic + "path\tgithub.com/ginit-dev/ginit/cmd/ginit\n" +
		"mod\tgithub.com/ginit-dev/ginit\tv1.2.3\th1:abc=\n" +
		"dep\tgolang.org/x/sys\tv0.49.0\th1:def=\n" +
		"build\t-trimpath=true\nbuild\tvcs.revision=0dd73c7abcdef0123456789\nbuild\tvcs.modified=false\n" + magic
	if v, r := buildInfo(info); v != "v1.2.3" || r != "0dd73c7abcdef0123456789" {
		t.Errorf("buildInfo = %q, %q", v, r)
	}
	if v, r := buildInfo("short"); v != "" || r != "" {
		t.Errorf("buildInfo of garbage = %q, %q", v, r)
	}
	for v, want := range map[string]string{
		"v0.0.0-20261124232506-0dd73c7abcde":         "0dd73c7",
		"v0.1.1-0.20261124232506-0dd73c7abcde+dirty": "0dd73c7",
		"v1.2.3":          "unknown",
		"v1.2.3-rc.1":     "unknown",
		"v0.0.0-x-0dd73c": "unknown",
	} {
		if got := pseudoCommit(v); got != want {
			t.Errorf("pseudoCommit(%q) = %q, want %q", v, got, want)
		}
	}
}

// The test binary carries build information as ginit does; what
// versionAndCommit makes of it must agree with runtime/debug's reading
// and stay parseable by dockerd.
func TestVersionLineParseable(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information in the test binary")
	}
	v, _ := buildInfo(modinfo())
	if v != bi.Main.Version {
		t.Errorf("buildInfo reads version %q, runtime/debug %q", v, bi.Main.Version)
	}
	for _, vc := range [][2]string{{"dev", "unknown"}, {"0.1.0-dev", "0dd73c7"}, {"v1 - evil", "a.b c"}} {
		line := VersionLine(vc[0], vc[1])
		pv, pc := parseInitVersion(strings.TrimSpace(line))
		if pv == "" || pc == "" || strings.ContainsAny(pv+pc, " \t\n") {
			t.Errorf("dockerd reads %q as version %q, commit %q", line, pv, pc)
		}
	}
}

// The LICENSE file and `ginit -l` are one text.
func TestLicenseFile(t *testing.T) {
	b, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != License {
		t.Error("LICENSE differs from the text ginit -l prints")
	}
}
