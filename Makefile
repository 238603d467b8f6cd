# Every target installs what it needs itself: Go tools run through `go run`
# at the versions go.mod pins, Node tools from .ci/node/package-lock.json,
# installed once by `npm ci` into .ci/node/node_modules (.ci/node/install).
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
GO ?= go
# Where make contract writes its reports.
CONTRACT_REPORTS ?= reports
# The suite make contract runs: its package, or a test binary built from it
# (go test -c ./contract), which the nightly workflow's test reuses.
CONTRACT_SUITE ?= ./contract

.PHONY: help need-go need-node all generate check-generated lint test contract mock bench bench-double fuzz breaking interop consumers arazzo docs release-check

# A bare `make` lists the targets: `make test` takes minutes and the network
# on a fresh clone, not something to start by accident.
.DEFAULT_GOAL := help

## help: list the targets with their one line (a bare `make` does this)
help:
	@awk '/^## [a-z-]+: / { name = $$2; sub(/:$$/, "", name); line = $$0; sub(/^## [a-z-]+: /, "", line); printf "  make %-16s %s\n", name, line }' $(firstword $(MAKEFILE_LIST))

## need-go: check that Go is as go.mod requires (every Go target does first)
need-go:
	@GO=$(GO) bash .ci/versions go

## need-node: check Node.js and npm for the spec's Node tools (every Node target does first)
need-node:
	@bash .ci/versions node

## all: the same as make test
all: test

## generate: regenerate flexapi/oapi from openapi.yaml
generate: need-go
	$(GO) generate ./...

## check-generated: fail when the committed generated code is stale
check-generated: need-go
	bash .ci/check-generated

## lint: gofmt, go vet and the spec's validity
lint: need-go need-node
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	@# Anchored: an unanchored TestSpec would also run TestSpecLintersCatchWarnings,
	@# and with it the Node linters a second time.
	$(GO) test -count=1 -run '^TestSpecIsValid$$' .
	$(GO) -C .ci/actionlint run github.com/rhysd/actionlint/cmd/actionlint -no-color $(abspath .github/workflows)/*.yml
	bash .ci/spec lint

## test: everything CI checks
test: need-go need-node check-generated lint breaking interop consumers arazzo release-check
	@# The go.mod files of the whole module graph, which the build alone does
	@# not fetch and the offline go mod tidy of a service importing flexapi
	@# reads (TestAServiceGoModNamesNoTool).
	$(GO) list -m all >/dev/null
	@# The ginkgo CLI that the nightly workflow's steps run, which the workflow
	@# test runs offline (GOPROXY=off): its modules, on a cold module cache.
	$(GO) build -o /dev/null github.com/onsi/ginkgo/v2/ginkgo
	$(GO) test -race -count=1 ./...
	@# The otelhttp example is a module of its own (OpenTelemetry is no
	@# dependency of flexapi), which ./... does not reach.
	$(GO) -C flexapi/examples/otelhttp vet ./...
	$(GO) -C flexapi/examples/otelhttp test -race -count=1 ./...

## release-check: goreleaser's snapshot of the double and its OCI image, each smoke-run on loopback
release-check: need-go
	@# goreleaser (pinned in .ci/release/go.mod) builds the snapshot into dist/,
	@# ociimage assembles the image from its Linux binaries, and the test in
	@# .ci/release checks the checksums and runs the archive's binary and the
	@# image's. Only linux/amd64 unless RELEASE_ALL=1: `goreleaser release` has
	@# no single-target mode, and each other target compiles the double's
	@# dependencies anew, minutes on a cold 2-core CI; the release workflow
	@# builds all six from the same .goreleaser.yaml.
	@cfg=$$(mktemp --suffix=.yaml); trap 'rm -f "$$cfg"' EXIT; \
	if [[ -n "$${RELEASE_ALL:-}" ]]; then cp .goreleaser.yaml "$$cfg"; \
	else sed -e 's/^\(    goos:\).*/\1 [linux]/' -e 's/^\(    goarch:\).*/\1 [amd64]/' .goreleaser.yaml >"$$cfg"; fi; \
	set -x; $(GO) tool -modfile=.ci/release/go.mod goreleaser release --snapshot --clean --config "$$cfg"
	$(GO) -C .ci/release vet ./...
	$(GO) -C .ci/release run ./ociimage -dist $(abspath dist) -dockerfile Dockerfile -o $(abspath dist/image)
	$(GO) -C .ci/release test -count=1 .

## contract: the contract run (against the embedded double without credentials)
contract: need-go
	@mkdir -p $(CONTRACT_REPORTS)
	@# -contract.env: only this target reads the FLEXFACTOR_* variables; go test
	@# ./contract (make test) ignores them and tests the embedded double.
	@# No colour codes when the output is not a terminal (CI logs, a saved console).
	@# A relative path in a FLEXFACTOR_* variable is the caller's: the suite
	@# runs in contract/, so it is made absolute here.
	@for v in FLEXFACTOR_REPORT_DIR FLEXFACTOR_PREVIOUS_OBSERVATIONS; do \
	  p=$${!v:-}; if [[ -n $$p && $$p != /* ]]; then export "$$v=$$PWD/$$p"; fi; \
	done; \
	set -x; $(GO) run github.com/onsi/ginkgo/v2/ginkgo $$([ -t 1 ] || echo --no-color) --junit-report=junit.xml --output-dir=$(CONTRACT_REPORTS) -v $(CONTRACT_SUITE) -- -contract.env

## mock: the FlexFactor double as a standalone server (flags in MOCK_FLAGS)
mock: need-go
	@# Built into bin/ (git-ignored), then exec'd: the double is make's own
	@# child, so SIGTERM to make reaches it, Ctrl-C stops it, and no shell or
	@# temporary directory is left behind. Not `go run`: it exits 1 after
	@# Ctrl-C even when the program stops cleanly.
	@$(GO) build -o bin/flexfactor-mock ./cmd/flexfactor-mock
	@exec bin/flexfactor-mock $(MOCK_FLAGS)

## bench: the client against the do-it-yourself path (generated client + kin-openapi validation), ogen beside it
bench: need-go
	@# Several runs of every size, the order of the client and the do-it-yourself path
	@# reversed between runs, the ogen client (generated as the consumer gate does,
	@# into a copy of .ci/consumers/go) after them on the same bodies; benchcheck
	@# judges time on the median of the per-run ratios (one run on a shared machine
	@# decides nothing alone) and exits 1 when a goal is missed.
	@# The machine's load goes first: other work on it moves every figure.
	@out=$$(mktemp); ogen=$$(mktemp -d); export FLEXAPI_BENCH_BODIES=$$(mktemp -d); \
	trap 'rm -rf "$$out" "$$ogen" "$$FLEXAPI_BENCH_BODIES"' EXIT; \
	cp -r .ci/consumers/go/. "$$ogen"; \
	if ! $(GO) -C "$$ogen" run github.com/ogen-go/ogen/cmd/ogen -config ogen.yml -target ogenapi -package ogenapi $(abspath openapi.yaml) >/dev/null 2>&1; then \
	  echo "bench: ogen cannot generate a client from the spec; shown without it"; rm -rf "$$ogen/ogenapi"; fi; \
	echo "$$($(GO) version), $$(nproc) CPUs, $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"; \
	echo "load before: $$(uptime)"; \
	for i in $$(seq "$${BENCH_RUNS:-5}"); do \
	  if (( i % 2 == 0 )); then export FLEXAPI_BENCH_PEER_FIRST=1; else unset FLEXAPI_BENCH_PEER_FIRST; fi; \
	  $(GO) test -run '^$$' -bench '^(BenchmarkListAPIKeys|BenchmarkDecode|BenchmarkCostlyBodies)$$' -benchmem -benchtime "$${BENCHTIME:-0.5s}" ./flexapi | tee -a "$$out"; \
	  if [[ -d $$ogen/ogenapi ]]; then \
	    $(GO) -C "$$ogen" test -run '^$$' -bench '^BenchmarkListAPIKeys$$' -benchmem -benchtime "$${BENCHTIME:-0.5s}" ./bench | tee -a "$$out"; fi; \
	done; \
	echo "load after: $$(uptime)"; \
	$(GO) run ./cmd/benchcheck "$$out"

## bench-double: the double under sustained load beside Prism 5, judged against its goals (about a minute)
bench-double: need-go
	@# Not part of `make test`: it runs for about a minute and wants the machine to
	@# itself. benchdouble -check exits 1 when a goal is missed. Prism comes
	@# from .ci/node's lockfile; when it cannot be installed the run says so
	@# and judges every other goal.
	@dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	$(GO) build -o "$$dir/flexfactor-mock" ./cmd/flexfactor-mock; \
	$(GO) build -o "$$dir/benchdouble" ./cmd/benchdouble; \
	prism=; if bash .ci/node/install >&2; then prism=$(abspath .ci/node/node_modules/.bin/prism); fi; \
	"$$dir/benchdouble" -mock "$$dir/flexfactor-mock" -prism "$$prism" -spec $(abspath openapi.yaml) $(BENCH_DOUBLE_FLAGS) > "$$dir/figures"; \
	"$$dir/benchdouble" -check "$$dir/figures"

## fuzz: each fuzz target for a short while
fuzz: need-go
	@# A count of inputs by default, not a duration: go1.26's fuzz coordinator can fail a
	@# duration run with a spurious "context deadline exceeded" at its end (golang/go#75804,
	@# fixed in go1.27). FUZZTIME=20s still works. A failing input lands in flexapi/testdata/fuzz.
	for target in FuzzListResponse FuzzListMID; do \
	  $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime "$${FUZZTIME:-30000x}" -fuzzminimizetime 5s ./flexapi; \
	done

## breaking: fail on a breaking change against the last released spec
breaking: need-go
	bash .ci/breaking

## interop: TypeScript types from the spec, type-checked, and a generated client run against the double
interop: need-go need-node
	bash .ci/spec interop

## consumers: clients from seven generators (oapi-codegen, ogen, openapi-fetch, hey-api, orval, openapi-zod-client, Prism) decode the spec's examples and the double's answers
consumers: need-go need-node
	bash .ci/consumers/run

## arazzo: arazzo.yaml linted (Spectral, Redocly) and run by Redocly Respect against the double, faithful and broken
arazzo: need-go need-node
	bash .ci/arazzo

## docs: the spec rendered to one HTML page
docs: need-node
	bash .ci/spec docs
