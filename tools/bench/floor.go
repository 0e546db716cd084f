package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/ginit-dev/ginit/signals"
)

// Go's floor: programs built with ginit's own flags, so that everyone can
// see what no Go program, and no Go init, can do better than.
var floorSources = map[string]string{
	// The least a Go program costs to start, and the smallest binary.
	"empty": "package main\n\nfunc main() {}\n",

	// The same, alive: the least resident memory and the idle wake-ups of
	// the runtime alone.
	"idle": `package main

import "syscall"

func main() {
	for {
		syscall.Pause()
	}
}
`,

	// The least Go init: os/signal for every signal ginit catches, one
	// child, forward everything, reap everything, exit with the child.
	// What os/signal and the runtime cost an init, without ginit's features.
	// CAUGHT is replaced by signals.Caught's list (see buildFloors).
	// The wide drain's floor (drainfloor.go): for the drain phase only.
	"drainfloor": drainFloorSource,
	// The memory phase's floor (memfloor.go).
	"memfloor": memFloorSource,

	"mininit": `package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	c := make(chan os.Signal, 128)
	var sigs []os.Signal
	for _, s := range []syscall.Signal{CAUGHT} {
		sigs = append(sigs, s)
	}
	signal.Notify(c, sigs...)
	argv := os.Args[1:]
	if len(argv) > 0 && argv[0] == "--" {
		argv = argv[1:]
	}
	child, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}})
	if err != nil {
		os.Exit(127)
	}
	for {
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if err == syscall.EINTR {
				continue
			}
			if pid <= 0 {
				break
			}
			if pid == child {
				os.Exit(ws.ExitStatus())
			}
		}
		s := (<-c).(syscall.Signal)
		if s != syscall.SIGCHLD {
			syscall.Kill(child, s)
		}
	}
}
`,
}

// buildFloors builds the floor programs into dir, in parallel, with ldflags.
func buildFloors(dir, ldflags string) (map[string]string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("building Go's floor needs the go command in PATH: %v", err)
	}
	// The module's go line: the toolchain's own language version.
	lang := strings.TrimPrefix(runtime.Version(), "go")
	if parts := strings.SplitN(lang, ".", 3); len(parts) >= 2 {
		lang = parts[0] + "." + strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' })
	}
	out := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for name := range floorSources {
		src := filepath.Join(dir, "src-"+name)
		bin := filepath.Join(dir, name)
		if err := os.MkdirAll(src, 0o755); err != nil {
			return nil, err
		}
		os.WriteFile(filepath.Join(src, "go.mod"), []byte("module floor\n\ngo "+lang+"\n"), 0o644)
		os.WriteFile(filepath.Join(src, "main.go"), []byte(strings.Replace(floorSources[name], "CAUGHT", caught(), 1)), 0o644)
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(goTool, "build", "-trimpath", "-ldflags", ldflags, "-o", bin, ".")
			cmd.Dir = src
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
			msg, err := cmd.CombinedOutput()
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("building the Go floor (%s): %v\n%s", name, err, msg)
			}
			out[name] = bin
		}()
	}
	wg.Wait()
	return out, firstErr
}

// caught is the signals ginit catches, as Go source: min-init catches the
// same, so that the two pay os/signal alike.
func caught() string {
	var nums []string
	for _, s := range signals.Caught(func(syscall.Signal) bool { return false }) {
		nums = append(nums, strconv.Itoa(int(s)))
	}
	return strings.Join(nums, ", ")
}
