// Package flexapi is a Go client for FlexFactor's API keys: list a
// merchant's keys (GET /v1/api-keys/{mid}), create one, revoke one, and the
// token call that authorizes them, built on the client that oapi-codegen
// generates from the project's openapi.yaml (package oapi).
//
// The generated client builds every request and defines every type an
// answer decodes into; each answer is checked against its schema in the
// embedded openapi.yaml (internal/spec) before it is decoded, so the
// spec's required members, nullable, types, formats and lengths are the
// client's rules with no copy of them here (docs/client.md says which rules
// a client enforces and which it leaves to the contract suite). This
// package adds what a service needs around them:
//
//   - auth: a static bearer token, an oauth2.TokenSource, or an app's
//     AppKey and AppSecret exchanged at POST /oauth2/token, the token reused
//     until shortly before it expires and renewed once when a call answers
//     401, one exchange shared by concurrent callers;
//   - errors: every non-2xx answer is an *APIError with the server's
//     messages, in either of FlexFactor's error shapes, the operation and
//     the request id; a 2xx answer of any call that is not the documented
//     JSON is a *DecodeError; excerpts of bodies are short and redacted;
//   - retries, a policy per call: list and revoke try connection errors
//     and 429, 502, 503 and 504 again with capped, jittered exponential
//     backoff (go-retryablehttp), Retry-After honoured up to a cap; create
//     is sent again only when the request never left;
//   - limits: a timeout that bounds every call whatever the server does, a
//     size cap on bodies, a response-header timeout, bodies drained so
//     connections are reused;
//   - observability: a transport wrapper that keeps these limits, and a
//     *slog.Logger for retries and token exchanges;
//   - safety: a mid is validated and path-escaped as one segment; the token
//     goes over https only (plain http to loopback hosts excepted), never
//     follows a redirect to another origin, and never shows in an error or
//     in fmt output of any of the package's types.
//
// docs/client.md is the user's guide.
package flexapi
