package flexapitest_test

import (
	"context"
	"errors"
	"net/http"
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
	c := srv.Client(flexapi.WithoutRetries())
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

	// A static-token client, as NewClient's comment says.
	static, err := flexapi.New(flexapi.WithBaseURL(srv.URL), flexapi.WithToken(srv.IssueToken()), flexapi.WithHTTPClient(srv.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := static.ListAPIKeys(ctx, flexapitest.DefaultMID); err != nil {
		t.Errorf("static token: %v", err)
	}

	if _, err := srv.NewClient(flexapi.WithToken("x")); err == nil {
		t.Errorf("NewClient took a token beside the credentials")
	}
}

// TestConcurrentUseAcrossExpiry hammers both routes while the clock moves
// past token lifetimes; run it with -race.
//
// The clock moves from eight of the calls, all started at once, so under
// -race it may move a whole token lifetime between the exchange of a call's
// renewed token and its retry: the call then rightly fails with a second 401
// (this failed once in a -race -count=3 run). Such 401s and the injected
// 503s are the only failures allowed, the 401s only as rare as that (a
// tenth of the calls at most), and the expiries must cost few token
// requests: no exchange per call.
func TestConcurrentUseAcrossExpiry(t *testing.T) {
	const ttl = time.Minute
	clock := flexapitest.NewFakeClock(time.Now())
	srv := flexapitest.NewServer(flexapitest.WithClock(clock.Now), flexapitest.WithTokenTTL(ttl))
	defer srv.Close()
	c := srv.Client(flexapi.WithBackoff(time.Millisecond, 5*time.Millisecond))
	srv.Inject(flexapitest.RouteList, flexapitest.Status(503).Times(5))

	var wg sync.WaitGroup
	var unauthorized atomic.Int32
	errs := make(chan error, 400)
	for i := range 400 {
		wg.Go(func() {
			if i%50 == 0 {
				clock.Advance(30 * time.Second)
				srv.Inject(flexapitest.RouteToken, flexapitest.Latency(time.Millisecond).Once())
				_ = srv.Requests()
			}
			if _, err := c.ListAPIKeys(context.Background(), flexapitest.DefaultMID); err != nil {
				var apiErr *flexapi.APIError
				switch {
				case errors.As(err, &apiErr) && apiErr.StatusCode == 503:
				case errors.As(err, &apiErr) && apiErr.StatusCode == 401:
					unauthorized.Add(1)
				default:
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("call failed: %v", err)
	}
	if n := srv.RequestCount(flexapitest.RouteList); n < 400 {
		t.Errorf("list calls = %d, want at least 400", n)
	}
	tokens := srv.RequestCount(flexapitest.RouteToken)
	t.Logf("%d calls failed with a second 401; %d token requests", unauthorized.Load(), tokens)
	if n := unauthorized.Load(); n > 40 {
		t.Errorf("%d calls failed with a second 401: want only the rare call the clock outran", n)
	}
	if tokens > 40 {
		t.Errorf("%d token requests for 400 calls and 8 clock moves: want no exchange per call", tokens)
	}
}
