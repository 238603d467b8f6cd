//go:build tools

// Package actionlint pins the version of actionlint that `make lint` runs on
// the GitHub workflows.
//
// It is a module of its own because actionlint v1.7.12 is built against a
// release candidate of go.yaml.in/yaml/v4 whose API changed in v4.0.0, the
// version kin-openapi needs: in the root module the two cannot be
// satisfied together, so actionlint would not compile there.
package actionlint

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
