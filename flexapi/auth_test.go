package flexapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// testClock is a clock tests move forward instead of sleeping.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func mustList(t *testing.T, c *flexapi.Client, mid string) *flexapi.APIKeyList {
	t.Helper()
	l, err := c.ListAPIKeys(context.Background(), mid)
	if err != nil {
		t.Fatalf("ListAPIKeys(%q): %v", mid, err)
	}
	return l
}

func TestTokenIsReusedUntilShortlyBeforeItExpires(t *testing.T) {
	f := newFakeFF(t) // tokens live 10 minutes
	clock := &testClock{}
	c := newClient(t, f, flexapi.WithClock(clock.now), flexapi.WithEarlyExpiry(30*time.Second))

	for range 3 {
		mustList(t, c, exampleMID)
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Fatalf("token calls after 3 lists: %d, want 1", got)
	}
	expectRenewedShortlyBeforeExpiry(t, f, c, clock)
	mustList(t, c, exampleMID)
	if got := f.tokenCalls.Load(); got != 2 {
		t.Fatalf("token calls after renewal: %d, want 2", got)
	}
}

func TestShortLivedTokenIsNotExchangedOnEveryCall(t *testing.T) {
	f := newFakeFF(t)
	f.lifetime = 20 * time.Second // shorter than the early-expiry margin
	c := newClient(t, f)
	for range 3 {
		mustList(t, c, exampleMID)
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Errorf("token calls: %d, want 1 (renewed halfway through its life)", got)
	}
}

func TestA401RenewsTheTokenOnceAndRetriesOnce(t *testing.T) {
	f := newFakeFF(t)
	c := newClient(t, f)
	mustList(t, c, exampleMID)
	f.revoke() // the server forgets the token before it expires

	got := mustList(t, c, exampleMID)
	if len(got.Keys) != 2 {
		t.Errorf("keys: %d, want 2", len(got.Keys))
	}
	if tc, lc := f.tokenCalls.Load(), f.listCalls.Load(); tc != 2 || lc != 3 {
		t.Errorf("token calls %d, list calls %d: want 2 and 3", tc, lc)
	}
	f.mu.Lock()
	authz := append([]string(nil), f.authz...)
	f.mu.Unlock()
	if authz[1] == authz[2] {
		t.Errorf("the retried call sent the refused token again")
	}
}

func TestA401WithTheNewTokenIsFinal(t *testing.T) {
	f := newFakeFF(t)
	f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusUnauthorized, unauthorized)
	}
	_, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
	var apiErr *flexapi.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
		t.Fatalf("error %v: want *APIError 401", err)
	}
	if tc, lc := f.tokenCalls.Load(), f.listCalls.Load(); tc != 2 || lc != 2 {
		t.Errorf("token calls %d, list calls %d: want 2 and 2 (one renewal, one retry)", tc, lc)
	}
	assertNoSecret(t, err)
}

func TestStaticTokenIsSentAndA401IsFinal(t *testing.T) {
	f := newFakeFF(t)
	c, err := flexapi.New(flexapi.WithBaseURL(f.URL()), flexapi.WithToken(staticTok))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	mustList(t, c, exampleMID)

	f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusUnauthorized, unauthorized)
	}
	_, err = c.ListAPIKeys(context.Background(), exampleMID)
	var apiErr *flexapi.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
		t.Fatalf("error %v: want *APIError 401", err)
	}
	if tc, lc := f.tokenCalls.Load(), f.listCalls.Load(); tc != 0 || lc != 2 {
		t.Errorf("token calls %d, list calls %d: want 0 and 2 (a static token is not renewed)", tc, lc)
	}
	assertNoSecret(t, err)
	assertNoSecret(t, c)
}

func TestTokenSourceOption(t *testing.T) {
	f := newFakeFF(t)
	c, err := flexapi.New(flexapi.WithBaseURL(f.URL()),
		flexapi.WithTokenSource(oauth2.ReuseTokenSource(nil, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: staticTok}))))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	mustList(t, c, exampleMID)
	assertNoSecret(t, c)
}

// TestConcurrentCallersShareOneTokenExchange starts 64 calls at once on a
// fresh client, then 64 more after the server revoked the token.
func TestConcurrentCallersShareOneTokenExchange(t *testing.T) {
	f := newFakeFF(t)
	f.token = func(w http.ResponseWriter, r *http.Request, n int) {
		time.Sleep(20 * time.Millisecond) // every caller arrives while it runs
		f.issueToken(w, r, n)
	}
	c := newClient(t, f)
	run := func() {
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.ListAPIKeys(context.Background(), exampleMID); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("ListAPIKeys: %v", err)
		}
	}
	run()
	if got := f.tokenCalls.Load(); got != 1 {
		t.Errorf("token calls for 64 concurrent first calls: %d, want 1", got)
	}
	f.revoke()
	run()
	if got := f.tokenCalls.Load(); got != 2 {
		t.Errorf("token calls after revocation: %d, want 2", got)
	}
}

// TestWaiterLeavesWhenItsContextEnds: a caller whose context ends stops
// waiting for the shared exchange, with an error that says what it waited
// for; the exchange still serves the others.
func TestWaiterLeavesWhenItsContextEnds(t *testing.T) {
	f := newFakeFF(t)
	release := make(chan struct{})
	f.token = func(w http.ResponseWriter, r *http.Request, n int) {
		<-release
		f.issueToken(w, r, n)
	}
	c := newClient(t, f)

	done := make(chan error, 1)
	go func() {
		_, err := c.ListAPIKeys(context.Background(), exampleMID)
		done <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ListAPIKeys(ctx, exampleMID)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(fmt.Sprint(err), "flexapi: token exchange: ") ||
		time.Since(start) > 2*time.Second {
		t.Errorf("error %v after %s: want DeadlineExceeded promptly, in the token exchange", err, time.Since(start))
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the other caller: %v", err)
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Errorf("token calls: %d, want 1", got)
	}
}

func TestFailedTokenExchangeIsAnAuthErrorWithoutTheSecret(t *testing.T) {
	tests := []struct {
		name   string
		token  func(w http.ResponseWriter, r *http.Request, n int)
		status int // of the *APIError inside, 0 for a *DecodeError
	}{
		{"bad credentials", func(w http.ResponseWriter, _ *http.Request, _ int) {
			writeJSON(w, http.StatusUnauthorized, `{"errors": ["Invalid credentials."]}`)
		}, 401},
		{"server echoes the request", func(w http.ResponseWriter, r *http.Request, _ int) {
			var b strings.Builder
			_, _ = fmt.Fprintf(&b, `{"errors": ["bad request: AppSecret=%s"], "request": `, appSecret)
			buf := make([]byte, 512)
			n, _ := r.Body.Read(buf)
			b.Write(buf[:n])
			b.WriteString("}")
			writeJSON(w, http.StatusBadRequest, b.String())
		}, 400},
		{"no accessToken", func(w http.ResponseWriter, _ *http.Request, _ int) {
			writeJSON(w, http.StatusOK, `{"success": false, "accessToken": "", "expires": 0}`)
		}, 0},
		{"HTML", func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>login</html>"))
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFF(t)
			f.token = tt.token
			_, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
			var authErr *flexapi.AuthError
			if !errors.As(err, &authErr) {
				t.Fatalf("error %v (%T): want *AuthError", err, err)
			}
			var apiErr *flexapi.APIError
			var decErr *flexapi.DecodeError
			switch {
			case tt.status != 0 && (!errors.As(err, &apiErr) || apiErr.StatusCode != tt.status):
				t.Errorf("error %v: want an *APIError %d inside", err, tt.status)
			case tt.status == 0 && !errors.As(err, &decErr):
				t.Errorf("error %v: want a *DecodeError inside", err)
			}
			if f.listCalls.Load() != 0 {
				t.Errorf("the list call was sent without a token")
			}
			assertNoSecret(t, err)
			if apiErr != nil {
				assertNoSecret(t, *apiErr)
			}
		})
	}
}

// The token call's documented 400 is the errors page's ModelState body: the
// client keeps its fields, inside the *AuthError.
func TestTokenCallValidationErrorKeepsItsFields(t *testing.T) {
	f := newFakeFF(t)
	f.token = func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprintf(w, `{"status":400,"title":"One or more validation errors occurred.",`+
			`"traceId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",`+
			`"errors":{"AppKey":["The AppKey field is required."],"AppSecret":["The AppSecret field is required.","%s is not allowed."]}}`, appSecret)
	}
	_, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
	var authErr *flexapi.AuthError
	var apiErr *flexapi.APIError
	if !errors.As(err, &authErr) || !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T): want an *AuthError wrapping an *APIError", err, err)
	}
	if apiErr.StatusCode != http.StatusBadRequest || len(apiErr.FieldErrors) != 2 ||
		len(apiErr.FieldErrors["AppKey"]) != 1 || apiErr.FieldErrors["AppKey"][0] != "The AppKey field is required." ||
		len(apiErr.FieldErrors["AppSecret"]) != 2 {
		t.Errorf("APIError %d, fields %q: want 400 with AppKey's and AppSecret's messages", apiErr.StatusCode, apiErr.FieldErrors)
	}
	if len(apiErr.Messages) != 1 || apiErr.Messages[0] != "One or more validation errors occurred." {
		t.Errorf("messages %q, want the title", apiErr.Messages)
	}
	if f.listCalls.Load() != 0 {
		t.Errorf("the list call was sent without a token")
	}
	assertNoSecret(t, err)
	assertNoSecret(t, *apiErr)
}

// TestOddExpiriesCostNoExchangePerCall: the docs ask for no token request
// per call. An expires in seconds rather than milliseconds, one in the past,
// one a second away, or a client clock an hour off must not make the client
// exchange its credentials on every call: it reuses the token until a 401
// says otherwise, or for a floor of a minute. An expiry already past says
// nothing usable: that token is reused until a 401, an hour later too.
func TestOddExpiriesCostNoExchangePerCall(t *testing.T) {
	tests := []struct {
		name    string
		expires func(now time.Time) int64
		skew    time.Duration // the client's clock minus the server's
		noDate  bool          // the token answer has no Date header
		past    bool          // the expiry reads as already past
	}{
		{"expires in seconds", func(now time.Time) int64 { return now.Add(10 * time.Minute).Unix() }, 0, false, true},
		{"expires an hour ago", func(now time.Time) int64 { return now.Add(-time.Hour).UnixMilli() }, 0, false, true},
		{"expires in a second", func(now time.Time) int64 { return now.Add(time.Second).UnixMilli() }, 0, false, false},
		{"the client's clock an hour ahead", func(now time.Time) int64 { return now.Add(10 * time.Minute).UnixMilli() }, time.Hour, false, false},
		{"the client's clock an hour ahead, no Date", func(now time.Time) int64 { return now.Add(10 * time.Minute).UnixMilli() }, time.Hour, true, true},
		{"the client's clock an hour behind", func(now time.Time) int64 { return now.Add(10 * time.Minute).UnixMilli() }, -time.Hour, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFF(t)
			f.token = func(w http.ResponseWriter, r *http.Request, n int) {
				tok := fmt.Sprintf("access-%d-Hx4Lq", n)
				f.mu.Lock()
				f.tokens[tok] = true
				f.mu.Unlock()
				if tt.noDate {
					w.Header()["Date"] = nil
				}
				writeJSON(w, http.StatusOK, fmt.Sprintf(`{"accessToken": %q, "refreshToken": "r", "expires": %d}`,
					tok, tt.expires(time.Now())))
			}
			clock := &testClock{}
			clock.advance(tt.skew)
			c := newClient(t, f, flexapi.WithClock(clock.now))
			for range 6 {
				mustList(t, c, exampleMID)
				clock.advance(5 * time.Second)
			}
			if got := f.tokenCalls.Load(); got != 1 {
				t.Errorf("token calls for 6 calls over 30s: %d, want 1", got)
			}
			if tt.past {
				clock.advance(time.Hour)
				mustList(t, c, exampleMID)
				if got := f.tokenCalls.Load(); got != 1 {
					t.Errorf("token calls an hour later: %d, want 1 (a past expiry is no reason to renew)", got)
				}
			}
		})
	}
}

// TestExpiryIsReadOnTheServersClock: with the client's clock an hour ahead,
// a ten-minute token is still renewed shortly before its ten minutes end,
// measured from the Date of the token answer.
func TestExpiryIsReadOnTheServersClock(t *testing.T) {
	f := newFakeFF(t) // tokens live 10 minutes
	clock := &testClock{}
	clock.advance(time.Hour)
	c := newClient(t, f, flexapi.WithClock(clock.now), flexapi.WithEarlyExpiry(30*time.Second))
	mustList(t, c, exampleMID)
	expectRenewedShortlyBeforeExpiry(t, f, c, clock)
}

// expectRenewedShortlyBeforeExpiry: c, with one ten-minute token of f
// obtained and a 30s early expiry, reuses it 9 minutes in and gets a new one
// 20s before it expires.
func expectRenewedShortlyBeforeExpiry(t *testing.T, f *fakeFF, c *flexapi.Client, clock *testClock) {
	t.Helper()
	clock.advance(9 * time.Minute)
	mustList(t, c, exampleMID)
	if got := f.tokenCalls.Load(); got != 1 {
		t.Fatalf("token calls 9 minutes in: %d, want 1", got)
	}
	clock.advance(40 * time.Second) // within 30s of expiry
	mustList(t, c, exampleMID)
	if got := f.tokenCalls.Load(); got != 2 {
		t.Fatalf("token calls 20s before expiry: %d, want 2", got)
	}
}
