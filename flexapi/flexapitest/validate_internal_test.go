package flexapitest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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
