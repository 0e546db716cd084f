package launch

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// The two helper bodies every launcher of an init needs, written once for
// the tests, the bench and the container images' app.

// MountProc runs as PID 1 of new PID and mount namespaces: it mounts a
// filesystem of type fs (proc, as a container runtime does; tmpfs for an
// empty /proc) on /proc, then becomes argv. It returns only on failure.
func MountProc(fs string, argv []string) int {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		fmt.Fprintln(os.Stderr, "mountproc:", err)
		return 1
	}
	if err := syscall.Mount(fs, "/proc", fs, 0, ""); err != nil {
		fmt.Fprintln(os.Stderr, "mountproc: /proc:", err)
		return 1
	}
	err := syscall.Exec(argv[0], argv, os.Environ())
	fmt.Fprintln(os.Stderr, "mountproc:", err)
	return 1
}

// Worker is a job runner: on SIGTERM it finishes its in-flight job (ms
// long) and exits code; a second SIGTERM aborts the job, exit 99, as many
// job runners take a repeat for "abort now". ready says it is set up.
func Worker(ms, code int, ready func(line string)) int {
	c := make(chan os.Signal, 4)
	signal.Notify(c, syscall.SIGTERM)
	ready(fmt.Sprintf("worker ready pid=%d", os.Getpid()))
	<-c
	fmt.Println("worker: SIGTERM, finishing job")
	select {
	case <-c:
		fmt.Println("worker: second SIGTERM, job aborted")
		return 99
	case <-time.After(time.Duration(ms) * time.Millisecond):
	}
	fmt.Println("worker: job done")
	return code
}
