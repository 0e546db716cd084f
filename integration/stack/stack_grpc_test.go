package stack

// A Python gRPC service, the other half of issue 19's product, behind
// `bash startup.sh` without exec: one unary RPC in flight when the
// orchestrator stops the container. The server stops as gRPC advises, with
// a grace of 25 s for RPCs in flight (testdata/grpc/server.py).

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// slowRPC calls /slow.Slow/Sleep through testdata/grpc/client.py.
func slowRPC(w work) (string, error) {
	out, err := exec.Command("/usr/bin/python3", filepath.Join(testdata("grpc"), "client.py"),
		strconv.Itoa(w.port), strconv.Itoa(int(stackWork.Seconds()))).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// launchGRPC (TestHeavyStack): the in-flight RPC completes under ginit,
// and is cut under every anchor.
func launchGRPC(t *testing.T) func(*testing.T) {
	if why := missing("bash", "bash", "/usr/bin/python3", "python3"); why != "" {
		return skipped(why)
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import grpc").Run(); err != nil {
		return skipped("SKIP: no grpc module for /usr/bin/python3 (Debian's python3-grpcio; `make deps` installs it)")
	}
	bash := []string{"bash", filepath.Join(testdata("grpc"), "startup.sh")}
	cases := []stackCase{
		{name: "ginit", args: append([]string{"--"}, bash...), want: completed, code: 143},
		{name: "ginit -g", args: append([]string{"-g", "--"}, bash...), want: completed, code: 143},
		{name: "ginit --grace 28s", args: append([]string{"--grace", "28s", "--"}, bash...), want: completed, code: 143},
	}
	cases = append(cases, anchors(bash...)...)
	for i := range cases {
		cases[i].name = "grpc, " + cases[i].name
	}
	app := stackApp{ready: listening, request: slowRPC, reply: "slept " + strconv.Itoa(int(stackWork.Seconds()))}
	return launchStack(t, app, cases, nil)
}
