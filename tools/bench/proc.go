package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ginit-dev/ginit/internal/launch"
)

var devNull *os.File

// timedRun runs argv as PID 1 of a new PID namespace, stdio on /dev/null,
// and returns the time from before the fork until wait4 returned.
func timedRun(argv []string) (time.Duration, error) {
	attr := &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{devNull.Fd(), devNull.Fd(), devNull.Fd()},
		Sys:   launch.Attr(launch.Spec{}),
	}
	start := time.Now()
	pid, err := syscall.ForkExec(argv[0], argv, attr)
	if err != nil {
		if launch.Refused(err) {
			return 0, fmt.Errorf("%w: %v", launch.ErrNoNamespace, err)
		}
		return 0, fmt.Errorf("%s: %v", argv[0], err)
	}
	var ws syscall.WaitStatus
	for {
		_, err = syscall.Wait4(pid, &ws, 0, nil)
		if err != syscall.EINTR {
			break
		}
	}
	d := time.Since(start)
	if err == nil && (!ws.Exited() || ws.ExitStatus() != 0) {
		err = fmt.Errorf("%q ended with status %#x", argv, ws)
	}
	return d, err
}

// running is a long-lived init with a helper child, talking over pipes.
type running struct {
	name   string
	cmd    *exec.Cmd
	in     *os.File
	out    *os.File
	lines  *bufio.Reader
	stderr bytes.Buffer
}

// start runs argv, an init over a helper (or a program alone), as PID 1
// of a new PID namespace.
func start(name string, argv []string) (*running, error) {
	return startSpec(name, launch.Spec{Argv: argv, Env: []string{launch.HelperEnv}})
}

// startSpec runs s, as start does.
func startSpec(name string, s launch.Spec) (*running, error) {
	cmd := launch.Command(s)
	r := &running{name: name, cmd: cmd}
	cmd.Stderr = &r.stderr
	var err error
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	r.in = in.(*os.File)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	r.out = out.(*os.File)
	r.lines = bufio.NewReader(r.out)
	if err := cmd.Start(); err != nil {
		if launch.Refused(err) {
			return nil, fmt.Errorf("%w: %v", launch.ErrNoNamespace, err)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return r, nil
}

// line reads the next line the helper wrote, within patience.
func (r *running) line(patience time.Duration) (string, error) {
	r.out.SetReadDeadline(time.Now().Add(patience))
	l, err := r.lines.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("%s: no answer from its child (%v); stderr: %s", r.name, err, strings.TrimSpace(r.stderr.String()))
	}
	return strings.TrimSuffix(l, "\n"), nil
}

func (r *running) send(s string) error {
	_, err := r.in.WriteString(s + "\n")
	return err
}

// stop kills the init; as PID 1 its namespace goes with it.
func (r *running) stop() {
	r.cmd.Process.Kill()
	r.cmd.Wait()
}

// procStatus returns the number after key in /proc/pid/status ("VmRSS:").
func procStatus(path, key string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	return statusField(b, key)
}

// statusField returns the number after key in the text of a status file.
func statusField(b []byte, key string) int {
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	return -1
}

// threads lists the thread ids of pid.
func threads(pid int) []string {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var ids []string
	for _, e := range ents {
		ids = append(ids, e.Name())
	}
	return ids
}

// switches counts the context switches of every thread of pid so far: each
// is the thread going to sleep or being put off the CPU, so, for an idle
// process, one wake-up.
func switches(pid int) int {
	n := 0
	for _, t := range threads(pid) {
		p := fmt.Sprintf("/proc/%d/task/%s/status", pid, t)
		n += procStatus(p, "voluntary_ctxt_switches:") + procStatus(p, "nonvoluntary_ctxt_switches:")
	}
	return n
}

// tinyELF writes the cheapest program there is, a static ELF of about 130
// bytes whose only instruction of note is exit_group(0): the baseline that
// the Go floor's start-up is measured against. Other architectures use
// /bin/true.
func tinyELF(dir string) (string, error) {
	var machine uint16
	var code []byte
	switch runtime.GOARCH {
	case "amd64":
		machine = 62
		code = []byte{0xb8, 0xe7, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05} // mov eax,231; xor edi,edi; syscall
	case "arm64":
		machine = 183
		code = []byte{0, 0, 0x80, 0xd2, 0xc8, 0x0b, 0x80, 0xd2, 1, 0, 0, 0xd4} // mov x0,#0; mov x8,#94; svc #0
	default:
		return "/bin/true", nil
	}
	const base, hdr = 0x400000, 64 + 56
	var b bytes.Buffer
	le := binary.LittleEndian
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	w := func(v any) { binary.Write(&b, le, v) }
	w(uint16(2)) // ET_EXEC
	w(machine)
	w(uint32(1))
	w(uint64(base + hdr)) // entry
	w(uint64(64))         // program headers
	w(uint64(0))          // no sections
	w(uint32(0))
	w([]uint16{64, 56, 1, 0, 0, 0})
	total := uint64(hdr + len(code))
	w([]uint32{1, 5})                                // PT_LOAD, R+X
	w([]uint64{0, base, base, total, total, 0x1000}) // offset, vaddr, paddr, filesz, memsz, align
	b.Write(code)
	p := filepath.Join(dir, "exit0")
	return p, os.WriteFile(p, b.Bytes(), 0o755)
}
