// Package flexapitest runs a local FlexFactor double for tests, in the spirit
// of net/http/httptest.
//
// NewServer starts a loopback server that answers the calls of openapi.yaml
// the way FlexFactor's documentation says it does:
//
//	POST   {URL}/oauth2/token     AppKey + AppSecret -> a bearer token
//	GET    {URL}/api-keys/{mid}   the keys of a merchant, behind that token
//	POST   {URL}/api-keys         create a key: its value, once
//	DELETE {URL}/api-keys/{id}    revoke a key the create call made
//
// Create mints a value with a prefix per type (sk_test_, pk_test_, tk_test_)
// and a random body; the listing then shows the key with last_four the
// value's last four characters, last_used null and created_at the clock's
// time. How the listing names a public key's type is an option
// (WithPublicTypeListedAs), and WithKeyLimits bounds how many keys create may
// add. Neither the request log nor any error holds a value.
//
// It is stateful where FlexFactor is: tokens expire after the token lifetime
// (10 minutes by default) as seen by an injectable clock, so expiry is tested
// without waiting. By default the merchant "mid_123456" holds exactly the two
// keys of the documentation page's example and every other merchant has none.
//
// Its routes are oapi-codegen's std-http-server interface, generated from
// openapi.yaml (internal/oapiserver), which the Server implements; every
// request is checked against the embedded spec before it is answered, and
// the answers are built from flexapi/oapi's generated types. With
// WithResponseValidation every answer is checked against the spec too,
// before any fault changes it (docs/double.md says how the spec reaches the
// double).
//
// Everything it answers outside fault mode is valid against openapi.yaml. To
// prove that a client or a contract check notices a broken server, Inject
// faults per route: error statuses, other error shapes, broken bodies, slow
// or dropped connections, and mutations of the JSON it would have sent. A
// client in any language asks for a fault with Prism's Prefer header
// (Prefer: code=429, delay=2s): the preferences are listed by Preferences.
//
// The request log (Requests, RequestCount) records what clients sent, with
// Authorization and Cookie headers redacted: the last 10,000
// requests unless WithRequestLog says otherwise, so that a long run's memory
// stays bounded. Live tokens are bounded too (100,000).
//
// A typical test:
//
//	srv := flexapitest.NewServer()
//	defer srv.Close()
//	keys, err := srv.Client().ListAPIKeys(ctx, "mid_123456")
//
// The same double runs as a program for other languages' tests:
// cmd/flexfactor-mock.
package flexapitest
