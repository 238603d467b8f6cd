package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// maxBody caps how much of a response body the suite reads: the list is
// small, and a runaway body must not exhaust memory.
const maxBody = 1 << 20

// errBodyTooLarge is returned for a response body larger than MaxBody.
var errBodyTooLarge = fmt.Errorf("the body is larger than %d bytes", maxBody)

// errBudgetExceeded is returned instead of sending a request once the run
// has used its request budget.
var errBudgetExceeded = errors.New("contract: the run's request budget is used up")

// WireClient sends the suite's requests and captures the responses' raw
// bytes. It is polite to a shared sandbox: every request has a timeout,
// nothing is retried, redirects are not followed, and the run stops at a
// fixed number of requests. It counts what it sends, for the report.
//
// Keep-alives are off on purpose: net/http silently resends an idempotent
// request whose reused connection the server closed; with a fresh
// connection per request it never does, and the connection count of each
// request proves it (Exchange.Attempts).
type WireClient struct {
	base   string
	http   *http.Client
	budget int

	// onResponse, when set, sees every response before anyone else, before
	// it is returned: the run's redactor learns the values in each body
	// there. Set it before sending anything.
	onResponse func(*Exchange)

	mu   sync.Mutex
	sent int
	// reserved are requests of the budget kept for revokes (Reserve):
	// other requests may not use them, so that a run that made a key can
	// always revoke it.
	reserved int
	refused  int
	retries  int
	failures int // transport errors: timeouts, resets
}

// NewWireClient returns a client for base (with /v1) that sends at most
// budget requests, each bounded by timeout.
func NewWireClient(base string, timeout time.Duration, budget int) *WireClient {
	// HTTP/1.1 only: over HTTP/2 net/http resends a request on a stream the
	// server refused (REFUSED_STREAM, GOAWAY), a second request that neither
	// the budget nor Exchange.Attempts would see. An explicit set of
	// protocols wins over ForceAttemptHTTP2 and net/http's defaults.
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	transport := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DisableKeepAlives:      true,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
		Protocols:              &protocols,
	}
	return &WireClient{
		base:   strings.TrimSuffix(base, "/"),
		budget: budget,
		http: &http.Client{
			Transport: transport,
			Timeout:   timeout,
			// A redirect is an undocumented status: capture it as it is.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// stats returns the counts so far.
func (c *WireClient) stats() report.Requests {
	c.mu.Lock()
	defer c.mu.Unlock()
	return report.Requests{Sent: c.sent, Budget: c.budget, Refused: c.refused, Retries: c.retries, TransportErrors: c.failures}
}

// Close releases idle connections.
func (c *WireClient) Close() { c.http.CloseIdleConnections() }

// Auth says how a list request authenticates.
type Auth struct {
	// Header is the whole Authorization value; "" sends none.
	Header string
}

// Bearer is the Authorization the flexapi client sends.
func Bearer(token string) Auth { return Auth{Header: "Bearer " + token} }

// noAuth sends no Authorization header.
func noAuth() Auth { return Auth{} }

// ListAPIKeys sends listApiKeys for mid as the page's curl example does:
// no body, accept: application/json, the given Authorization. Its method
// and path are the spec's, from the generated request builder.
func (c *WireClient) ListAPIKeys(ctx context.Context, mid string, auth Auth) (*Exchange, error) {
	req, err := oapi.NewListAPIKeysRequest(c.server(), mid)
	if err != nil {
		return nil, fmt.Errorf("contract: list request: %w", err)
	}
	return c.do(c.prepare(ctx, req, auth), report.OpListAPIKeys)
}

// createToken sends createToken with the app's credentials, built by the
// generated request builder from the spec's path and request schema.
func (c *WireClient) createToken(ctx context.Context, appKey, appSecret string) (*Exchange, error) {
	body, err := json.Marshal(oapi.TokenRequest{AppKey: appKey, AppSecret: appSecret})
	if err != nil {
		return nil, fmt.Errorf("contract: token request: %w", err)
	}
	req, err := oapi.NewCreateTokenRequestWithBody(c.server(), "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("contract: token request: %w", err)
	}
	ex, err := c.do(c.prepare(ctx, req, noAuth()), report.OpCreateToken)
	if ex != nil {
		ex.RequestBody = tokenRequestBody(appKey)
	}
	return ex, err
}

// server is the base URL as the generated request builders take it: they
// resolve the spec's path ("./api-keys") against it, so it ends with "/"
// lest its last segment (/v1) be replaced.
func (c *WireClient) server() string { return c.base + "/" }

// prepare gives a request a generated builder made the run's context, the
// Accept header every call of the suite sends, and auth.
func (c *WireClient) prepare(ctx context.Context, req *http.Request, auth Auth) *http.Request {
	req = req.WithContext(ctx)
	req.Header.Set("Accept", "application/json")
	if auth.Header != "" {
		req.Header.Set("Authorization", auth.Header)
	}
	return req
}

func (c *WireClient) do(req *http.Request, op string) (*Exchange, error) {
	return c.send(req, op, op == report.OpRevokeAPIKey)
}

// send is do; only a request that may use the reserved part of the budget
// (the revoke of a key the run made) does.
func (c *WireClient) send(req *http.Request, op string, mayUseReserved bool) (*Exchange, error) {
	c.mu.Lock()
	limit := c.budget - c.reserved
	if mayUseReserved && c.reserved > 0 {
		limit = c.budget
		c.reserved--
	}
	if c.sent >= limit {
		c.refused++
		c.mu.Unlock()
		return nil, fmt.Errorf("%w (%d requests)", errBudgetExceeded, c.budget)
	}
	c.sent++
	c.mu.Unlock()

	attempts := 0
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { attempts++ }}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := c.http.Do(req)
	c.countRetries(attempts)
	if err != nil {
		c.mu.Lock()
		c.failures++
		c.mu.Unlock()
		// url.Error quotes the URL, which holds only the base and the mid.
		return nil, fmt.Errorf("contract: %s %s: %w", req.Method, op, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("contract: %s %s: read body: %w", req.Method, op, err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("contract: %s %s: %w", req.Method, op, errBodyTooLarge)
	}
	// The captured request keeps no body and no trace: it is only routed.
	captured := req.Clone(context.Background())
	captured.Body = http.NoBody
	ex := &Exchange{
		Operation: op,
		Request:   captured,
		Status:    resp.StatusCode,
		Header:    resp.Header.Clone(),
		Body:      body,
		Attempts:  attempts,
	}
	if c.onResponse != nil {
		c.onResponse(ex)
	}
	return ex, nil
}

func (c *WireClient) countRetries(attempts int) {
	if attempts > 1 {
		c.mu.Lock()
		c.retries += attempts - 1
		c.mu.Unlock()
	}
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
