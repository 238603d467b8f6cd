package flexapitest_test

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

func TestRequestLogKeepsTheLastN(t *testing.T) {
	srv, _ := newFake(t, flexapitest.WithRequestLog(3))
	for i := range 7 {
		do(t, srv, "GET", fmt.Sprintf("/v1/api-keys/m%d", i), nil, "")
	}
	log := srv.Requests()
	var paths []string
	for _, e := range log {
		paths = append(paths, e.Path)
		if e.Status != http.StatusUnauthorized {
			t.Errorf("%s logged with status %d, want 401", e.Path, e.Status)
		}
	}
	if got, want := fmt.Sprint(paths), "[/v1/api-keys/m4 /v1/api-keys/m5 /v1/api-keys/m6]"; got != want {
		t.Errorf("log holds %s, want %s", got, want)
	}
	if n := srv.RequestCount(flexapitest.RouteList); n != 7 {
		t.Errorf("list count = %d, want 7: counts do not depend on the log's size", n)
	}

	srv.ResetRequests()
	do(t, srv, "GET", "/v1/api-keys/after", nil, "")
	if log := srv.Requests(); len(log) != 1 || log[0].Path != "/v1/api-keys/after" || log[0].Status != 401 {
		t.Errorf("after a reset the log holds %+v, want the one request since", log)
	}
}

func TestRequestLogOff(t *testing.T) {
	var hooked int
	srv, _ := newFake(t, flexapitest.WithRequestLog(0))
	do(t, srv, "GET", "/v1/api-keys/x", nil, "")
	if log := srv.Requests(); log == nil || len(log) != 0 {
		t.Errorf("Requests() = %#v, want an empty log", log)
	}
	if n := srv.RequestCount(flexapitest.RouteList); n != 1 {
		t.Errorf("list count = %d, want 1", n)
	}

	// A hook still sees every request when the log keeps none.
	hookSrv, _ := newFake(t, flexapitest.WithRequestLog(0), flexapitest.WithRequestHook(func(r flexapitest.Request) {
		if r.Status == http.StatusUnauthorized && r.Header.Get("Authorization") == "Bearer "+redact.Placeholder {
			hooked++
		}
	}))
	do(t, hookSrv, "GET", "/v1/api-keys/x", bearer("not-a-token"), "")
	if hooked != 1 {
		t.Errorf("the hook saw %d redacted 401s, want 1", hooked)
	}
}

// With the log off and no hook, a request's headers are not copied: a
// request with many headers allocates no more than one with a single header.
//
// Each figure is the least of five measures: under the race detector
// sync.Pool drops items at random, which adds an allocation now and then
// (a -race -count=3 run saw 14 for one header against 13 for thirty) but
// never removes one.
func TestRequestLogOffCostsNoHeaderCopy(t *testing.T) {
	allocs := func(opts []flexapitest.Option, headers int) float64 {
		srv, _ := newFake(t, opts...)
		req := httptest.NewRequest("GET", "/v1/api-keys/x", nil)
		for i := range headers {
			req.Header.Set(fmt.Sprintf("X-Header-%d", i), "some value")
		}
		least := math.Inf(1)
		for range 5 {
			least = min(least, testing.AllocsPerRun(50, func() {
				srv.ServeHTTP(httptest.NewRecorder(), req)
			}))
		}
		return least
	}
	off := []flexapitest.Option{flexapitest.WithRequestLog(0)}
	if few, many := allocs(off, 1), allocs(off, 30); many != few {
		t.Errorf("with the log off, 30 headers cost %v allocations and 1 header %v: the headers were copied", many, few)
	}
	// The same measure sees the copy when the log keeps entries.
	on := []flexapitest.Option{flexapitest.WithRequestLog(10)}
	if few, many := allocs(on, 1), allocs(on, 30); many <= few {
		t.Errorf("with the log on, 30 headers cost %v allocations and 1 header %v: the measure cannot see a copy", many, few)
	}
}

// A credential sent where a client should not send one, an api-key header
// or a token in the query, stays out of the request log and the hook's
// entries like the Authorization header's.
func TestRequestLogHoldsNoCredentialInAHeaderOrTheQuery(t *testing.T) {
	const canary = "CANARYlogSecret9"
	var hooked []flexapitest.Request
	var mu sync.Mutex
	srv, _ := newFake(t, flexapitest.WithRequestHook(func(r flexapitest.Request) {
		mu.Lock()
		defer mu.Unlock()
		hooked = append(hooked, r)
	}))
	h := http.Header{"X-Api-Key": {canary}, "Api-Key": {canary}}
	do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456?access_token="+canary+"&page=2", h, "")
	mu.Lock()
	defer mu.Unlock()
	for _, r := range append(srv.Requests(), hooked...) {
		if out := fmt.Sprintf("%+v %#v", r, r); strings.Contains(out, canary) {
			t.Errorf("the log holds the credential: %s", out)
		}
		if !strings.Contains(r.Query, "page=2") {
			t.Errorf("the query lost what is no secret: %q", r.Query)
		}
	}
}
