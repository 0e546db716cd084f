# ginit: make build | test | test-fast | demo | bench | numbers | lint | vulncheck | fuzz | race | release | images | push-images | image | deps
SHELL := /bin/bash
GO ?= go
OUT ?= bin/ginit
VERSION ?= $(shell git describe --tags --dirty 2>/dev/null || echo 0.1.0-dev)
COMMIT ?= $(shell git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)
# asyncpreemptoff: see asyncPreemptOff in cmd/ginit/main.go. The two -X go together.
LDFLAGS := -s -w -X runtime.godebugDefault=asyncpreemptoff=1 -X main.asyncPreemptOff=1 \
	-X main.version=$(VERSION) -X main.commit=$(COMMIT)
export CGO_ENABLED := 0

.PHONY: build test demo deps print-ldflags

# -buildvcs=false, as the release builds: without it a build in a clone
# also records the commit's time and a dirty flag, and its bytes differ.
build:
	$(GO) build -trimpath -buildvcs=false -ldflags '$(LDFLAGS)' -o $(OUT) ./cmd/ginit

print-ldflags:
	@echo '$(LDFLAGS)'

# Everything the tests need on a fresh Debian machine: COMMAND:PACKAGE
# pairs, installed when the command is missing, and said so first. A
# COMMAND that is an absolute path is a file the package installs (a
# Python module for /usr/bin/python3). The real-stack tests
# (integration/stack/stack_*_test.go) need Puma, gunicorn, Celery with Redis, a
# gRPC server, nginx and haproxy, Apache, php-fpm with cgi-fcgi, PostgreSQL
# and cron; the release tests gpg; the heavy pass qemu-user-static (every
# shipped architecture). Then the Go modules: x/sys for ginit,
# and GoReleaser, which go.mod does not list (ginit's one dependency stays
# x/sys): `go run` downloads and builds it once (a few minutes on a fresh
# machine), then the build cache keeps it.
deps:
	@missing=; for p in busybox:busybox-static strace:strace tini:tini tini-static:tini dumb-init:dumb-init catatonit:catatonit \
		cc:gcc sidekiq:ruby-sidekiq redis-server:redis-server podman:podman ctr:containerd dpkg-deb:dpkg rpm:rpm \
		puma:puma rackup:ruby-rack gunicorn:gunicorn celery:celery \
		/usr/lib/python3/dist-packages/redis:python3-redis /usr/lib/python3/dist-packages/grpc:python3-grpcio \
		nginx:nginx haproxy:haproxy valgrind:valgrind perf:linux-perf apache2:apache2 php-fpm8.2:php8.2-fpm \
		cgi-fcgi:libfcgi-bin /usr/lib/postgresql:postgresql cron:cron gpg:gnupg qemu-s390x-static:qemu-user-static; do \
		{ command -v $${p%%:*} || test -e $${p%%:*}; } >/dev/null || missing="$$missing $${p#*:}"; done; \
	if [ -n "$$missing" ]; then echo "make deps: installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "make deps: the Debian packages the tests use are installed"; fi
	@echo "make deps: go mod download (golang.org/x/sys)"; $(GO) mod download
	@echo "make deps: go run $(GORELEASER_MOD)@$(GORELEASER_VERSION) (downloaded and built once)"; \
		$(GORELEASER) --version >/dev/null

# Two passes: every test but the heavy ones, then the heavy ones (named
# TestHeavy...: the orphan storm and other stress, all 256 exit codes, the
# 30 s default drain bound, the release builds, the stack study, the quick
# bench) of integration and integration/stack, which run after the fast
# ones. Each pass says how long it took. -v so that every skipped test's
# reason reaches the log; the filter keeps each test's result line,
# package results, SKIP lines and t.Log lines with their continuation
# lines (a failure's stdout and stderr: CI's log is all there is), and
# pipefail keeps the status. The last line counts the results of both passes.
FILTER := grep -E --line-buffered '^(ok|FAIL|panic:)|^\s*--- (PASS|FAIL|SKIP)|SKIP:|^\s+\S+_test\.go:[0-9]+: |^        '
test: deps build
	$(GO) vet ./...
	@log=$$(mktemp); set -o pipefail; status=0; \
	t0=$$(date +%s); \
	$(GO) test -count=1 -timeout 30m -v -skip '^TestHeavy' ./... 2>&1 | tee $$log | $(FILTER) || status=1; \
	echo "fast tests took $$(( $$(date +%s) - t0 )) s"; \
	echo "heavy tests:"; t0=$$(date +%s); \
	$(GO) test -count=1 -timeout 45m -v -run '^TestHeavy' ./integration/... 2>&1 | tee -a $$log | $(FILTER) || status=1; \
	echo "heavy tests took $$(( $$(date +%s) - t0 )) s"; \
	awk '/^ *--- PASS/{p++} /^ *--- FAIL/{f++} /^ *--- SKIP/{s++} \
		END{printf "tests: %d passed, %d failed, %d skipped\n", p, f, s}' $$log; \
	rm -f $$log; exit $$status

# The quick subset, for a first run or an edit-test loop: go vet, the unit
# tests and the integration tests of ./integration in -short mode (ginit as
# PID 1, the oracle against tini-static); not ./integration/stack (engines,
# packages, the real stack's servers) nor the heavy ones. Installs nothing:
# a test whose tool is missing (tini-static, strace, cc) skips and says so.
.PHONY: test-fast
test-fast: build
	$(GO) vet ./...
	@set -o pipefail; t0=$$(date +%s); \
	$(GO) test -count=1 -short -skip '^TestHeavy' $$($(GO) list ./... | grep -v /integration/stack) 2>&1 | \
		grep -v 'no test files' || status=1; \
	echo "make test-fast took $$(( $$(date +%s) - t0 )) s"; exit $${status:-0}

demo: build
	$(GO) run ./tools/demo $(OUT)

# Each fuzz target for FUZZTIME; their seed corpora also run in `make test`.
FUZZTIME ?= 30s
.PHONY: fuzz lint race release
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseArgs$$' -fuzztime $(FUZZTIME) ./internal/cli
	$(GO) test -run '^$$' -fuzz '^FuzzParseDuration$$' -fuzztime $(FUZZTIME) ./internal/cli
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./signals
	$(GO) test -run '^$$' -fuzz '^FuzzParseRewrite$$' -fuzztime $(FUZZTIME) ./signals

# govulncheck (golang.org/x/vuln), pinned, as the forge's CI and release
# workflows run it: the known vulnerabilities of the code ginit calls, in
# golang.org/x/sys and the Go standard library. It needs its database
# (vuln.go.dev), which the project's own machines cannot reach.
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
.PHONY: vulncheck print-govulncheck
vulncheck:
	$(GO) run $(GOVULNCHECK) ./...

print-govulncheck:
	@echo '$(GOVULNCHECK)'

# staticcheck through the Go module proxy, pinned.
lint:
	$(GO) vet ./...
	CGO_ENABLED=1 $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

race:
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...

# The release: .goreleaser.yaml, run by GoReleaser through the go command
# (pinned; the forge's workflow pins the same version). For linux amd64,
# arm64, armv7, 386, ppc64le and s390x, in dist/: the static binaries
# (dist/ginit_linux_ARCH*/ginit, published as ginit-linux-ARCH), each the
# bytes `make build` makes for that architecture; .tar.gz archives; .deb,
# .rpm and .apk packages; SHA256SUMS over all of them. A snapshot: nothing
# is published. Two runs of one commit are byte-identical: every time stamp
# is the commit's. The images: make images.
GORELEASER_MOD := github.com/goreleaser/goreleaser/v2
GORELEASER_VERSION := v2.15.1
GORELEASER := $(GO) run $(GORELEASER_MOD)@$(GORELEASER_VERSION)
# What .goreleaser.yaml takes from here, so that the Makefile stays the one
# place that says how ginit is built: the ldflags, the version (git
# describe, without the v, for the packages' names) and the commit's time,
# in seconds and in RFC 3339, for every time stamp in every file.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
RELEASE_ENV := GINIT_LDFLAGS='$(LDFLAGS)' GINIT_VERSION='$(VERSION:v%=%)' \
	SOURCE_DATE_EPOCH='$(SOURCE_DATE_EPOCH)' GINIT_DATE='$(shell date -u -d @$(SOURCE_DATE_EPOCH) +%FT%TZ)'
.PHONY: images image push-images release-env print-goreleaser
# make release signs SHA256SUMS with a throwaway key made for the run, in
# a GNUPGHOME of its own that is removed after it; the key's public half
# is left in dist/snapshot-key.asc, to check the signature with. A
# snapshot's signature shows only that nothing changed since this run; a
# release is signed with the project's key (KEYS, doc/releasing.md).
release:
	@export GNUPGHOME=$$(mktemp -d /tmp/ginit-gpg-XXXXXX) && \
	trap 'gpgconf --kill gpg-agent 2>/dev/null; rm -rf "$$GNUPGHOME"' EXIT && \
	gpg --batch --quiet --passphrase '' --quick-gen-key \
		'ginit snapshot, throwaway key of make release <snapshot@ginit.invalid>' ed25519 sign 1d && \
	fpr=$$(gpg --with-colons --list-secret-keys | awk -F: '$$1 == "fpr" {print $$10; exit}') && \
	$(RELEASE_ENV) GINIT_GPG_FINGERPRINT=$$fpr $(GORELEASER) release --snapshot --clean && \
	gpg --armor --export $$fpr > $(DIST)/snapshot-key.asc

# The same, one NAME=VALUE a line, for the forge's release job ($$GITHUB_ENV).
release-env:
	@for kv in $(RELEASE_ENV); do echo "$$kv"; done

print-goreleaser:
	@echo '$(GORELEASER_MOD)@$(GORELEASER_VERSION)'

# The image that holds only ginit, for COPY --from=ginit /ginit /ginit.
IMAGE ?= ginit
image: build
	docker build -t $(IMAGE):latest -t $(IMAGE):$(subst +,_,$(VERSION)) .

DIST ?= dist
# One image per architecture from make release's binaries, tagged
# IMAGE:VERSION-ARCH. A scratch image with a COPY needs no emulation, nor
# buildx. push-images pushes them (IMAGE must name a registry) and one
# IMAGE:VERSION manifest over all of them.
IMAGE_ARCHS ?= amd64 arm64 armv7 386 ppc64le s390x
IMAGE_TAG = $(IMAGE):$(subst +,_,$(VERSION))
images:
	@for a in $(IMAGE_ARCHS); do case $$a in \
		amd64) d=amd64_v1 p=amd64;; arm64) d=arm64_v8.0 p=arm64;; armv7) d=arm_7 p=arm/v7;; \
		386) d=386_sse2 p=386;; ppc64le) d=ppc64le_power8 p=ppc64le;; *) d=$$a p=$$a;; esac; \
		ctx=$$(mktemp -d) && mkdir $$ctx/bin && cp $(DIST)/ginit_linux_$$d/ginit $$ctx/bin/ginit && \
		docker build -q --platform linux/$$p -t $(IMAGE_TAG)-$$a -f Dockerfile $$ctx >/dev/null; \
		status=$$?; rm -rf $$ctx; [ $$status = 0 ] || exit 1; echo $(IMAGE_TAG)-$$a; done

push-images:
	for a in $(IMAGE_ARCHS); do docker push -q $(IMAGE_TAG)-$$a || exit 1; done
	docker manifest create --amend $(IMAGE_TAG) $(foreach a,$(IMAGE_ARCHS),$(IMAGE_TAG)-$(a))
	docker manifest push $(IMAGE_TAG)

# The figures doc/performance.md quotes, each with its command, the commit
# and the date: size, idle threads and memory as PID 1, strace -f -c of a
# start-up, an instruction count (perf, else valgrind; make deps installs
# strace, valgrind and perf). Under a minute. See doc/performance.md.
.PHONY: numbers
numbers: build
	$(GO) run ./tools/numbers -ginit $(OUT)

# ginit beside tini, dumb-init and catatonit (deps installs them) and Go's
# own floor, interleaved in one run; a few minutes. See doc/performance.md.
# BENCHFLAGS: e.g. -fifo=10 on a machine busy with other work.
BENCHFLAGS ?=
.PHONY: bench
bench: deps build
	$(GO) run ./tools/bench -ginit $(OUT) -ldflags '$(LDFLAGS)' $(BENCHFLAGS)
