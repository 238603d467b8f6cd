package flexapi

import (
	"context"
	"net/http"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// sendFunc sends one request of a call through the generated client; bearer
// adds the token.
type sendFunc func(ctx context.Context, bearer oapi.RequestEditorFn) (*http.Response, error)

// start is a call's context: bounded by the client's timeout, if it has
// one, and telling its requests' transport which call they are (Route).
func (c *Client) start(ctx context.Context, op Operation) (context.Context, context.CancelFunc) {
	ctx, _ = withCall(ctx, op, c.routes[op])
	if c.timeout > 0 {
		return context.WithTimeout(ctx, c.timeout)
	}
	return ctx, func() {}
}

// authorized sends a call with the client's token and, when the answer is
// 401 and a new token can be had, once more with a new one (the docs'
// policy: reuse a token until a call answers 401, then get a new one, once;
// a 401 with the new token is final). A 401 means the server refused the
// request, so even a call that must not be repeated may be sent again. It
// returns the answer, whose body the caller closes, and the token sent.
func (c *Client) authorized(ctx context.Context, op Operation, send sendFunc) (*http.Response, string, error) {
	resp, tok, err := c.sendOnce(ctx, op, send)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode == http.StatusUnauthorized && c.auth.renew(tok) {
		drainAndClose(resp.Body)
		return c.sendOnce(ctx, op, send)
	}
	return resp, tok, nil
}

// sendOnce sends one request of a call (with the retries of its policy) and
// returns the answer and the token it was sent with.
func (c *Client) sendOnce(ctx context.Context, op Operation, send sendFunc) (*http.Response, string, error) {
	if err := ctx.Err(); err != nil { // before a token source, which may do I/O
		return nil, "", &redactedError{errorPrefix + string(op) + ": ", err.Error(), err}
	}
	tok, err := c.auth.token(ctx)
	if err != nil {
		return nil, "", err
	}
	callOf(ctx).tok = tok
	bearer := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
	resp, err := send(ctx, bearer)
	if err != nil {
		return nil, "", closeOnError(resp, &redactedError{errorPrefix + string(op) + ": ", c.red.Redact(err.Error(), tok), err})
	}
	return resp, tok, nil
}
