# nightjar's front door. `make demo` and `make test` install what they need, build,
# bring up a local PostgreSQL cluster and run; see README.md.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= 2
NIGHTJAR := $(BUILD)/bin/nightjar

.PHONY: all deps build install db-up db-down demo test bench clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

install: build
	@scripts/install.sh $(BUILD)

db-up: install
	@$(NIGHTJAR) db up

db-down:
	@if [ -x $(NIGHTJAR) ]; then $(NIGHTJAR) db down; fi

demo: db-up
	@scripts/demo.sh $(BUILD)

test: install
	@scripts/test.sh $(BUILD)

bench: install
	@scripts/bench.sh $(BUILD)

clean: db-down
	rm -rf $(BUILD)
