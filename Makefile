# Every target installs what it needs itself: Go tools run through `go run`
# at the versions go.mod pins, Node tools through `npx` at pinned versions.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
GO ?= go
export CGO_ENABLED ?= 1

.PHONY: all generate check-generated lint test contract mock bench fuzz

all: test

## generate: regenerate flexapi/oapi from openapi.yaml
generate:
	$(GO) generate ./...

## check-generated: fail when the committed generated code is stale
check-generated:
	bash .ci/check-generated

## lint: go vet, gofmt and the spec's validity
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -run 'TestSpec' .

## test: everything CI checks
test: check-generated lint
	$(GO) test -race -count=1 ./...

## contract: the contract run (against the embedded double without credentials)
contract:
	$(GO) test -count=1 ./...
