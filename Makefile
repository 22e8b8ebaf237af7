# LimaBar. `make test` is the one test command; it installs what it needs.
SHELL := /bin/bash
GO ?= go
BIN := build/limabar
# Fuzzing of the privileged script builder; its seed corpus always runs with
# the unit tests. make fuzz, the step of make test, tries FUZZEXECS inputs:
# a count, not a time, so that it cannot end on the clock. A -fuzztime of
# seconds on Go 1.26 can fail as "context deadline exceeded", with no
# failing input, when a worker is still busy at the deadline
# (golang/go#75804); a count only takes longer on a busy machine (500 tries,
# the inputs cached by earlier runs replayed first among them, took from
# under a minute to 5 minutes on a 2-core machine at a load of 9 to 25).
# make fuzz-long fuzzes for FUZZTIME on the clock, to look for findings,
# not as a gate: there that deadline failure can still show. Either fails
# on a finding and writes its input under
# autostart/elevate/testdata/fuzz/FuzzInstallScript, where the unit tests
# then run it; commit it with the fix.
FUZZEXECS ?= 500
FUZZTIME ?= 10m

.PHONY: all build build-deps run test deps vet unit darwincheck lint-workflows fuzz fuzz-long bench bundle package screenshot clean

all: build

# What `limabar --version` prints: VERSION (default git describe), COMMIT
# and BUILD_DATE (default now, UTC), set with -ldflags -X as make bundle and
# the release workflow do; a plain `go build` says dev.
build_version = $(or $(VERSION),$(shell git describe --tags --always --dirty 2>/dev/null),dev)
build_commit = $(or $(COMMIT),$(shell git rev-parse HEAD 2>/dev/null))
build_date = $(or $(BUILD_DATE),$(shell date -u +%Y-%m-%dT%H:%M:%SZ))
LDFLAGS = -X main.version=$(build_version) $(if $(build_commit),-X main.commit=$(build_commit)) -X main.date=$(build_date)

build:
	@mkdir -p build
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./app

# checkgo stops make, before anything is installed or built, with the one
# line scripts/checkgo.sh prints when target $(1) cannot work: a Go older
# than go.mod's, or none, and for run, root. As make's own error it is the
# only line printed (a failed recipe line would add make's "Error 1").
checkgo = $(eval checkgo_msg := $(shell GO='$(GO)' ./scripts/checkgo.sh $(1) 2>&1))$(if $(checkgo_msg),$(error $(checkgo_msg)))

# make run checks first that it runs as a user (not root) with the Go that
# go.mod needs, installs what compiling needs (Debian/Ubuntu), or stops
# before compiling with one line naming what is missing.
run:
	@:$(call checkgo,run)
	@$(MAKE) --no-print-directory build-deps
	@$(MAKE) --no-print-directory build
	./$(BIN) $(ARGS)

build-deps:
	./scripts/deps.sh --build

deps:
	./scripts/deps.sh

# Unit and end-to-end tests (real systemd, D-Bus, Xvfb, limactl, colima), the darwin
# type-check (darwin-only tests included), the CI workflows and a bounded
# fuzz run. The test-only switches (LIMABAR_TEST_*) exist only with -tags testhooks:
# the end-to-end harness and make bench build limabar so, and app/hostenv
# is tested both ways.
# It checks for the Go that go.mod needs first (scripts/checkgo.sh).
test:
	@:$(call checkgo,test)
	@$(MAKE) --no-print-directory deps
	./scripts/build-limactl.sh
	./scripts/build-colima.sh
	$(GO) vet ./...
	$(GO) vet -tags testhooks ./...
	$(GO) test -race -count=1 -timeout 15m ./...
	$(GO) test -race -count=1 -tags testhooks ./app/hostenv
	$(GO) run ./scripts/darwincheck
	$(MAKE) lint-workflows
	$(MAKE) fuzz

# actionlint (pinned in scripts/tools) on .github/workflows, with shellcheck
# on their run: steps, and shellcheck on the scripts the workflows run.
lint-workflows:
	./scripts/actionlint.sh
	shellcheck scripts/actionlint.sh scripts/mac-smoke.sh scripts/sign-notarize.sh scripts/render-cask.sh scripts/package.sh

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzInstallScript$$' -fuzztime $(FUZZEXECS)x ./autostart/elevate

fuzz-long:
	$(GO) test -run '^$$' -fuzz '^FuzzInstallScript$$' -fuzztime $(FUZZTIME) ./autostart/elevate

# The measured figures: the real tray under Xvfb and D-Bus against a real
# systemd user manager, Lima's limactl, the soak and the fault tests, written
# to docs/PERFORMANCE.md (about 15 minutes, needs root). BENCHFLAGS=-quick
# tries the harness in about a minute and prints the report instead.
BENCHFLAGS ?= -out docs/PERFORMANCE.md

bench: deps
	./scripts/build-limactl.sh
	./scripts/build-colima.sh
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./scripts/bench $(BENCHFLAGS)

# make bundle [BUNDLE_TARGET=darwin|linux] [DRY_RUN=1] [BUILD_DIR=DIR] [VERSION=V]
# builds build/LimaBar.app on a Mac and build/limabar-linux-ARCH.tar.gz on
# Linux (scripts/bundle.sh). BUNDLE_TARGET defaults to the host's kind;
# DRY_RUN=1 prints the commands instead of running them, so
# `make bundle BUNDLE_TARGET=darwin DRY_RUN=1` shows the macOS steps anywhere.
BUNDLE_TARGET ?=
BUILD_DIR ?= build
DRY_RUN ?= 0

bundle_flags = --build-dir '$(BUILD_DIR)' $(if $(BUNDLE_TARGET),--target '$(BUNDLE_TARGET)') \
	$(if $(filter 1,$(DRY_RUN)),--dry-run) $(if $(VERSION),--version '$(VERSION)')

bundle:
	GO=$(GO) ./scripts/bundle.sh $(strip $(bundle_flags))

# make package [VERSION=V] builds build/limabar_V_ARCH.deb and
# build/limabar-V-1.ARCH.rpm for this machine's architecture with nfpm
# (scripts/package.sh, packaging/nfpm.yaml). The arm64 packages need an
# arm64 build of limabar (cgo against the tray library): the release
# workflow makes them on an arm64 runner.
package:
	GO=$(GO) ./scripts/package.sh $(if $(VERSION),--version '$(VERSION)') --build-dir '$(BUILD_DIR)'

screenshot: deps build
	./scripts/screenshot.sh

clean:
	rm -rf build
