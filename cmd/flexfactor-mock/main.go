// Command flexfactor-mock runs the FlexFactor double of package flexapitest
// as a standalone server, for tests written in any language:
//
//	go run ./cmd/flexfactor-mock [-addr 127.0.0.1:8080] [-app-key K] [-app-secret S] [-data FILE] [-token-ttl 10m]
//	    [-public-type public|publishable] [-max-keys-per-merchant N] [-max-merchants N]
//	    [-quiet] [-prefer PREFERENCES] [-break NAME] [-version]
//
// It serves POST /v1/oauth2/token, GET /v1/api-keys/{mid}, POST /v1/api-keys
// (create) and DELETE /v1/api-keys/{id} (revoke), checks every request
// against openapi.yaml, and stops cleanly on SIGINT or SIGTERM. A created
// key's value is sent once, in the create answer, and printed nowhere.
// -prefer asks for faults on demand, as a request's Prefer header does;
// -break makes it break one lifecycle rule on purpose, so that a workflow
// run against it (make arazzo) can be seen to fail; the banner says so.
// -h lists the preferences and the breaks.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
