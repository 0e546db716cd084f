package main

// memFloor is the memory phase's floor column.
const memFloor = "Go memory floor"

// memFloorSource is the least Go init that goes through the memory phase's
// storm as ginit must: in a drain that goes on, it finds each adopted
// process in the /proc listing, holds it (pid, start time and pidfd, in a
// map), sends it SIGTERM and SIGCONT through the pidfd (only its own
// children, as ginit: a batch is its keeper's until the keeper exits), reaps it and lets
// go of it; once the storm is over it rebuilds its map at the size of what
// is left (a Go map never shrinks) and, a second after the last reap and
// 10 s later, hands the free heap back to the kernel (debug.FreeOSMemory),
// as ginit does. It keeps
// nothing else: no log, no report, no names. What it keeps a minute after
// the storm is what the Go runtime itself keeps of a storm; ginit's own
// share is what it keeps beyond this.
const memFloorSource = `package main

import (
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"
)

const (
	sysPidfdOpen       = 434 // the same number on every architecture
	sysPidfdSendSignal = 424
)

type held struct {
	start uint64
	fd    int
}

var (
	procs = map[int]held{}
	peak  int
	buf   = make([]byte, 16384)
	stat  = make([]byte, 512)
	names []string
)

func main() {
	runtime.GOMAXPROCS(1) // as ginit: an init needs no parallelism
	c := make(chan os.Signal, 64)
	signal.Notify(c, syscall.SIGCHLD, syscall.SIGTERM, syscall.SIGINT)
	argv := os.Args[1:]
	for i, a := range argv {
		if a == "--" {
			argv = argv[i+1:]
			break
		}
	}
	child, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}})
	if err != nil {
		os.Exit(127)
	}
	code, draining := 0, false
	// As ginit: a second after the last reap, and once more 10 s later.
	free := time.AfterFunc(time.Hour, func() {
		debug.FreeOSMemory()
		time.AfterFunc(10*time.Second, debug.FreeOSMemory)
	})
	for s := range c {
		if s != syscall.SIGCHLD {
			if !draining {
				syscall.Kill(child, s.(syscall.Signal))
			}
			continue
		}
		reaped := 0
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if err == syscall.EINTR {
				continue
			}
			if err == syscall.ECHILD && draining {
				os.Exit(code)
			}
			if pid <= 0 {
				break
			}
			reaped++
			if pid == child {
				code, draining = ws.ExitStatus(), true
			}
			if h, ok := procs[pid]; ok {
				syscall.Close(h.fd)
				delete(procs, pid)
			}
		}
		if draining {
			holdNew()
		}
		if peak >= 1024 && len(procs) <= peak/4 {
			m := make(map[int]held, len(procs))
			for k, v := range procs {
				m[k] = v
			}
			procs, peak = m, len(m)
		}
		if reaped > 0 {
			free.Reset(time.Second)
		}
	}
}

// holdNew lists /proc and holds, and signals, every process not yet held.
func holdNew() {
	dir, err := syscall.Open("/proc", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer syscall.Close(dir)
	for {
		got, err := syscall.ReadDirent(dir, buf)
		if err != nil || got <= 0 {
			break
		}
		names = names[:0]
		_, _, names = syscall.ParseDirent(buf[:got], -1, names)
		for _, name := range names {
			pid, err := strconv.Atoi(name)
			if err != nil || pid == 1 {
				continue
			}
			if _, ok := procs[pid]; ok {
				continue
			}
			hold(pid, name)
		}
	}
	peak = max(peak, len(procs))
}

func hold(pid int, name string) {
	fd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	if errno != 0 {
		return
	}
	sfd, err := syscall.Open("/proc/"+name+"/stat", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		syscall.Close(int(fd))
		return
	}
	n, _ := syscall.Read(sfd, stat)
	syscall.Close(sfd)
	ppid, start := statFields(stat[:max(n, 0)])
	if ppid != 1 {
		syscall.Close(int(fd))
		return
	}
	procs[pid] = held{start, int(fd)}
	syscall.Syscall6(sysPidfdSendSignal, fd, uintptr(syscall.SIGTERM), 0, 0, 0, 0)
	syscall.Syscall6(sysPidfdSendSignal, fd, uintptr(syscall.SIGCONT), 0, 0, 0, 0)
}

// statFields reads fields 4 (the parent) and 22 (the start time) of a
// stat line, counted after the command's ')'.
func statFields(b []byte) (ppid int, start uint64) {
	i := len(b) - 1
	for i >= 0 && b[i] != ')' {
		i--
	}
	field := 2
	for _, c := range b[i+1:] {
		switch {
		case c == ' ':
			field++
		case field == 4 && c >= '0' && c <= '9':
			ppid = ppid*10 + int(c-'0')
		case field == 22 && c >= '0' && c <= '9':
			start = start*10 + uint64(c-'0')
		}
	}
	return ppid, start
}
`
