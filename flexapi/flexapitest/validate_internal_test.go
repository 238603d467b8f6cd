package flexapitest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Only routes whose validity depends on their path alone remember valid
// requests, and they remember a bounded number.
func TestValidPathsRememberedBounded(t *testing.T) {
	srv := NewServer(WithRequestValidation(), WithRequestLog(0))
	defer srv.Close()
	v := srv.validator
	if v.byPath[RouteList] == nil {
		t.Fatal("the list route's validity does not depend on its path alone")
	}
	if v.byPath[RouteToken] != nil || v.byPath[RouteCreate] != nil {
		t.Fatal("a route with a body remembers valid requests")
	}
	// Revoke's ids, each used once, fill revoke's bound, not the list's.
	for i := range maxValidPaths + 10 {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodDelete, fmt.Sprintf("/v1/api-keys/key_%d", i), nil))
	}
	for i := range maxValidPaths + 10 {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/v1/api-keys/mid_%d", i), nil))
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("mid_%d: status %d, want 401", i, w.Code)
		}
	}
	n := 0
	v.byPath[RouteList].Range(func(any, any) bool { n++; return true })
	if n != maxValidPaths {
		t.Errorf("%d valid mids remembered, want the bound, %d", n, maxValidPaths)
	}
}

// A token call's valid body is remembered by its hash and not checked
// again; the handler still reads the body, and an invalid body is checked
// every time.
func TestValidBodiesRemembered(t *testing.T) {
	srv := NewServer(WithRequestValidation(), WithRequestLog(0), WithAppCredentials("k", "s"))
	defer srv.Close()
	bodies := srv.validator.byBody[RouteToken]
	if bodies == nil {
		t.Fatal("the token route does not remember valid bodies")
	}
	send := func(body string) int {
		req := httptest.NewRequest(http.MethodPost, "/v1/oauth2/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w.Code
	}
	for range 2 {
		if got := send(`{"AppKey":"k","AppSecret":"s"}`); got != http.StatusOK {
			t.Errorf("right credentials: %d, want 200", got)
		}
		if got := send(`{"AppKey":"k","AppSecret":"wrong"}`); got != http.StatusUnauthorized {
			t.Errorf("wrong secret: %d, want 401 (the handler read the body)", got)
		}
		if got := send(`{"AppKey":"k"}`); got != http.StatusBadRequest {
			t.Errorf("no AppSecret: %d, want 400", got)
		}
	}
	n := 0
	bodies.Range(func(k, _ any) bool {
		if _, ok := k.(uint64); !ok {
			t.Errorf("a remembered body is kept as %T, not its hash", k)
		}
		n++
		return true
	})
	if n != 2 {
		t.Errorf("%d bodies remembered, want the 2 valid ones", n)
	}
}

// The valid paths remembered are bounded in bytes, not only in number: a
// long mid, which the spec allows, is checked every time rather than kept,
// so that 4096 valid mids of a megabyte each cannot hold 4 GB.
func TestLongValidPathsNotRemembered(t *testing.T) {
	srv := NewServer(WithRequestValidation(), WithRequestLog(0))
	defer srv.Close()
	for i := range 8 {
		mid := fmt.Sprintf("mid_%d_%s", i, strings.Repeat("a", 64<<10))
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/api-keys/"+mid, nil))
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("a %d-byte mid: status %d, want 401", len(mid), w.Code)
		}
	}
	total := 0
	srv.validator.byPath[RouteList].Range(func(k, _ any) bool { total += len(k.(string)); return true })
	if total > maxRememberedPath*8 {
		t.Errorf("the remembered mids hold %d bytes, want at most %d", total, maxRememberedPath*8)
	}
}
