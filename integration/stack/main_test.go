// Package stack runs ginit under real third-party software: container
// engines (Docker, Podman, containerd, compose, --init-path) and their
// images, the release's packages and archives, and the app servers and job
// runners of the real-stack studies (Sidekiq, Puma, gunicorn, Celery, gRPC,
// nginx, haproxy, Apache, php-fpm, PostgreSQL, cron). Each test skips when
// what it needs is not installed. The harness is itest's, as in integration.
package stack

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

// TestMain: itest's shared registry, and ownrun.
func TestMain(m *testing.M) { itest.Main(m, itest.Helpers{"ownrun": ownRun}) }

// ownRun gives the namespace (made private by mountproc, which runs first)
// a /run of its own, as a container has, then becomes argv: Debian's cron
// locks /run/crond.pid, and the cases run at once.
func ownRun(argv []string) int {
	if err := syscall.Mount("tmpfs", "/run", "tmpfs", 0, "mode=755"); err != nil {
		fmt.Fprintln(os.Stderr, "ownrun:", err)
		return 1
	}
	err := syscall.Exec(argv[0], argv, os.Environ())
	fmt.Fprintln(os.Stderr, "ownrun:", err)
	return 1
}
