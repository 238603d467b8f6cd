package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// CreateAPIKey sends createApiKey with a JSON body of mid, name and type,
// as the create page's example does (without scopes: the request table
// does not list them), built by the generated request builder from the
// spec's path and request schema. typ is sent as it is, known to the spec
// or not. The answer holds the key's full value: the run's redactor
// learns it from the body.
func (c *WireClient) CreateAPIKey(ctx context.Context, mid, name, typ string, auth Auth) (*Exchange, error) {
	body, err := json.Marshal(oapi.CreateAPIKeyRequest{MID: mid, Name: name, Type: oapi.NewAPIKeyType(typ)})
	if err != nil {
		return nil, fmt.Errorf("contract: create request: %w", err)
	}
	req, err := oapi.NewCreateAPIKeyRequestWithBody(c.server(), "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("contract: create request: %w", err)
	}
	ex, err := c.do(c.prepare(ctx, req, auth), report.OpCreateAPIKey)
	if ex != nil {
		ex.RequestBody = body
	}
	return ex, err
}

// revokeAPIKey sends revokeApiKey for the key id, with no body, built by
// the generated request builder.
func (c *WireClient) revokeAPIKey(ctx context.Context, id string, auth Auth) (*Exchange, error) {
	req, err := oapi.NewRevokeAPIKeyRequest(c.server(), id)
	if err != nil {
		return nil, fmt.Errorf("contract: revoke request: %w", err)
	}
	return c.do(c.prepare(ctx, req, auth), report.OpRevokeAPIKey)
}

// reserve keeps n requests of the budget for revokes: no other request may
// use them. A run reserves the revokes of the keys it is about to create,
// so that using up the budget can never leave a key behind.
func (c *WireClient) reserve(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reserved += n
}

// release gives back the reserved requests no revoke used.
func (c *WireClient) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reserved = 0
}

// sendProbe sends method {base}{path} for operation op with body as JSON (nil
// for none) and the given Authorization: the probes' requests. The
// exchange keeps the body sent, for the reproduction of a failure.
func (c *WireClient) sendProbe(ctx context.Context, op, method, path string, body []byte, auth Auth) (*Exchange, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("contract: %s request: %w", op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if auth.Header != "" {
		req.Header.Set("Authorization", auth.Header)
	}
	// A probe's revoke is of no key the run made: it may not use the
	// requests reserved for those.
	ex, err := c.send(req, op, false)
	if ex != nil {
		ex.RequestBody = body
	}
	return ex, err
}

// unreserve gives back n of the reserved requests, when what they were
// kept for (a revoke) is not needed.
func (c *WireClient) unreserve(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reserved = max(c.reserved-n, 0)
}
