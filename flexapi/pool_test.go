package flexapi_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// TestThePoolSurvivesEveryOutcome: a pool of kept-alive connections, shared
// by two clients as one process's http.Client would be, outlives every kind
// of answer, exhausted retries included. go-retryablehttp closes the idle
// connections of its http.Client whenever it gives up; if the client let it,
// one caller's bad answer would drop everyone's connections.
func TestThePoolSurvivesEveryOutcome(t *testing.T) {
	const pool = 3
	f := newFakeFF(t)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 8
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	c := newClient(t, f, flexapi.WithHTTPClient(hc))
	once := newClient(t, f, flexapi.WithHTTPClient(hc), flexapi.WithMaxAttempts(1))
	ctx := context.Background()

	mustList(t, c, exampleMID) // the token
	concurrently(t, f, c, pool)
	warm := f.newConns.Load()

	outcomes := []struct {
		name   string
		client *flexapi.Client
		list   func(http.ResponseWriter, *http.Request, int)
		ok     bool
	}{
		{"the keys", c, f.serveList, true},
		{"a 503, retried", c, failFirst(f, 1, http.StatusServiceUnavailable, ""), true},
		{"a 404", c, statusAnswer(http.StatusNotFound), false},
		{"a malformed 200", c, statusAnswer(http.StatusOK), false},
		{"a 502 on every attempt", c, statusAnswer(http.StatusBadGateway), false},
		{"a 503 with Retry-After on every attempt", c, failFirst(f, 1<<30, http.StatusServiceUnavailable, "0"), false},
		{"a 429 on the only attempt", once, statusAnswer(http.StatusTooManyRequests), false},
		{"a 502 on the only attempt", once, statusAnswer(http.StatusBadGateway), false},
	}
	for _, o := range outcomes {
		f.list = o.list
		if _, err := o.client.ListAPIKeys(ctx, exampleMID); (err == nil) != o.ok {
			t.Errorf("%s: error %v", o.name, err)
		}
	}
	f.list = f.serveList
	f.revoke() // a 401, a renewal and a retry
	mustList(t, c, exampleMID)

	concurrently(t, f, c, pool)
	if got := f.newConns.Load(); got != warm {
		t.Errorf("connections: %d after warming a pool of %d, %d after every outcome: want none new", warm, pool, got)
	}
}

// statusAnswer answers status with an error body, or a malformed one for a
// 200.
func statusAnswer(status int) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		if status == http.StatusOK {
			writeJSON(w, status, `{"keys": null}`)
			return
		}
		writeJSON(w, status, `{"errors": ["no"]}`)
	}
}

// concurrently makes n list calls at once and holds every answer until all
// n requests have arrived, so that n connections are in use together.
func concurrently(t *testing.T, f *fakeFF, c *flexapi.Client, n int) {
	t.Helper()
	var mu sync.Mutex
	arrived, all := 0, make(chan struct{})
	f.list = func(w http.ResponseWriter, r *http.Request, i int) {
		mu.Lock()
		if arrived++; arrived == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(5 * time.Second):
		}
		f.serveList(w, r, i)
	}
	defer func() { f.list = f.serveList }()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := c.ListAPIKeys(context.Background(), exampleMID); err != nil {
				t.Errorf("ListAPIKeys: %v", err)
			}
		})
	}
	wg.Wait()
}
