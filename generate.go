// Package apikeys holds the contract of FlexFactor's API keys (list,
// create, revoke and the token call), openapi.yaml, and generates from it
// the flexapi client's requests and types, the double's routes, and the
// embedded spec (internal/spec) that the client, the double and the suite
// validate against. Nothing imports this package: its tools.go would bring
// the tools' requirements into every module that did.
package apikeys

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen.yaml openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen-server.yaml openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen-spec.yaml openapi.yaml
