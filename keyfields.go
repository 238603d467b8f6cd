package apikeys

import (
	"slices"
	"strings"
)

// keyValueFieldNames are member names that would carry an API key's full
// value, in NormalizeFieldName's form.
var keyValueFieldNames = []string{
	"value", "key", "apikey", "keyvalue", "fullkey", "secret", "secretkey",
	"secretvalue", "token", "plaintext", "rawkey",
}

// IsKeyValueField reports whether a JSON member named name would carry an
// API key's full value: value, key, api_key, secret, secret_key, token, ...
// compared without case, '_' and '-'. The list call never carries one (its
// Key Security note): the contract suite fails a listing that does, and the
// double refuses a data file that would make it.
func IsKeyValueField(name string) bool {
	return slices.Contains(keyValueFieldNames, NormalizeFieldName(name))
}

// NormalizeFieldName lower-cases name and drops '_' and '-', so that
// api_key, apiKey and API-KEY compare equal.
func NormalizeFieldName(name string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(name))
}
