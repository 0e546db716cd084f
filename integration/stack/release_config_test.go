package stack

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// .goreleaser.yaml passes GoReleaser's own check, and the forge's release
// workflow, which cannot run here, is checked for what it must do: run
// the same GoReleaser version as the Makefile on a pushed tag, from a full
// clone, with the environment make release-env prints, and push the images
// make images builds, after govulncheck (pinned as in the Makefile) and
// with the signing key KEYS names; the CI workflow runs the same
// govulncheck. GoReleaser does not read workflows, and the tests
// take no YAML library (go.mod lists golang.org/x/sys alone), so the
// workflow is read line by line.
func TestHeavyGoreleaserCheck(t *testing.T) {
	tool := goreleaser(t)
	t.Parallel()
	cmd := exec.Command(tool, "check", ".goreleaser.yaml")
	cmd.Dir = itest.RootDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("goreleaser check: %v: %s", err, out)
	}
	t.Logf("goreleaser check:\n%s", out)

	cfg, err := os.ReadFile(filepath.Join(itest.RootDir, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env := makeVar(t, "release-env")
	for _, m := range regexp.MustCompile(`\.Env\.(\w+)`).FindAllStringSubmatch(string(cfg), -1) {
		// The signing key's fingerprint: make release sets it for its
		// throwaway key, the workflow's signing step from KEYS.
		if m[1] == "GINIT_GPG_FINGERPRINT" {
			continue
		}
		if !strings.Contains("\n"+env, "\n"+m[1]+"=") {
			t.Errorf(".goreleaser.yaml reads %s, which make release-env does not set:\n%s", m[1], env)
		}
	}

	wf, err := os.ReadFile(filepath.Join(itest.RootDir, ".github", "workflows", "release.yml"))
	if err != nil {
		t.Fatal(err)
	}
	mod := makeVar(t, "print-goreleaser")
	vuln := makeVar(t, "print-govulncheck")
	for i, l := range strings.Split(string(wf), "\n") {
		if strings.Contains(l, "\t") {
			t.Errorf("release.yml:%d: a tab (YAML indents with spaces)", i+1)
		}
		if s := strings.TrimLeft(l, " "); s != "" && !strings.HasPrefix(s, "#") && (len(l)-len(s))%2 != 0 {
			t.Errorf("release.yml:%d: odd indentation: %q", i+1, l)
		}
		if strings.Contains(l, "goreleaser/v2@") && !strings.Contains(l, mod+" ") {
			t.Errorf("release.yml:%d: %q, but the Makefile pins %s", i+1, strings.TrimSpace(l), mod)
		}
	}
	for _, want := range []string{
		"\non:\n  push:\n    tags: [\"v*\"]\n",
		"uses: actions/checkout@", "fetch-depth: 0",
		"uses: actions/setup-go@", "go-version-file: go.mod",
		`run: make -s release-env >> "$GITHUB_ENV"`,
		"run: go run " + mod + " release --clean\n",
		"GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
		"uses: docker/login-action@",
		"run: make images push-images IMAGE=",
		"run: go run " + vuln + " ./...\n",
		"--show-keys KEYS", `echo "GINIT_GPG_FINGERPRINT=$fpr" >> "$GITHUB_ENV"`,
		"GINIT_GPG_PRIVATE_KEY: ${{ secrets.GINIT_GPG_PRIVATE_KEY }}",
	} {
		if !strings.Contains(string(wf), want) {
			t.Errorf("release.yml has no %q", want)
		}
	}
	// govulncheck before anything is published or built.
	if v, g := strings.Index(string(wf), vuln), strings.Index(string(wf), mod); v < 0 || v > g {
		t.Errorf("release.yml does not run govulncheck before GoReleaser")
	}
	ci, err := os.ReadFile(filepath.Join(itest.RootDir, ".github", "workflows", "ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "run: go run "+vuln+" ./...\n") || strings.Contains(string(ci), "\t") {
		t.Errorf("ci.yml does not run %s (or holds a tab)", vuln)
	}
}
