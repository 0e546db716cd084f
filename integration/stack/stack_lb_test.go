package stack

// A rolling stop behind a real load balancer: Debian's haproxy on loopback
// in front of two Puma backends, A and B, each behind `bash startup.sh`
// under its own init, with steady traffic. A gets SIGTERM, and the
// balancer learns of it balancerLag later, as Kubernetes endpoints and an
// ALB's deregistration do: haproxy is configured without retries or
// redispatch, so it cannot hide a request sent to a backend that stopped
// listening, and the test disables A through haproxy's runtime API.

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

const (
	// balancerLag is how long after SIGTERM the balancer stops routing to A.
	balancerLag = 2 * time.Second
	// stopDelay is ginit's --stop-delay, longer than the lag.
	stopDelay = 5 * time.Second
	// trafficEvery is the steady traffic's pace: one request at a time.
	trafficEvery = 20 * time.Millisecond
)

// balancer is one haproxy.
type balancer struct {
	port int
	sock string        // its admin socket
	done chan struct{} // closed when it has exited
	out  *bytes.Buffer // what it said, read once done is closed
}

// haproxy runs one balancer for A and B.
func haproxy(t *testing.T, dir string, a, b int) *balancer {
	t.Helper()
	port, sock := freePort(t), filepath.Join(dir, "admin.sock")
	cfg := fmt.Sprintf(`global
    stats socket %s level admin
defaults
    mode http
    retries 0
    no option redispatch
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    balance roundrobin
    server a 127.0.0.1:%d
    server b 127.0.0.1:%d
`, sock, port, a, b)
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	lb := &balancer{port: port, sock: sock, done: make(chan struct{}), out: &bytes.Buffer{}}
	cmd := exec.Command("haproxy", "-db", "-f", path)
	cmd.Stdout, cmd.Stderr = lb.out, lb.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(lb.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-lb.done })
	return lb
}

// haproxyCmd sends one command to haproxy's runtime API.
func haproxyCmd(sock, cmd string) error {
	c, err := net.DialTimeout("unix", sock, itest.Patience)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(itest.Patience))
	if _, err := fmt.Fprintf(c, "%s\n", cmd); err != nil {
		return err
	}
	reply, _ := bufio.NewReader(c).ReadString(0) // haproxy closes after one command
	if reply = strings.TrimSpace(reply); reply != "" {
		return fmt.Errorf("haproxy: %s: %s", cmd, reply)
	}
	return nil
}

// rolled is what one rolling stop did to the traffic.
type rolled struct {
	ok, failed  int
	first, last time.Duration // the first and last failure, after SIGTERM
	took        time.Duration // A's PID 1, from SIGTERM to exit
	code        int
	err         error
}

// launchRoll starts A and B under init and the balancer; the function it
// returns runs the traffic and the rolling stop, on a goroutine of its own.
func launchRoll(t *testing.T, init string, args []string) func() rolled {
	t.Helper()
	o := itest.Opts{Args: args, Mount: true}
	if init != "" {
		path, err := exec.LookPath(init)
		if err != nil {
			return func() rolled { return rolled{err: errSkip} }
		}
		o.Init = path
	}
	var backends [2]*itest.Run
	var ports [2]int
	for i := range backends {
		dir := stackDir(t)
		ports[i] = freePort(t)
		o.Env = []string{"STACK_MARKS=" + dir, "PORT=" + strconv.Itoa(ports[i]), "PUMA_WORKERS=0"}
		backends[i] = itest.Start(t, o)
	}
	lb := haproxy(t, stackDir(t), ports[0], ports[1])
	return func() rolled { return roll(backends, ports, lb) }
}

// roll waits for the backends and the balancer, runs the traffic, and
// stops A; the balancer learns of it balancerLag later.
func roll(backends [2]*itest.Run, ports [2]int, lb *balancer) (res rolled) {
	port := lb.port
	for deadline := time.Now().Add(stackPatience); !listening(ports[0]) || !listening(ports[1]) || !listening(port); time.Sleep(50 * time.Millisecond) {
		for _, gone := range []<-chan struct{}{backends[0].Done(), backends[1].Done(), lb.done} {
			if res.err = stillUp(gone, deadline, "the backends and the balancer to listen"); res.err != nil {
				select {
				case <-lb.done:
					res.err = fmt.Errorf("%v; haproxy said: %s", res.err, lb.out)
				default:
				}
				return res
			}
		}
	}
	a := backends[0]
	var mu sync.Mutex
	var sent time.Time // SIGTERM's, zero before
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the steady traffic: one request after another, a new connection each
		defer wg.Done()
		c := &http.Client{Timeout: itest.Patience, Transport: &http.Transport{DisableKeepAlives: true}}
		for {
			resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/")
			good := err == nil && resp.StatusCode == 200
			if err == nil {
				resp.Body.Close()
			}
			mu.Lock()
			switch {
			case good:
				res.ok++
			case sent.IsZero():
				res.failed++ // before the stop: the stack is broken, and the verdict says so
			default:
				res.failed++
				if res.first == 0 {
					res.first = time.Since(sent)
				}
				res.last = time.Since(sent)
			}
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(trafficEvery):
			}
		}
	}()
	time.Sleep(time.Second) // steady traffic before the deploy: time is the subject
	mu.Lock()
	sent = time.Now()
	mu.Unlock()
	if res.err = a.Cmd.Process.Signal(syscall.SIGTERM); res.err != nil {
		close(stop)
		wg.Wait()
		return res
	}
	exited := make(chan time.Time, 1)
	go func() { <-a.Done(); exited <- time.Now() }()
	time.Sleep(balancerLag) // the balancer learns late: time is the subject
	res.err = haproxyCmd(lb.sock, "disable server be/a")
	var at time.Time
	select {
	case at = <-exited:
	case <-time.After(orchestratorDeadline):
		if res.err == nil {
			res.err = fmt.Errorf("backend A still running %v after SIGTERM", orchestratorDeadline)
		}
	}
	res.took, res.code = at.Sub(sent), a.Code()
	time.Sleep(time.Second) // traffic after A is gone, all of it to B
	close(stop)
	wg.Wait()
	backends[1].Cmd.Process.Signal(syscall.SIGTERM)
	<-backends[1].Done() // bounded: the test's cleanup kills it if it hangs
	return res
}

// launchRollingStop (TestHeavyStack): with --stop-delay longer than the
// balancer's lag, no request fails; without it, under ginit as under tini,
// those routed to A in the lag do.
func launchRollingStop(t *testing.T) func(*testing.T) {
	if why := missing("haproxy", "haproxy", "puma", "puma", "bash", "bash"); why != "" {
		return skipped(why)
	}
	bash := []string{"bash", filepath.Join(testdata("puma"), "startup.sh")}
	cases := []struct {
		name, init string
		args       []string
		fails      bool
	}{
		{"ginit --stop-delay 5s", "", append([]string{"--stop-delay", "5s", "--grace", "28s", "--"}, bash...), false},
		{"ginit", "", append([]string{"--"}, bash...), true},
		{"tini-static", "tini-static", append([]string{"--"}, bash...), true},
	}
	results := make([]rolled, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		rollIt := launchRoll(t, c.init, c.args)
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = rollIt() }()
	}
	return func(t *testing.T) {
		wg.Wait()
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := results[i]
				if r.err == errSkip {
					t.Skipf("SKIP: no %s (Debian's tini; `make deps` installs it)", c.init)
				}
				if r.err != nil {
					t.Fatal(r.err)
				}
				t.Logf("rolling stop, %s, balancer %v late: %d of %d requests failed (from %.1fs to %.1fs after SIGTERM); A exit %d %.1fs after SIGTERM",
					c.name, balancerLag, r.failed, r.ok+r.failed, r.first.Seconds(), r.last.Seconds(), r.code, r.took.Seconds())
				if c.fails && r.failed == 0 {
					t.Errorf("no request failed: the balancer's lag was not felt, so the test proves nothing")
				}
				if !c.fails && r.failed > 0 {
					t.Errorf("%d requests failed", r.failed)
				}
				if c.init == "" && r.code != 143 {
					t.Errorf("A's ginit exit %d, want 143", r.code)
				}
				if !c.fails && r.took < stopDelay {
					t.Errorf("A stopped %v after SIGTERM, before the %v stop delay", r.took, stopDelay)
				}
			})
		}
	}
}
