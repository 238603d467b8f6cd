// Package apikeys holds the contract of FlexFactor's API keys (list,
// create, revoke and the token call), openapi.yaml, and generates the
// flexapi client's requests and types from it.
//
// The spec is embedded here, at the module's root beside the file itself,
// so that the double, the contract suite and the tests all validate against
// the very bytes the client was generated from.
package apikeys

import _ "embed"

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen.yaml openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen-server.yaml openapi.yaml

// OpenAPISpec is openapi.yaml, byte for byte.
//
//go:embed openapi.yaml
var OpenAPISpec []byte
