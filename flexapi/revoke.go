package flexapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// ErrInvalidKeyID: the key id cannot be one path segment (the rules of a
// mid). No request was sent.
var ErrInvalidKeyID = errors.New("flexapi: invalid key id")

// RevokeAPIKey revokes the key with the given id, as CreateAPIKey answered
// it. A revoked key cannot be recovered.
//
// Success is a 2xx whose body, if any, does not say otherwise; a failure at
// any status is an *APIError. Revoking twice leaves the key revoked, so it
// is retried as ListAPIKeys is: a retry after an attempt whose answer was
// lost may answer "key not found".
func (c *Client) RevokeAPIKey(ctx context.Context, id string) error {
	if ctx == nil {
		return errNilContext
	}
	if err := validateSegment(ErrInvalidKeyID, id); err != nil {
		return err
	}
	ctx, cancel := c.start(ctx, OpRevokeAPIKey)
	defer cancel()

	resp, tok, err := c.authorized(ctx, OpRevokeAPIKey, func(ctx context.Context, bearer oapi.RequestEditorFn) (*http.Response, error) {
		return c.api.RevokeAPIKey(ctx, id, bearer)
	})
	if err != nil {
		return err
	}
	defer drainAndClose(resp.Body)
	if err := checkResponse(OpRevokeAPIKey, resp, c.red, tok); err != nil {
		return err
	}
	if resp.StatusCode == http.StatusNoContent {
		return nil
	}
	b, err := readBody(resp, c.maxBodyBytes)
	if errors.Is(err, ErrBodyTooLarge) {
		return newDecodeError(OpRevokeAPIKey, resp, nil, c.red, err, tok)
	}
	if err != nil {
		return fmt.Errorf("flexapi: %s: %w", OpRevokeAPIKey, err)
	}
	var env envelope // an empty body says nothing against success
	if len(b) > 0 && json.Unmarshal(b, &env) != nil {
		return newDecodeError(OpRevokeAPIKey, resp, b, c.red, errors.New("not the revoke envelope"), tok)
	}
	if failed(env.Success, env.Errors) {
		return newAPIError(OpRevokeAPIKey, resp, b, c.red, tok)
	}
	return nil
}
