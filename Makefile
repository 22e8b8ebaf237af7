# LimaBar. `make test` is the one test command; it installs what it needs.
SHELL := /bin/bash
GO ?= go
BIN := build/limabar

.PHONY: all build run test deps unit e2e darwincheck bench bundle clean

all: build

build:
	@mkdir -p build
	$(GO) build -o $(BIN) ./app

run: build
	./$(BIN) $(ARGS)

deps:
	./scripts/deps.sh

test: deps
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

bundle:
	GO=$(GO) ./scripts/bundle.sh

clean:
	rm -rf build
