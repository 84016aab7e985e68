# Hall kiosk appliance. `make demo` runs a whole hall with simulated devices;
# `make test` runs every test. Both install what is missing first.
GO       ?= go
BIN      ?= bin
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X hallkiosk/internal/version.Version=$(VERSION)
export CGO_ENABLED := 1
# no_emoji: the kiosk does not load Fyne's bundled emoji font (about 9 MB of
# resident memory; docs/KIOSK.md "Numbers"). Tests build with the same tags
# so that they share the build cache with the programs.
export GOFLAGS := -tags=no_emoji
export PATH := $(PATH):/usr/local/go/bin:$(shell go env GOPATH 2>/dev/null)/bin

.PHONY: setup build demo test bench fuzz lint clean

setup:
	@scripts/setup.sh

build: setup
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/...

demo: build
	@scripts/demo.sh

test: setup
	$(GO) vet ./...
	$(GO) test -timeout 20m ./...

bench: setup
	$(GO) test -run '^$$' -bench . -benchtime 2s ./...

fuzz: setup
	@scripts/fuzz.sh

lint: setup
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

clean:
	rm -rf $(BIN) var
