package flexapi

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxRedirects matches net/http's own limit.
const maxRedirects = 10

// httpClientFor returns the *http.Client the client sends with: a copy of the
// caller's, or one over defaultTransport, whose redirects stay on their
// origin, and inner, the transport under WithTransportWrapper's wrappers.
func httpClientFor(s *settings) (hc *http.Client, inner http.RoundTripper, err error) {
	hc = &http.Client{}
	if s.httpClient != nil {
		*hc = *s.httpClient
	} else {
		hc.Transport = defaultTransport(s.headerTimeout)
	}
	hc.CheckRedirect = sameOriginRedirects
	if hc.Transport == nil {
		hc.Transport = http.DefaultTransport
	}
	inner = hc.Transport
	for _, wrap := range s.wrappers {
		if hc.Transport = wrap(hc.Transport); hc.Transport == nil {
			return nil, nil, errors.New("flexapi: a transport wrapper returned nil")
		}
	}
	return hc, inner, nil
}

// maxHeaderBytes caps the response headers the transport New builds will
// hold: FlexFactor's are well under a KiB, and net/http's own default
// (10 MiB) would let a server cost each call as much again as the body cap.
const maxHeaderBytes = 256 << 10

// defaultTransport is net/http's default transport, owned by this client,
// with bounds on the wait for response headers and on their size.
func defaultTransport(headerTimeout time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = headerTimeout
	t.MaxResponseHeaderBytes = maxHeaderBytes
	return t
}

// sameOriginRedirects follows a redirect only to the same scheme, host and
// method: net/http keeps the Authorization header on a downgrade to http,
// and follows a 301, 302 or 303 of a DELETE or POST with a GET, whose
// answer would pass for the revoke's. A refused redirect is clearer.
func sameOriginRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("flexapi: stopped after %d redirects", maxRedirects)
	}
	from := via[0]
	if req.URL.Scheme != from.URL.Scheme || !strings.EqualFold(req.URL.Host, from.URL.Host) || req.Method != from.Method {
		return fmt.Errorf("%w: %s %s://%s to %s %s://%s", ErrRedirectRefused,
			from.Method, from.URL.Scheme, from.URL.Host, req.Method, req.URL.Scheme, req.URL.Host)
	}
	return nil
}

// checkTransportSecurity refuses a client that would send credentials in
// clear text: https always, plain http to loopback hosts only (localhost or
// a loopback address; a name is not resolved, as it may not keep resolving
// to loopback).
func checkTransportSecurity(u *url.URL) error {
	ip := net.ParseIP(u.Hostname())
	if u.Scheme == "https" || strings.EqualFold(u.Hostname(), "localhost") || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInsecureTransport, u.Host)
}

// closeOnError closes the response net/http may return together with an
// error (a refused redirect does that); its body is already closed or
// unread.
func closeOnError(resp *http.Response, err error) error {
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	return err
}

// errNilContext mirrors net/http's refusal of a nil context.
var errNilContext = errors.New("flexapi: nil Context")
