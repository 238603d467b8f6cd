//go:build tools

// Package tools pins the Go side of the consumer gate (.ci/consumers): ogen,
// the second Go generator, and the runtime of the code oapi-codegen
// generates, in a module of their own, so that their dependencies stay out
// of the main go.mod. The gate copies this module to a temporary directory,
// generates both clients into it and runs harness.go there.
package tools

import (
	_ "github.com/oapi-codegen/runtime"
	_ "github.com/ogen-go/ogen/cmd/ogen"
)
