package redact

import (
	"slices"
	"strings"
)

// secretFieldNames are the JSON member names that carry a secret, in
// NormalizeFieldName's form: an API key's full value (value, key, api_key,
// secret_key, ...) and a credential (access_token, app_secret, password,
// ...). The one list: the Redactor hides their values, the contract suite
// fails a listed key that carries one and learns the values of those a
// response carries, and the double refuses a data file that would list one.
var secretFieldNames = []string{
	"value", "key", "apikey", "keyvalue", "fullkey", "secret", "secretkey",
	"secretvalue", "token", "plaintext", "rawkey",
	"accesstoken", "refreshtoken", "idtoken", "appsecret", "clientsecret", "password",
}

// IsSecretField reports whether a JSON member named name carries a secret,
// compared without case, '_' and '-'.
func IsSecretField(name string) bool {
	return slices.Contains(secretFieldNames, NormalizeFieldName(name))
}

// idFieldNames are the JSON member names that carry a request's or a
// trace's id (ASP.NET's traceId, a gateway's requestId), in
// NormalizeFieldName's form. Support asks for them, so the long-run rule
// leaves their values readable; a known secret or a credential's shape in
// one is hidden all the same.
var idFieldNames = []string{"traceid", "requestid", "traceparent", "correlationid"}

func isIDField(name string) bool {
	return slices.Contains(idFieldNames, NormalizeFieldName(name))
}

// NormalizeFieldName lower-cases name and drops '_' and '-', so that
// api_key, apiKey and API-KEY compare equal.
func NormalizeFieldName(name string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(name))
}
