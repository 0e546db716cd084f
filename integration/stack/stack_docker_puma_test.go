package stack

// Puma in Docker: the app of stack_puma_test.go in an image made from this
// machine's own Debian files (docker import; no registry can be reached),
// ginit as its ENTRYPOINT, stopped with `docker stop -t 30`, beside the same
// image under `docker run --init` (Docker's own docker-init, tini).

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

var pumaImage = lazyImage{build: buildPumaImage}

// buildPumaImage imports a root file system holding the installed files of
// bash, dash, coreutils, puma and ruby-rack and of everything they depend
// on, then adds ginit and the app. Both images are removed at exit.
func buildPumaImage() (string, bool, error) {
	files := []string{"startup.sh", "puma.rb", "config.ru"}
	copies := [][2]string{{itest.Ginit, "ginit"}}
	for _, f := range files {
		copies = append(copies, [2]string{filepath.Join(testdata("puma"), f), f})
	}
	body := "COPY ginit /ginit\nCOPY " + strings.Join(files, " ") + " /app/\n" +
		"ENTRYPOINT [\"/ginit\", \"--\"]\nCMD [\"bash\", \"/app/startup.sh\"]\n"
	return debianImage("puma", []string{"bash", "dash", "coreutils", "puma", "ruby-rack"}, copies, body)
}

// launchDockerPuma (TestHeavyStack): `docker stop -t 30` of Puma behind
// bash startup.sh, with a 12 s request in flight: saved with ginit as the
// ENTRYPOINT, lost under `docker run --init`.
func launchDockerPuma(t *testing.T) func(*testing.T) {
	if why := missing("puma", "puma", "bash", "bash", "dash", "dash"); why != "" {
		return skipped(why)
	}
	img, skip, fail := pumaImage.get()
	if skip != "" {
		return skipped(skip)
	}
	if fail != "" {
		return func(t *testing.T) { t.Fatalf("building the Puma image: %s", fail) }
	}
	cases := []struct {
		name string
		run  []string // docker run's options
		args []string // after the image
		want string
		code int // the container's exit code; -1: not checked
	}{
		{"docker, ENTRYPOINT [\"/ginit\", \"--\"]", nil, nil, completed, 143},
		{"docker run --init", []string{"--init", "--entrypoint", "bash"}, []string{"/app/startup.sh"}, lost, -1},
	}
	results := make([]served, len(cases))
	names := make([]string, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		dir, port := stackDir(t), freePort(t)
		args := []string{"--network", "host", "-v", dir + ":" + dir,
			"-e", "STACK_MARKS=" + dir, "-e", "PORT=" + strconv.Itoa(port), "-e", "PUMA_WORKERS=0"}
		args = append(append(append(args, c.run...), img), c.args...)
		names[i] = container(t, args...)
		wg.Add(1)
		app := stackApp{ready: listening, request: slowGet, reply: slept}
		go func() { defer wg.Done(); results[i] = dockerStop(app, names[i], work{port: port, dir: dir}) }()
	}
	return func(t *testing.T) {
		t.Logf("image %s built in %.1fs", img, pumaImage.took.Seconds())
		wg.Wait()
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s := results[i]
				logs, _ := exec.Command("docker", "logs", names[i]).CombinedOutput()
				if s.err != nil {
					t.Fatalf("%v\ndocker logs:\n%s", s.err, logs)
				}
				t.Log(s.line(c.name))
				if s.fate != c.want {
					t.Errorf("the request was %s, want %s (the client got %q)", s.fate, c.want, s.reply)
				}
				if c.code >= 0 && s.code != c.code {
					t.Errorf("exit code %d, want %d", s.code, c.code)
				}
				if c.want == completed && s.killed {
					t.Errorf("docker stop took %v: it had to SIGKILL the container", s.took)
				}
				if t.Failed() {
					t.Logf("docker logs:\n%s", logs)
				}
			})
		}
	}
}

// dockerStop waits for the app in the container, starts the work, and 1 s
// into it stops the container as a deploy does: `docker stop -t 30`.
func dockerStop(app stackApp, name string, w work) (s served) {
	gone := make(chan struct{})
	w.gone = gone
	go func() {
		exec.Command("docker", "wait", name).Run()
		close(gone)
	}()
	for deadline := time.Now().Add(stackPatience); !app.ready(w.port); time.Sleep(50 * time.Millisecond) {
		if s.err = stillUp(w.gone, deadline, "the app to listen"); s.err != nil {
			return s
		}
	}
	type result struct {
		reply string
		at    time.Time
	}
	replies := make(chan result, 1)
	go func() {
		reply, err := app.request(w)
		if err != nil {
			reply = "error: " + err.Error()
		}
		replies <- result{reply, time.Now()}
	}()
	for deadline := time.Now().Add(stackPatience); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(w.dir, "started")); err == nil {
			break
		}
		if s.err = stillUp(w.gone, deadline, "the work to start"); s.err != nil {
			return s
		}
	}
	time.Sleep(stackInto) // time is the subject: the stop comes 1 s into the work
	s.sent = time.Now()
	if out, err := exec.Command("docker", "stop", "-t", strconv.Itoa(int(orchestratorDeadline.Seconds())), name).CombinedOutput(); err != nil {
		s.err = fmt.Errorf("docker stop: %v: %s", err, out)
		return s
	}
	s.took = time.Since(s.sent)
	s.killed = s.took >= orchestratorDeadline // docker stop does not say whether it had to
	<-w.gone
	out, err := exec.Command("docker", "inspect", "-f", "{{.State.ExitCode}}", name).Output()
	if err != nil {
		s.err = fmt.Errorf("docker inspect: %v", err)
		return s
	}
	if s.code, err = strconv.Atoi(strings.TrimSpace(string(out))); err != nil {
		s.err = fmt.Errorf("docker inspect: the exit code: %v %s", err, out)
		return s
	}
	select {
	case res := <-replies:
		s.reply, s.replyAt = res.reply, res.at
	case <-time.After(itest.Patience):
		s.err = fmt.Errorf("the client has no reply %v after the container stopped", itest.Patience)
		return s
	}
	s.fate = lost
	if s.reply == app.reply {
		s.fate = completed
	}
	return s
}
