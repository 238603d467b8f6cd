package flexapi_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// TestThousandConcurrentCallsAcrossATokenExpiry runs 1000 ListAPIKeys calls
// at once on one client while the token expires: the clock, shared by the
// client and the double, jumps past the token's lifetime once a third of the
// calls have finished, with the others in flight or waiting for a
// connection. Every call must succeed and the expiry must cost exactly one
// token request, whichever side notices it first: the client (the token is
// past its refresh time) or the server (a call still carrying the old token
// gets a 401 and renews). It does so twice on the same client. Run with
// -race.
//
// Each round has one expiry: a call straddling two would get a second 401
// and fail, as it should (a token lives ten minutes; a call does not).
func TestThousandConcurrentCallsAcrossATokenExpiry(t *testing.T) {
	const (
		calls = 1000
		ttl   = 10 * time.Minute
	)
	clock := flexapitest.NewFakeClock(time.Now())
	srv := flexapitest.NewServer(flexapitest.WithClock(clock.Now), flexapitest.WithTokenTTL(ttl))
	defer srv.Close()
	// A bounded pool, as a service would configure it: a thousand calls
	// share 64 connections instead of opening a thousand.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost = 64, 64
	defer tr.CloseIdleConnections()
	c := srv.Client(flexapi.WithHTTPClient(&http.Client{Transport: tr}), flexapi.WithClock(clock.Now), fastRetries)
	mustList(t, c, flexapitest.DefaultMID) // the first token

	for round := 1; round <= 2; round++ {
		srv.ResetRequests()
		var (
			done    atomic.Int32
			expired = make(chan struct{})
			start   = make(chan struct{})
			errs    = make(chan error, calls)
			wg      sync.WaitGroup
		)
		go func() {
			defer close(expired)
			for done.Load() < calls/3 {
				time.Sleep(100 * time.Microsecond)
			}
			clock.Advance(ttl)
		}()
		for range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer done.Add(1)
				<-start
				list, err := c.ListAPIKeys(context.Background(), flexapitest.DefaultMID)
				if err != nil {
					errs <- err
				} else if len(list.Keys) != 2 {
					errs <- fmt.Errorf("%d keys, want 2", len(list.Keys))
				}
			}()
		}
		close(start)
		wg.Wait()
		<-expired
		close(errs)
		for err := range errs {
			t.Errorf("round %d: ListAPIKeys: %v", round, err)
		}

		if got := srv.RequestCount(flexapitest.RouteToken); got != 1 {
			t.Errorf("round %d: token requests: %d, want 1 for one expiry", round, got)
		}
		// Every call is one list request answered 200, after a 401 with
		// the expired token for the calls that had it on the way.
		var ok, unauthorized int
		for _, r := range srv.Requests() {
			if r.Route != flexapitest.RouteList {
				continue
			}
			switch r.Status {
			case http.StatusOK:
				ok++
			case http.StatusUnauthorized:
				unauthorized++
			default:
				t.Errorf("round %d: a list request answered %d", round, r.Status)
			}
		}
		if ok != calls || unauthorized >= calls {
			t.Errorf("round %d: %d list requests answered 200 and %d 401: want %d and fewer 401s", round, ok, unauthorized, calls)
		}
		t.Logf("round %d: %d calls, %d list requests (%d renewed after a 401), %d token request",
			round, calls, ok+unauthorized, unauthorized, srv.RequestCount(flexapitest.RouteToken))
	}
}
