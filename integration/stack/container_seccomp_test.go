package stack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A seccomp profile that refuses one pidfd call, as Docker applies it
// (--security-opt seccomp=PROFILE; EPERM is Docker's answer): the shell
// wrapper's job must still be drained, and the drain line must say how.
func TestDockerSeccompPidfd(t *testing.T) {
	img := dockerImage(t)
	t.Parallel()
	for _, call := range []string{"pidfd_send_signal", "pidfd_open"} {
		t.Run(call, func(t *testing.T) {
			t.Parallel()
			profile := filepath.Join(t.TempDir(), "seccomp.json")
			os.WriteFile(profile, []byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["`+call+
				`"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`), 0o644)
			script := "echo starting; /app worker 2000 0; echo wrapper done"
			c := container(t, "--security-opt", "seccomp="+profile, img, "sh", "-c", script)
			logs(t, c, "worker ready")
			docker(t, "stop", "-t", "30", c)
			out := logs(t, c, "ginit exiting")
			if !strings.Contains(out, "worker: job done") {
				t.Errorf("the job did not finish:\n%s", out)
			}
			if want := `handles="pid and start time (` + call + `: operation not permitted)"`; !strings.Contains(out, want) {
				t.Errorf("the drain line does not say %s:\n%s", want, out)
			}
			if strings.Contains(out, "sent SIGKILL") {
				t.Errorf("a SIGKILL:\n%s", out)
			}
		})
	}
}
