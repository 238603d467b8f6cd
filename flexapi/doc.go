// Package flexapi is a Go client for FlexFactor's API keys: list a
// merchant's keys, create one, revoke one, with the token exchange that
// authorizes them. It is the client oapi-codegen generates from the
// project's openapi.yaml (package oapi), each answer checked against its
// schema in the embedded spec before it is decoded, plus what a service
// needs around it: auth (a token, a token source, or app credentials
// exchanged and reused), typed errors that name the call and the request
// id, a retry policy per call, a timeout that bounds every call whatever
// the server does, size caps, a transport wrapper and a logger for
// observability, and no secret in any error, log or fmt output.
//
// docs/client.md is the user's guide: it states each rule once.
package flexapi
