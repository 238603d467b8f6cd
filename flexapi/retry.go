package flexapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

// retryDoer is the generated client's HttpRequestDoer: it sends each request
// through a retryablehttp.Client. Using the retryablehttp.Client directly
// (rather than its StandardClient) keeps one *http.Client, ours, in charge of
// redirects.
type retryDoer struct {
	rc  *retryablehttp.Client
	log *slog.Logger // WithLogger's, or nil
	red *redact.Redactor
}

func (d retryDoer) Do(req *http.Request) (*http.Response, error) {
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, err
	}
	resp, err := d.client(req.Context()).Do(rreq)
	if resp != nil && resp.StatusCode == http.StatusSwitchingProtocols {
		// No request asks for an upgrade. The body of a 101 is the raw
		// connection, which no deadline or context governs: reading it
		// (for an error excerpt, or to drain it) would wait for as long as
		// the server keeps it open. Close it unread; the 101 becomes an
		// *APIError like any other unexpected status.
		_ = resp.Body.Close()
		resp.Body = http.NoBody
	}
	return resp, err
}

// client is rc, or with a logger, rc for one request, reporting each retry
// before its wait (retryablehttp's hooks tell neither the wait nor, after
// a transport failure, the request).
func (d retryDoer) client(ctx context.Context) *retryablehttp.Client {
	if d.log == nil {
		return d.rc
	}
	var failure error
	return &retryablehttp.Client{
		HTTPClient:   d.rc.HTTPClient,
		RetryWaitMin: d.rc.RetryWaitMin,
		RetryWaitMax: d.rc.RetryWaitMax,
		RetryMax:     d.rc.RetryMax,
		ErrorHandler: d.rc.ErrorHandler,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			failure = err
			return d.rc.CheckRetry(ctx, resp, err)
		},
		Backoff: func(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
			wait := d.rc.Backoff(min, max, attempt, resp)
			logRetry(ctx, d.log, d.red, attempt+2, resp, failure, wait)
			return wait
		},
	}
}

// keepIdle is a RoundTripper without CloseIdleConnections, which
// http.Client.CloseIdleConnections therefore leaves alone.
type keepIdle struct{ http.RoundTripper }

// retryPolicy decides which answers are tried again and how long to wait.
type retryPolicy struct {
	maxRetryWait time.Duration
	now          func() time.Time
}

// newRetryClient wires a retryablehttp.Client the way this package needs it:
// no logger (its messages would go to stderr and name URLs), the last
// response handed back as it is (PassthroughErrorHandler: the caller turns
// it into an *APIError and closes it), our retry decision and backoff.
//
// retryablehttp closes its http.Client's idle connections whenever it gives
// up (retries run out, a transport error, a context ended in a wait): one
// caller's bad answer would drop every other caller's kept-alive
// connections, and with a caller's http.Client on the default transport,
// the whole process's. It gets a copy of hc whose transport cannot close
// idle connections; Client.CloseIdleConnections still can.
func newRetryClient(hc *http.Client, s *settings, p retryPolicy) *retryablehttp.Client {
	kept := *hc
	kept.Transport = keepIdle{hc.Transport} // never nil: httpClientFor sets it
	return &retryablehttp.Client{
		HTTPClient:   &kept,
		Logger:       nil,
		RetryWaitMin: s.retryWaitMin,
		RetryWaitMax: s.retryWaitMax,
		RetryMax:     s.maxAttempts - 1,
		CheckRetry:   p.check,
		Backoff:      p.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
}

// check is the policy of the call a request belongs to (its context's
// call): list and revoke are idempotent in effect, the token exchange and
// create are not, create least of all (createRetry). A request of no known
// call gets create's, the most cautious.
func (p retryPolicy) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	switch callOf(ctx).op {
	case OpListAPIKeys, OpRevokeAPIKey:
		return p.listRetry(ctx, resp, err)
	case OpTokenExchange:
		return p.tokenRetry(ctx, resp, err)
	}
	return p.createRetry(ctx, resp, err)
}

// listRetry is the policy of the list call, a GET and so idempotent:
// connection errors and 429, 502, 503, 504 are tried again; every other
// status, 401 included (that one is handled above, by renewing the token),
// is final.
func (p retryPolicy) listRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return retryableTransportError(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return p.waitFits(ctx, resp), nil
	}
	return false, nil
}

// tokenRetry is the policy of POST /oauth2/token. A POST is tried again only
// when the server cannot have acted on it:
//
//   - a dial error: the request was never sent;
//   - 429: the server refused to process it;
//   - 503 with Retry-After: the server says it did not handle it and when
//     to come back.
//
// Not after a reset or timeout once the request was written, nor after a 502
// or 504: a gateway may have passed the request on, and the token exchange
// is not documented as idempotent.
func (p retryPolicy) tokenRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		var op *net.OpError
		return errors.As(err, &op) && op.Op == "dial", nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return p.waitFits(ctx, resp), nil
	case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
		return p.waitFits(ctx, resp), nil
	}
	return false, nil
}

// waitFits reports whether the wait a Retry-After asks for ends before the
// context does. If it does not, the answer is returned now as an *APIError
// rather than after sleeping into a deadline error that hides it.
func (p retryPolicy) waitFits(ctx context.Context, resp *http.Response) bool {
	deadline, ok := ctx.Deadline()
	if !ok {
		return true
	}
	wait, ok := p.retryAfter(resp)
	if !ok {
		return true
	}
	return p.now().Add(wait).Before(deadline)
}

// retryableTransportError reports whether a failure to get an answer is
// worth another attempt: not a refused redirect, not a certificate problem,
// not a malformed request; any other network failure is.
func retryableTransportError(err error) bool {
	var (
		certErr     *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidErr  x509.CertificateInvalidError
	)
	switch {
	case errors.Is(err, ErrRedirectRefused),
		errors.As(err, &certErr), errors.As(err, &unknownAuth),
		errors.As(err, &hostErr), errors.As(err, &invalidErr):
		return false
	}
	msg := err.Error()
	return !strings.Contains(msg, "unsupported protocol scheme") &&
		!strings.Contains(msg, "stopped after")
}

// backoff is capped, jittered exponential backoff; a Retry-After header
// replaces it, capped at maxRetryWait.
func (p retryPolicy) backoff(first, most time.Duration, attempt int, resp *http.Response) time.Duration {
	if d, ok := p.retryAfter(resp); ok {
		return d
	}
	wait := first
	for i := 0; i < attempt && wait < most; i++ {
		wait *= 2
	}
	wait = min(wait, most)
	// Equal jitter: half fixed, half random, so that callers that failed
	// together do not come back together.
	half := wait / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// retryAfter is the wait a 429's or 503's Retry-After header asks for,
// capped at maxRetryWait.
func (p retryPolicy) retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
	default:
		return 0, false
	}
	d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), p.now())
	return min(d, p.maxRetryWait), ok
}

// parseRetryAfter parses a Retry-After value, seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Capped where a Duration would overflow.
		return time.Duration(min(secs, math.MaxInt64/int64(time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
