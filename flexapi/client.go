package flexapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

// Client calls FlexFactor's API-keys endpoints: list, create and revoke. It
// is safe for concurrent use: share one, so that calls share its token and
// its connections.
type Client struct {
	base         *url.URL
	api          *oapi.Client // every call, each with its retry policy
	schemas      *answerSchemas
	auth         authenticator
	hc           *http.Client
	inner        http.RoundTripper // hc's transport under the wrappers
	routes       map[Operation]string
	red          *redact.Redactor
	timeout      time.Duration
	maxBodyBytes int64
	authKind     authKind
}

// ErrNoCredentials: New was given none of WithToken, WithTokenSource or
// WithCredentials; every call would answer 401.
var ErrNoCredentials = errors.New("flexapi: no credentials: give WithCredentials, WithToken or WithTokenSource")

// New returns a Client configured by opts (Sandbox unless they say
// otherwise). It fails on the first invalid option, without credentials
// (ErrNoCredentials), and when credentials would go over plain http to a
// host that is not loopback (ErrInsecureTransport).
func New(opts ...Option) (*Client, error) {
	s := defaultSettings()
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("flexapi: nil Option")
		}
		if err := opt(s); err != nil {
			return nil, err
		}
	}
	if s.auth == authNone {
		return nil, ErrNoCredentials
	}
	if err := checkTransportSecurity(s.baseURL); err != nil {
		return nil, err
	}

	hc, inner, err := httpClientFor(s)
	if err != nil {
		return nil, err
	}
	routes, err := routesFor(s.baseURL.Path)
	if err != nil {
		return nil, fmt.Errorf("flexapi: %w", err)
	}
	userAgent := func(_ context.Context, req *http.Request) error {
		req.Header.Set("User-Agent", s.userAgent)
		req.Header.Set("Accept", "application/json")
		return nil
	}
	red := redact.New(string(s.token), string(s.appSecret))
	api, err := oapi.NewClient(s.baseURL.String(),
		oapi.WithHTTPClient(retryDoer{rc: newRetryClient(hc, s), log: s.logger, red: red}),
		oapi.WithRequestEditorFn(userAgent))
	if err != nil {
		return nil, fmt.Errorf("flexapi: %w", err)
	}
	sch, err := schemas()
	if err != nil {
		return nil, fmt.Errorf("flexapi: %w", err)
	}

	c := &Client{
		base:         s.baseURL,
		api:          api,
		schemas:      sch,
		hc:           hc,
		inner:        inner,
		routes:       routes,
		red:          red,
		timeout:      s.timeout,
		maxBodyBytes: s.maxBodyBytes,
		authKind:     s.auth,
	}
	switch s.auth {
	case authToken:
		c.auth = sourceAuth{oauth2.StaticTokenSource(&oauth2.Token{AccessToken: string(s.token)})}
	case authSource:
		c.auth = sourceAuth{s.source}
	case authCredentials:
		c.auth = &exchangeAuth{c: c, appKey: s.appKey, appSecret: s.appSecret,
			timeout: cmp.Or(s.timeout, defaultTimeout), earlyExpiry: s.earlyExpiry, now: s.now, log: s.logger}
	}
	return c, nil
}

// ListAPIKeys lists the API keys of the merchant mid.
//
// A mid that cannot name one segment of the path fails with ErrInvalidMID
// before any request. A non-2xx answer is an *APIError; a 2xx answer that is
// not the documented JSON is a *DecodeError; a body the network fails to
// deliver is that network error; a failed token exchange is an *AuthError.
func (c *Client) ListAPIKeys(ctx context.Context, mid string) (*APIKeyList, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	if err := validateSegment(ErrInvalidMID, mid); err != nil {
		return nil, err
	}
	ctx, cancel := c.start(ctx, OpListAPIKeys)
	defer cancel()

	resp, tok, err := c.authorized(ctx, OpListAPIKeys, func(ctx context.Context, bearer oapi.RequestEditorFn) (*http.Response, error) {
		return c.api.ListAPIKeys(ctx, mid, bearer)
	})
	if err != nil {
		return nil, err
	}
	defer drainAndClose(resp.Body)

	if err := checkResponse(OpListAPIKeys, resp, c.red, tok); err != nil {
		return nil, err
	}
	var list *APIKeyList
	if err := decodeBody(OpListAPIKeys, resp, c.maxBodyBytes, c.red, func(body []byte) (err error) {
		list, err = decodeKeyList(c.schemas, body)
		return err
	}, tok); err != nil {
		return nil, err
	}
	return list, nil
}

// CloseIdleConnections closes the idle connections of the client's
// transport.
func (c *Client) CloseIdleConnections() {
	c.hc.CloseIdleConnections()
	// A wrapper need not pass it on.
	if ci, ok := c.inner.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// Format describes the client without its credentials, whatever the verb.
// Its receiver is a value, so that a copied Client formats itself too
// rather than printing its fields.
func (c Client) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "flexapi.Client{base: %q, auth: %s}", c.base.Redacted(), c.authKind)
}

// IsPublicKeyType reports whether t is a client-side key type: public, or
// publishable, the name the list page's example gives the same kind of key.
func IsPublicKeyType(t APIKeyType) bool {
	return t == APIKeyTypePublic || t == APIKeyTypePublishable
}
