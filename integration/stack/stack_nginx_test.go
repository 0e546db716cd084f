package stack

// nginx behind `bash startup.sh` without exec, proxying one slow request
// to a backend (the test's own) when the orchestrator stops the container.
// nginx's graceful stop is SIGQUIT, so the README says -r TERM:QUIT; bash
// ignores SIGQUIT in every mode, so ginit must deliver it below bash.

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// slowBackend answers /slow?s=N&dir=D after N seconds, having recorded the
// request's start in D; it is stopped when the test ends.
func slowBackend(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seconds, _ := strconv.Atoi(r.URL.Query().Get("s"))
		path := filepath.Join(r.URL.Query().Get("dir"), "started")
		os.WriteFile(path+".tmp", []byte(time.Now().String()), 0o644)
		os.Rename(path+".tmp", path) // appears whole, or not at all
		select {
		case <-time.After(time.Duration(seconds) * time.Second):
			io.WriteString(w, "slept "+strconv.Itoa(seconds)+"\n")
		case <-r.Context().Done(): // nginx gave up on it
		}
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// proxiedGet asks nginx for the backend's slow endpoint.
func proxiedGet(w work) (string, error) {
	c := &http.Client{Timeout: stackPatience, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(w.port) + "/slow?s=" + strconv.Itoa(int(stackWork.Seconds())) +
		"&dir=" + url.QueryEscape(w.dir))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.Status + " " + string(b), err
}

// launchNginx (TestHeavyStack): with -r TERM:QUIT the proxied request in
// flight completes and ginit exits within a second of nginx; under the
// anchors (SIGTERM, nginx's fast stop, or none at all) it is cut.
func launchNginx(t *testing.T) func(*testing.T) {
	if why := missing("nginx", "nginx", "bash", "bash"); why != "" {
		return skipped(why)
	}
	env := []string{"BACKEND_PORT=" + strconv.Itoa(slowBackend(t))}
	bash := []string{"bash", filepath.Join(testdata("nginx"), "startup.sh")}
	quit := []string{"-r", "TERM:QUIT"}
	cases := []stackCase{
		// nginx exits 0 after a graceful stop, and so does bash after it.
		{name: "ginit -r TERM:QUIT", args: append(append(quit, "--"), bash...), want: completed, code: 0},
		{name: "ginit -g -r TERM:QUIT", args: append(append([]string{"-g"}, quit...), append([]string{"--"}, bash...)...), want: completed, code: 0},
		{name: "ginit --grace 28s -r TERM:QUIT", args: append(append([]string{"--grace", "28s"}, quit...), append([]string{"--"}, bash...)...), want: completed, code: 0},
		// Without -r nginx gets SIGTERM from the drain: its fast stop.
		{name: "ginit (no -r)", args: append([]string{"--"}, bash...), want: lost, code: 143},
		// dumb-init signals the group: bash ignores SIGQUIT, nginx stops gracefully.
		{name: "dumb-init --rewrite 15:3", init: "dumb-init", args: append([]string{"--rewrite", "15:3", "--"}, bash...), code: -1},
	}
	cases = append(cases, anchors(bash...)...)
	for i := range cases {
		cases[i].name = "nginx, " + cases[i].name
		cases[i].env = env
	}
	app := stackApp{ready: listening, request: proxiedGet, reply: slept, exits: true}
	return launchStack(t, app, cases, func(t *testing.T, c stackCase, s served, r *itest.Run) {
		if c.init != "" || c.want != completed {
			return
		}
		if s.appGone.IsZero() {
			t.Errorf("nginx's exit was not seen")
		} else if d := s.exitAt.Sub(s.appGone); d > time.Second {
			t.Errorf("ginit exited %v after nginx, want within a second", d)
		}
		if !strings.Contains(c.name, "-g") && !strings.Contains(r.Stderr(), "bash ignores SIGQUIT: delivered to the processes below it") {
			t.Errorf("ginit did not say why nginx got SIGQUIT from it")
		}
	})
}
