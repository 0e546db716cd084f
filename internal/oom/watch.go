package oom

import (
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// watch asks the kernel to say when the counter may have risen, and
// returns the channel that says it; nil when it cannot be had (a cgroup v1
// hierarchy mounted read-only, as Docker mounts it; no inotify instance
// left). On cgroup v2 it is an inotify watch on memory.events, which the
// kernel marks modified on changes of the file (rate-limited), an OOM
// kill among them. On v1 it is the
// memory cgroup's OOM event (an eventfd registered through
// cgroup.event_control), which comes each time the cgroup runs out of
// memory, just before the kill.
//
// The descriptor is non-blocking and read through an os.File, so the
// relay's goroutine waits in the runtime's network poller and holds no OS
// thread: ginit asks the kernel for no thread once the child runs.
func watch(path string, v1 bool) <-chan struct{} {
	var fd int
	if v1 {
		fd = oomEventfd(path)
	} else {
		fd = inotifyModify(path)
	}
	if fd < 0 {
		return nil
	}
	f := os.NewFile(uintptr(fd), path)
	if f.SetReadDeadline(time.Time{}) != nil { // not in the poller: a read would fail or block a thread
		f.Close()
		return nil
	}
	c := make(chan struct{}, 1)
	if v1 {
		go relay(f, c, v1Again, 0)
	} else {
		go relay(f, c, nil, v2Rest)
	}
	return c
}

// v1Again: v1's event comes just before the kill is counted, so the loop
// looks again a little later, lest the kill go unsaid until a reap.
var v1Again = []time.Duration{10 * time.Millisecond, 100 * time.Millisecond, time.Second}

// v2Rest: memory.events changes with every charge over memory.max too,
// which a container whose page cache fills its limit does all the time;
// the relay then rests before it reads the next events (the kernel keeps
// them, merged), so the loop wakes at most 10 times a second. A kill
// counted before a reap is still seen at the reap (Reaped reads the count).
const v2Rest = 100 * time.Millisecond

// relay passes each wake-up on, several coalesced into one, and again
// after each delay in again, then rests; the loop reads the counter. It
// reads nothing of the loop's and reaps nothing. Its sleeps park the
// goroutine: no thread is held.
func relay(f *os.File, c chan<- struct{}, again []time.Duration, rest time.Duration) {
	buf := make([]byte, 4096)
	wake := func() {
		select {
		case c <- struct{}{}:
		default:
		}
	}
	for {
		if _, err := f.Read(buf); err != nil {
			return // the watch is gone: kills are still noticed at reaps
		}
		wake()
		for _, d := range again {
			time.Sleep(d)
			wake()
		}
		time.Sleep(rest)
	}
}

func inotifyModify(path string) int {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return -1
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_MODIFY); err != nil {
		unix.Close(fd)
		return -1
	}
	return fd
}

// oomEventfd registers an eventfd for the v1 memory cgroup's OOM event.
func oomEventfd(path string) int {
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return -1
	}
	ofd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(efd)
		return -1
	}
	defer unix.Close(ofd) // the kernel holds what it needs once registered
	ctl, err := unix.Open(path[:strings.LastIndexByte(path, '/')]+"/cgroup.event_control", unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(efd)
		return -1
	}
	defer unix.Close(ctl)
	if _, err := unix.Write(ctl, []byte(strconv.Itoa(efd)+" "+strconv.Itoa(ofd))); err != nil {
		unix.Close(efd)
		return -1
	}
	return efd
}
