package integration

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

// Behind another init (docker run --init, ECS initProcessEnabled), ginit is
// not PID 1. It registers as a subreaper by default, so the job its wrapper
// script leaves behind comes to ginit and is drained; with the default off,
// the job goes to tini and is lost, as it would be under tini alone.
func TestBehindTini(t *testing.T) {
	t.Parallel()
	tini := "/usr/bin/tini-static"
	if _, err := os.Stat(tini); err != nil {
		t.Skipf("SKIP: no %s (make deps installs Debian's tini)", tini)
	}
	for _, tc := range []struct {
		name string
		env  []string
		kept bool
	}{{"default", nil, true}, {"GINIT_SUBREAPER=0", []string{"GINIT_SUBREAPER=0"}, false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := start(t, opts{init: tini, args: append([]string{"--", ginit}, wrapper("1500")...), env: tc.env})
			r.expect("worker ready")
			r.signal(syscall.SIGTERM)
			r.wait()
			done := strings.Contains(r.stdout(), "worker: job done")
			if done != tc.kept {
				t.Errorf("job finished: %v, want %v\nstdout:\n%s\nstderr:\n%s", done, tc.kept, r.stdout(), r.stderr())
			}
			warned := strings.Contains(r.stderr(), "not PID 1 and not a child subreaper")
			if warned == tc.kept {
				t.Errorf("subreaper warning shown: %v, want %v:\n%s", warned, !tc.kept, r.stderr())
			}
		})
	}
}
