//go:build tools

// The tools build constraint keeps this file out of every build: it exists
// so that go.mod pins the versions of the tools `go run` executes.
package apikeys

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
	_ "github.com/oasdiff/oasdiff"
	_ "github.com/onsi/ginkgo/v2/ginkgo"
)
