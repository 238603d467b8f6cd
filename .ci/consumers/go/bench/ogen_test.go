// Package bench is the ogen client's side of `make bench`.
package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/tools/consumers/ogenapi"
)

// BenchmarkListAPIKeys is the ogen client's list call, shown beside the
// flexapi client's by `make bench`: ogen validates in generated code what
// the flexapi client checks against the spec at run time. It serves the
// very bodies flexapi's BenchmarkListAPIKeys served, which that benchmark
// wrote to $FLEXAPI_BENCH_BODIES, the same way (a loopback server, a
// Content-Length, a static token), so that the figures compare.
func BenchmarkListAPIKeys(b *testing.B) {
	dir := os.Getenv("FLEXAPI_BENCH_BODIES")
	if dir == "" {
		b.Skip("FLEXAPI_BENCH_BODIES is not set: make bench sets it")
	}
	ctx := context.Background()
	for _, n := range []int{1, 100, 10000} {
		body, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("keys=%d.json", n)))
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer token" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			h := w.Header()
			h["Content-Type"] = []string{"application/json; charset=utf-8"}
			h["Content-Length"] = []string{strconv.Itoa(len(body))}
			_, _ = w.Write(body)
		}))
		b.Run(fmt.Sprintf("keys=%d/ogen", n), func(b *testing.B) {
			hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
			defer hc.CloseIdleConnections()
			client, err := ogenapi.NewClient(srv.URL+"/v1", token{}, ogenapi.WithClient(hc))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := client.ListApiKeys(ctx, ogenapi.ListApiKeysParams{ID: "mid_123456"})
				if list, ok := res.(*ogenapi.APIKeyList); err != nil || !ok || len(list.Keys) != n {
					b.Fatalf("ogen client: %T, %v", res, err)
				}
			}
		})
		srv.Close()
	}
}

type token struct{}

func (token) BearerAuth(context.Context, ogenapi.OperationName) (ogenapi.BearerAuth, error) {
	return ogenapi.BearerAuth{Token: "token"}, nil
}
