# ginit: make build | test | demo | bench | lint | fuzz | release
SHELL := /bin/bash
GO ?= go
OUT ?= bin/ginit
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)
# asyncpreemptoff: see asyncPreemptOff in cmd/ginit/main.go. The two -X go together.
LDFLAGS := -s -w -X runtime.godebugDefault=asyncpreemptoff=1 -X main.asyncPreemptOff=1 \
	-X main.version=$(VERSION) -X main.commit=$(COMMIT)
export CGO_ENABLED := 0

.PHONY: build test demo deps print-ldflags

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(OUT) ./cmd/ginit

print-ldflags:
	@echo '$(LDFLAGS)'

# Everything the tests need on a fresh Debian machine.
deps:
	@command -v busybox >/dev/null || { apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null; }
	$(GO) mod download

test: deps build
	$(GO) vet ./...
	$(GO) test -count=1 ./...

demo: build
	$(GO) run ./integration/demo $(OUT)
