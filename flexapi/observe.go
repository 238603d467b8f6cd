package flexapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// operationIDs are the spec's operation ids of the calls.
var operationIDs = map[Operation]string{
	OpListAPIKeys:   "listApiKeys",
	OpCreateAPIKey:  "createApiKey",
	OpRevokeAPIKey:  "revokeApiKey",
	OpTokenExchange: "createToken",
}

// routesFor is each call's route template under base, from the spec's
// paths: "/v1/api-keys/{mid}".
func routesFor(base string) (map[Operation]string, error) {
	doc, err := spec.Doc()
	if err != nil {
		return nil, err
	}
	routes := make(map[Operation]string, len(operationIDs))
	for op, id := range operationIDs {
		path := spec.Path(doc, id)
		if path == "" {
			return nil, fmt.Errorf("openapi.yaml has no operation %s", id)
		}
		routes[op] = base + path
	}
	return routes, nil
}

// call is what the client knows of a call in flight, on its requests'
// context: its operation and route for Route, and the token it sends, for
// the logger to hide.
type call struct {
	op    Operation
	route string
	tok   string
}

type callKey struct{}

func withCall(ctx context.Context, op Operation, route string) (context.Context, *call) {
	c := &call{op: op, route: route}
	return context.WithValue(ctx, callKey{}, c), c
}

func callOf(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	if c == nil {
		return &call{}
	}
	return c
}

// Route returns the route template and the operation of a request the
// client sends, such as "/v1/api-keys/{mid}" and OpListAPIKeys, for a
// transport wrapper (WithTransportWrapper) to name spans and metrics by,
// never by a mid or a key id. Both are empty for a request the client did
// not make.
func Route(req *http.Request) (template string, op Operation) {
	c := callOf(req.Context())
	return c.route, c.op
}

// logRetry reports an attempt about to be made again: the failed attempt's
// status (0 for a transport failure, whose error is told redacted) and the
// wait before the next.
func logRetry(ctx context.Context, log *slog.Logger, red *redact.Redactor, attempt int, resp *http.Response, err error, wait time.Duration) {
	c := callOf(ctx)
	attrs := []slog.Attr{slog.String("operation", string(c.op)), slog.Int("attempt", attempt), slog.Duration("wait", wait)}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", redact.Printable(red.Redact(err.Error(), c.tok), maxErrorTextBytes)))
	}
	log.LogAttrs(ctx, slog.LevelWarn, "flexapi: retry", attrs...)
}

// logExchange reports a token exchange: its status (0 without an answer),
// how long it took and, when it failed, why (an *AuthError, redacted).
func logExchange(ctx context.Context, log *slog.Logger, red *redact.Redactor, status int, took time.Duration, err error) {
	attrs := []slog.Attr{slog.String("operation", string(OpTokenExchange)), slog.Int("status", status), slog.Duration("took", took)}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", red.Redact(err.Error())))
	}
	log.LogAttrs(ctx, level, "flexapi: token exchange", attrs...)
}
