package flexapitest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

func TestClient(t *testing.T) {
	// The client judges token expiry by the real clock, so the fake one
	// starts now.
	clock := flexapitest.NewFakeClock(time.Now())
	srv := flexapitest.NewServer(flexapitest.WithClock(clock.Now))
	defer srv.Close()
	c := srv.Client(flexapi.WithMaxAttempts(1))
	ctx := context.Background()

	list, err := c.ListAPIKeys(ctx, flexapitest.DefaultMID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Keys) != 2 || list.Keys[0].Name != "My API Key" || list.Keys[1].LastUsed != nil {
		t.Errorf("keys = %+v", list.Keys)
	}
	if _, err := c.ListAPIKeys(ctx, "mid_none"); err != nil {
		t.Fatal(err)
	}
	if n := srv.RequestCount(flexapitest.RouteToken); n != 1 {
		t.Errorf("token calls = %d, want 1 (the token is reused)", n)
	}

	// Past the server's expiry the list call answers 401 and the client
	// gets a new token.
	clock.Advance(flexapitest.DefaultTokenTTL)
	if _, err := c.ListAPIKeys(ctx, flexapitest.DefaultMID); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n := srv.RequestCount(flexapitest.RouteToken); n != 2 {
		t.Errorf("token calls = %d, want 2", n)
	}

	srv.Inject(flexapitest.RouteList, flexapitest.InternalError().Once())
	_, err = c.ListAPIKeys(ctx, flexapitest.DefaultMID)
	var apiErr *flexapi.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusInternalServerError {
		t.Errorf("err = %v, want the 500 as an APIError", err)
	}

	// A static-token client, as Client's comment says.
	static, err := flexapi.New(flexapi.WithBaseURL(srv.URL), flexapi.WithToken(srv.IssueToken()), flexapi.WithHTTPClient(srv.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := static.ListAPIKeys(ctx, flexapitest.DefaultMID); err != nil {
		t.Errorf("static token: %v", err)
	}
}

// TestConcurrentUseAcrossExpiry runs eight rounds of 50 concurrent calls,
// run it with -race. Before each round but the first the clock moves past
// the token's lifetime, so every call of the round sends the expired token.
// The outcome does not depend on the scheduler: a gate in front of the
// double holds each round's first 50 list requests until all 50 are in
// flight, so all 50 meet the expiry together, and the clock never moves
// while a round runs, so a renewed token is good for its retry. Then every
// call must succeed (an injected 503 the client's retries could not outlast
// is the one failure allowed), and each round must cost one token exchange,
// shared by its 50 calls: with up to twice that allowed (a round that takes
// longer than the client's minute of token reuse by the real clock may
// renew early), a client that exchanges per call, or that does not renew
// on a 401, fails.
func TestConcurrentUseAcrossExpiry(t *testing.T) {
	const (
		ttl    = time.Minute
		rounds = 8
		calls  = 50
	)
	clock := flexapitest.NewFakeClock(time.Now())
	srv := flexapitest.NewServer(flexapitest.WithClock(clock.Now), flexapitest.WithTokenTTL(ttl))
	defer srv.Close()
	g := &gate{}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/api-keys/") && !g.wait(30*time.Second) {
			t.Errorf("a round's %d calls did not all reach the server within 30s", calls)
		}
		srv.ServeHTTP(w, r)
	}))
	defer front.Close()
	c, err := flexapi.New(flexapi.WithBaseURL(front.URL+"/v1"), flexapi.WithCredentials(srv.AppKey, srv.AppSecret),
		flexapi.WithHTTPClient(front.Client()), flexapi.WithBackoff(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}

	var unauthorized, unavailable atomic.Int32
	errs := make(chan error, rounds*calls)
	for round := range rounds {
		if round > 0 {
			clock.Advance(ttl + time.Second)
		}
		g.arm(calls)
		srv.Inject(flexapitest.RouteList, flexapitest.Status(503).Times(2))
		srv.Inject(flexapitest.RouteToken, flexapitest.Latency(time.Millisecond).Once())
		var wg sync.WaitGroup
		for i := range calls {
			wg.Go(func() {
				if i == 0 {
					_ = srv.Requests() // the request log, read while it is written
				}
				if _, err := c.ListAPIKeys(context.Background(), flexapitest.DefaultMID); err != nil {
					var apiErr *flexapi.APIError
					switch {
					case errors.As(err, &apiErr) && apiErr.StatusCode == 503:
						unavailable.Add(1)
					case errors.As(err, &apiErr) && apiErr.StatusCode == 401:
						unauthorized.Add(1)
					default:
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		srv.ClearFaults(flexapitest.RouteList, flexapitest.RouteToken)
	}
	close(errs)
	for err := range errs {
		t.Errorf("call failed: %v", err)
	}
	// Each call of the rounds after the first sends the expired token, then
	// the renewed one.
	if n, want := srv.RequestCount(flexapitest.RouteList), calls+2*calls*(rounds-1); n < want {
		t.Errorf("list calls = %d, want at least %d", n, want)
	}
	tokens := srv.RequestCount(flexapitest.RouteToken)
	t.Logf("%d token requests for %d rounds; %d calls failed with a 503", tokens, rounds, unavailable.Load())
	if n := unauthorized.Load(); n > 0 {
		t.Errorf("%d calls failed with a 401: the clock stands still during a round, so the renewed token is good", n)
	}
	if tokens < rounds || tokens > 2*rounds {
		t.Errorf("%d token requests for %d rounds of %d calls: want one exchange per round, shared by its calls", tokens, rounds, calls)
	}
}

// gate holds requests until the number it was armed with has arrived,
// then lets them all go; requests after those pass at once.
type gate struct {
	mu      sync.Mutex
	want    int
	arrived int
	open    chan struct{}
}

// arm makes the next n requests wait for each other.
func (g *gate) arm(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.want, g.arrived, g.open = n, 0, make(chan struct{})
}

// wait holds a request until the gate opens, at most for limit; it
// reports false when the limit ran out first.
func (g *gate) wait(limit time.Duration) bool {
	g.mu.Lock()
	if g.open == nil || g.arrived >= g.want {
		g.mu.Unlock()
		return true
	}
	g.arrived++
	open := g.open
	if g.arrived == g.want {
		close(open)
	}
	g.mu.Unlock()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-open:
		return true
	case <-t.C:
		return false
	}
}
