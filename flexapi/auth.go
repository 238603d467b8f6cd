package flexapi

import (
	"context"
	"errors"
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
// WithTokenSource. Neither can be renewed by the client.
type sourceAuth struct{ src oauth2.TokenSource }

func (a sourceAuth) token(context.Context) (string, error) {
	t, err := a.src.Token()
	if err != nil {
		// Wrapped, not printed, so that the caller's error keeps its type.
		return "", &AuthError{Err: err}
	}
	if t == nil || t.AccessToken == "" {
		return "", &AuthError{Err: errors.New("token source gave no access token")}
	}
	return t.AccessToken, nil
}

func (sourceAuth) renew(string) bool { return false }

// exchangeAuth exchanges an app's credentials for a token at POST
// /oauth2/token, through the client's generated client, and reuses it.
// oauth2.ReuseTokenSourceWithExpiry has the same early-expiry idea but
// neither a way to drop a token the server refused (renew on 401) nor a
// context for waiters: here a caller whose context ends stops waiting,
// while the shared exchange goes on for the others (singleflight).
type exchangeAuth struct {
	c           *Client
	appKey      string
	appSecret   redact.Text
	timeout     time.Duration
	earlyExpiry time.Duration
	now         func() time.Time
	log         *slog.Logger // WithLogger's, or nil

	flight singleflight.Group
	mu     sync.Mutex
	access string    // the token, or ""
	until  time.Time // when to stop using it; zero: until it is refused
}

func (a *exchangeAuth) fresh() (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ok := a.access != "" && (a.until.IsZero() || a.now().Before(a.until))
	return a.access, ok
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
		fctx, _ = withCall(fctx, OpTokenExchange, a.c.routes[OpTokenExchange])
		t, err := a.fetch(fctx)
		if err != nil {
			return nil, err
		}
		a.store(t)
		return t.AccessToken, nil
	})
	select {
	case <-ctx.Done():
		return "", &AuthError{Err: ctx.Err()}
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
// minTokenReuse from now. An expiry already past says nothing usable
// (seconds read as milliseconds; a clock far off): the token is then
// reused until a call answers 401.
func (a *exchangeAuth) store(t *oauth2.Token) {
	var until time.Time
	now := a.now()
	if life := t.Expiry.Sub(now); !t.Expiry.IsZero() && life > 0 {
		until = t.Expiry.Add(-min(a.earlyExpiry, life/2))
		if floor := now.Add(minTokenReuse); floor.After(until) {
			until = floor
		}
	}
	a.mu.Lock()
	a.access, a.until = t.AccessToken, until
	a.mu.Unlock()
}

func (a *exchangeAuth) renew(used string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	// Only the token that was refused is dropped: when many calls fail with
	// the same old token, the first drops it and the rest find the new one.
	if a.access == used {
		a.access = ""
	}
	return true
}

// fetch posts the credentials to /oauth2/token. Every failure is an
// *AuthError; none carries the AppSecret.
func (a *exchangeAuth) fetch(ctx context.Context) (_ *oauth2.Token, err error) {
	c := a.c
	status, start := 0, time.Now()
	if a.log != nil {
		defer func() { logExchange(ctx, a.log, c.red, status, time.Since(start), err) }()
	}
	resp, err := c.api.CreateToken(ctx, oapi.TokenRequest{AppKey: a.appKey, AppSecret: string(a.appSecret)})
	if resp != nil {
		status = resp.StatusCode
	}
	if err != nil {
		return nil, &AuthError{Err: closeOnError(resp, &redactedError{"POST /oauth2/token: ", c.red.Redact(err.Error()), err})}
	}
	defer drainAndClose(resp.Body)
	if err := checkResponse(OpTokenExchange, resp, c.red); err != nil {
		return nil, &AuthError{Err: err}
	}
	var tr oapi.TokenResponse
	err = decodeBody(OpTokenExchange, resp, c.maxBodyBytes, c.red, func(body []byte) error {
		return newValueDecoder().decodeChecked(c.schemas.token, body, &tr)
	})
	if err != nil {
		// A token answer is secrets throughout, some in members or shapes
		// the redactor cannot know: one the client cannot use is told by
		// its rule or its content type alone.
		var de *DecodeError
		if errors.As(err, &de) {
			de.Body = ""
		}
		return nil, &AuthError{Err: err}
	}
	t := &oauth2.Token{AccessToken: tr.AccessToken}
	if tr.Expires > 0 {
		t.Expiry = time.UnixMilli(tr.Expires)
		// The expiry is on the server's clock: read it as a lifetime from
		// the answer's Date and place that on ours.
		if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			t.Expiry = a.now().Add(t.Expiry.Sub(date))
		}
	}
	return t, nil
}
