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
// through a retryablehttp.Client (not its StandardClient, so that one
// *http.Client, ours, is in charge of redirects).
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
		// connection, which no deadline governs: close it unread; the 101
		// becomes an *APIError like any other unexpected status.
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

// newRetryClient wires a retryablehttp.Client: no logger (it would write to
// stderr and name URLs), the last response handed back as it is for the
// caller to turn into an error, our retry decision and backoff.
//
// retryablehttp closes its http.Client's idle connections whenever it gives
// up: one caller's bad answer would drop every other caller's kept-alive
// connections (with the default transport, the whole process's). It gets
// a copy of hc whose transport cannot close them; Client.CloseIdleConnections
// still can.
func newRetryClient(hc *http.Client, s *settings) *retryablehttp.Client {
	kept := *hc
	kept.Transport = keepIdle{hc.Transport} // never nil: httpClientFor sets it
	p := retryPolicy{maxRetryWait: s.maxRetryWait, now: s.now}
	return &retryablehttp.Client{
		HTTPClient:   &kept,
		RetryWaitMin: s.retryWaitMin,
		RetryWaitMax: s.retryWaitMax,
		RetryMax:     s.maxAttempts - 1,
		CheckRetry:   p.check,
		Backoff:      p.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
}

// check is the policy of the call a request belongs to (its context's
// call), docs/client.md's table:
//
//   - list and revoke, idempotent in effect: connection errors and 429, 502,
//     503 and 504 are tried again;
//   - the token exchange, a POST not documented as idempotent: only what the
//     server cannot have acted on, a dial error, a 429, a 503 with
//     Retry-After (not a 502 or 504: a gateway may have passed it on);
//   - create, and a request of no known call: a dial error alone, since even
//     a 429 may come after the key was made.
//
// A 401 is final here: the caller renews the token and sends once more.
func (p retryPolicy) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	var dial *net.OpError
	op := callOf(ctx).op
	switch {
	case err != nil && (op == OpListAPIKeys || op == OpRevokeAPIKey):
		return retryableTransportError(err), nil
	case err != nil:
		return errors.As(err, &dial) && dial.Op == "dial", nil
	case op != OpListAPIKeys && op != OpRevokeAPIKey && op != OpTokenExchange:
		return false, nil
	}
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return op != OpTokenExchange, nil
	case http.StatusServiceUnavailable:
		if op == OpTokenExchange && resp.Header.Get("Retry-After") == "" {
			return false, nil
		}
		fallthrough
	case http.StatusTooManyRequests:
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
	wait, ok := p.retryWait(resp)
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
	if d, ok := p.retryWait(resp); ok {
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

// retryAfter is the wait a Retry-After header asks for, seconds or an HTTP
// date, capped at most.
func retryAfter(h http.Header, now time.Time, most time.Duration) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	// Out of range, ParseInt gives the largest int64: the longest wait.
	if secs, err := strconv.ParseInt(v, 10, 64); (err == nil || errors.Is(err, strconv.ErrRange)) && secs >= 0 {
		// Capped where a Duration would overflow.
		return min(time.Duration(min(secs, math.MaxInt64/int64(time.Second)))*time.Second, most), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), most), true
	}
	return 0, false
}

// retryWait is the wait a 429's or 503's Retry-After asks for, capped at
// maxRetryWait.
func (p retryPolicy) retryWait(resp *http.Response) (time.Duration, bool) {
	if resp == nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return 0, false
	}
	return retryAfter(resp.Header, p.now(), p.maxRetryWait)
}
