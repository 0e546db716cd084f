// Package stack runs ginit under real third-party software: container
// engines (Docker, Podman, containerd, compose, --init-path) and their
// images, the release's packages and archives, and the app servers and job
// runners of the real-stack studies (Sidekiq, Puma, gunicorn, Celery, gRPC,
// nginx, haproxy). Each test skips when what it needs is not installed.
// The harness is itest's, as in integration.
package stack

import (
	"testing"

	"github.com/ginit-dev/ginit/internal/itest"
)

// TestMain: this package has no helpers of its own (its apps are real ones,
// and containerapp in the images), so itest's shared registry is all.
func TestMain(m *testing.M) { itest.Main(m, nil) }
