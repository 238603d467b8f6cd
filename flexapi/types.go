package flexapi

import "github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"

// The generated types, under the names callers use. They are aliases, not
// copies: a value of flexapi.APIKey is an oapi.APIKey.
type (
	// APIKey is one API key of a merchant, without its value.
	APIKey = oapi.APIKey
	// APIKeyList is the answer of the list call.
	APIKeyList = oapi.APIKeyList
	// APIKeyType is a key's type; see the constants and IsPublicKeyType.
	APIKeyType = oapi.APIKeyType
)

// Version is the version of this client: info.version of the openapi.yaml
// it was generated from (a test holds them equal), sent in the default
// User-Agent.
const Version = "0.4.0"

// The key types the spec declares. A server may send others: decoding never
// fails on them, and APIKeyType.Valid reports false for them.
const (
	APIKeyTypeSecret       = oapi.APIKeyTypeSecret
	APIKeyTypePublic       = oapi.APIKeyTypePublic
	APIKeyTypePublishable  = oapi.APIKeyTypePublishable
	APIKeyTypeTokenization = oapi.APIKeyTypeTokenization
)
