package flexapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// ErrInvalidKeyID: the key id is empty, blank, "." or "..", has control
// characters or is not UTF-8 (the rules of a mid, for the same reasons). No
// request was sent.
var ErrInvalidKeyID = errors.New("flexapi: invalid key id")

// RevokeAPIKey revokes the key with the given id, as CreateAPIKey answered
// it. A revoked key cannot be recovered.
//
// Success is a 2xx whose body, if any, does not say otherwise: the revoke
// page's 200 with success true, or the errors page's 204. A failure at any
// status (such as "key not found" or "no permission", with success false or
// errors) is an *APIError.
//
// Retries: revoking is idempotent in effect (a key revoked twice stays
// revoked, and no second key can appear), so revoke follows the list call's
// rule: connection failures and 429, 502, 503 and 504 are tried again, and a
// 401 once with a new token. An attempt that revoked the key without its
// answer arriving makes the retry answer "key not found": a caller that must
// know lists the merchant and looks for the key.
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
	if err != nil {
		return fmt.Errorf("flexapi: %s: %w", OpRevokeAPIKey, err)
	}
	if len(b) == 0 {
		return nil
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return newDecodeError(OpRevokeAPIKey, resp, b, c.red, errors.New("not the revoke envelope"), tok)
	}
	if failed(env.Success, env.Errors) {
		return newAPIError(OpRevokeAPIKey, resp, b, c.red, tok)
	}
	return nil
}
