package apikeys

import "github.com/flexcontract/flexfactor-apikeys/internal/redact"

// IsKeyValueField reports whether a JSON member named name would carry an
// API key's full value or another secret: value, key, api_key, secret,
// secret_key, token, access_token, ... compared without case, '_' and '-'
// (the one list, redact.IsSecretField). The list call never carries one
// (its Key Security note): the contract suite fails a listing that does,
// and the double refuses a data file that would make it.
func IsKeyValueField(name string) bool { return redact.IsSecretField(name) }

// NormalizeFieldName lower-cases name and drops '_' and '-', so that
// api_key, apiKey and API-KEY compare equal.
func NormalizeFieldName(name string) string { return redact.NormalizeFieldName(name) }
