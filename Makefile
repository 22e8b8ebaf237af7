# LimaBar. `make test` is the one test command; it installs what it needs.
SHELL := /bin/bash
GO ?= go
BIN := build/limabar
# A bounded fuzz run of the privileged script builder; the seed corpus
# always runs with the unit tests.
FUZZTIME ?= 20s

.PHONY: all build build-deps run test deps vet unit darwincheck lint-workflows fuzz bench bundle screenshot clean

all: build

build:
	@mkdir -p build
	$(GO) build -o $(BIN) ./app

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

# Unit and end-to-end tests (real systemd, D-Bus, Xvfb, limactl), the darwin
# type-check (darwin-only tests included), the CI workflows and a bounded
# fuzz run. The test-only switches (LIMABAR_TEST_*) exist only with -tags testhooks:
# the end-to-end harness and make bench build limabar so, and app/hostenv
# is tested both ways.
# It checks for the Go that go.mod needs first (scripts/checkgo.sh).
test:
	@:$(call checkgo,test)
	@$(MAKE) --no-print-directory deps
	./scripts/build-limactl.sh
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
	shellcheck scripts/actionlint.sh scripts/mac-smoke.sh

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzInstallScript$$' -fuzztime $(FUZZTIME) ./autostart/elevate

# The measured figures: the real tray under Xvfb and D-Bus against a real
# systemd user manager, Lima's limactl, the soak and the fault tests, written
# to docs/PERFORMANCE.md (about 15 minutes, needs root). BENCHFLAGS=-quick
# tries the harness in about a minute and prints the report instead.
BENCHFLAGS ?= -out docs/PERFORMANCE.md

bench: deps
	./scripts/build-limactl.sh
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

screenshot: deps build
	./scripts/screenshot.sh

clean:
	rm -rf build
