package flexapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

// authenticator gives the bearer token of a call.
type authenticator interface {
	// token returns the token to send.
	token(ctx context.Context) (string, error)
	// renew drops used, the token a call was refused with, so that the next
	// token call gets a new one. It reports whether a new token can be had
	// at all; a static token cannot.
	renew(used string) bool
}

// sourceAuth asks an oauth2.TokenSource: WithToken (a StaticTokenSource) and
// WithTokenSource.
type sourceAuth struct {
	src       oauth2.TokenSource
	renewable bool
}

func (a *sourceAuth) token(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	t, err := a.src.Token()
	if err != nil {
		// The source's error is the caller's own; it is wrapped, not
		// printed here, so that it keeps its type.
		return "", &AuthError{Err: err}
	}
	if t == nil || t.AccessToken == "" {
		return "", &AuthError{Err: errors.New("token source gave no access token")}
	}
	return t.AccessToken, nil
}

func (a *sourceAuth) renew(string) bool { return a.renewable }

// Format keeps the source, which may hold a token, out of any output.
func (a *sourceAuth) Format(f fmt.State, _ rune) {
	fmt.Fprint(f, "flexapi.sourceAuth{"+redact.Placeholder+"}")
}

// exchangeAuth exchanges an app's credentials for a token at POST
// /oauth2/token, through the generated client, and reuses it.
//
// The exchange itself is an oauth2.TokenSource (exchangeSource). The reuse is
// done here rather than by oauth2.ReuseTokenSourceWithExpiry, which has the
// same early-expiry idea but neither a way to drop a token the server refused
// (the docs' policy: renew on 401) nor a context for waiters: a caller whose
// context ends stops waiting here, while the shared exchange goes on for the
// others (singleflight).
type exchangeAuth struct {
	api          *oapi.Client
	appKey       string
	appSecret    redact.Text
	red          *redact.Redactor
	schemas      *answerSchemas
	maxBodyBytes int64
	timeout      time.Duration
	earlyExpiry  time.Duration
	now          func() time.Time
	route        string
	log          *slog.Logger // WithLogger's, or nil

	flight singleflight.Group
	mu     sync.Mutex
	cur    *cachedToken
}

// cachedToken is a token and when to stop using it; a zero refreshAt means
// until the server refuses it.
type cachedToken struct {
	access    string
	refreshAt time.Time
}

func (a *exchangeAuth) fresh() (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur == nil {
		return "", false
	}
	if !a.cur.refreshAt.IsZero() && !a.now().Before(a.cur.refreshAt) {
		return "", false
	}
	return a.cur.access, true
}

func (a *exchangeAuth) token(ctx context.Context) (string, error) {
	if tok, ok := a.fresh(); ok {
		return tok, nil
	}
	tok, err := a.exchange(ctx)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		// The exchange this call joined ran out of its own time, which
		// started before this call did: a server that has since recovered
		// deserves one new exchange rather than the old one's failure.
		tok, err = a.exchange(ctx)
	}
	return tok, err
}

// exchange joins the exchange under way, or starts one, and waits for it
// as long as ctx allows.
func (a *exchangeAuth) exchange(ctx context.Context) (string, error) {
	ch := a.flight.DoChan("token", func() (any, error) {
		// A caller that waited for the lock of an exchange that just ended
		// finds its result here.
		if tok, ok := a.fresh(); ok {
			return tok, nil
		}
		// The exchange serves every waiter, so it does not end with the
		// context of the one that started it; it has its own bound.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.timeout)
		defer cancel()
		fctx, _ = withCall(fctx, OpTokenExchange, a.route)
		t, err := exchangeSource{ctx: fctx, a: a}.Token()
		if err != nil {
			return nil, err
		}
		a.store(t)
		return t.AccessToken, nil
	})
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	}
}

// minTokenReuse is the least time a token is reused for, whatever its
// expiry says: the docs ask for no token request per call, and a token that
// did expire meanwhile costs one 401 and one renewal.
const minTokenReuse = time.Minute

// store caches t. It is renewed earlyExpiry before it expires, or halfway
// through its life when that is shorter, and never sooner than
// minTokenReuse from now, so that a short-lived token is not exchanged on
// every call. An expiry already past says nothing usable (expires in
// seconds rather than milliseconds reads as 1970; a clock far off): the
// token is then reused until a call answers 401, the docs' policy.
func (a *exchangeAuth) store(t *oauth2.Token) {
	c := &cachedToken{access: t.AccessToken}
	now := a.now()
	if life := t.Expiry.Sub(now); !t.Expiry.IsZero() && life > 0 {
		refreshAt := t.Expiry.Add(-min(a.earlyExpiry, life/2))
		c.refreshAt = now.Add(minTokenReuse)
		if refreshAt.After(c.refreshAt) {
			c.refreshAt = refreshAt
		}
	}
	a.mu.Lock()
	a.cur = c
	a.mu.Unlock()
}

func (a *exchangeAuth) renew(used string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	// Only the token that was refused is dropped: when many calls fail with
	// the same old token, the first drops it and the rest find the new one.
	if a.cur != nil && a.cur.access == used {
		a.cur = nil
	}
	return true
}

// Format keeps the credentials and the token out of any output.
func (a *exchangeAuth) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "flexapi.exchangeAuth{appKey: %q}", a.appKey)
}

// exchangeSource is one token exchange as an oauth2.TokenSource.
type exchangeSource struct {
	ctx context.Context
	a   *exchangeAuth
}

// Token posts the credentials to /oauth2/token. Every failure is an
// *AuthError; none carries the AppSecret.
func (s exchangeSource) Token() (_ *oauth2.Token, err error) {
	a := s.a
	status, start := 0, time.Now()
	if a.log != nil {
		defer func() { logExchange(s.ctx, a.log, a.red, status, time.Since(start), err) }()
	}
	resp, err := a.api.CreateToken(s.ctx, oapi.TokenRequest{AppKey: a.appKey, AppSecret: string(a.appSecret)})
	if resp != nil {
		status = resp.StatusCode
	}
	if err != nil {
		return nil, &AuthError{Err: closeOnError(resp, fmt.Errorf("POST /oauth2/token: %w", err))}
	}
	defer drainAndClose(resp.Body)
	if err := checkResponse(OpTokenExchange, resp, a.red); err != nil {
		return nil, &AuthError{Err: err}
	}
	var tr oapi.TokenResponse
	err = decodeBody(OpTokenExchange, resp, a.maxBodyBytes, a.red, func(body []byte) error {
		return decodeChecked(a.schemas.token, body, &tr)
	})
	if err != nil {
		// A token answer is secrets throughout, some in members or shapes
		// the redactor cannot know (a refresh token sent as an array, a
		// form-encoded answer): one the client cannot use is told by its
		// rule or its content type alone.
		var de *DecodeError
		if errors.As(err, &de) {
			de.Body = ""
		}
		return nil, &AuthError{Err: err}
	}
	t := &oauth2.Token{AccessToken: tr.AccessToken, TokenType: "Bearer", RefreshToken: tr.RefreshToken}
	if tr.Expires > 0 {
		t.Expiry = time.UnixMilli(tr.Expires)
		// The expiry is on the server's clock: read it as a lifetime from
		// the answer's Date and place that on ours, so that a client clock
		// ahead or behind neither renews at once nor uses a dead token.
		if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			t.Expiry = a.now().Add(t.Expiry.Sub(date))
		}
	}
	return t, nil
}
