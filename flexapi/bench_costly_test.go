package flexapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// BenchmarkCostlyBodies measures the limits promise: the bytes a list call
// allocates per byte of a costly 2xx body (costlyBodies, 9 MiB, chunked),
// reported as B/body-byte. `make bench` runs it and benchcheck holds it to
// maxAllocPerBodyByte.
func BenchmarkCostlyBodies(b *testing.B) {
	ctx := context.Background()
	for _, cb := range costlyBodies(9 << 20) {
		body := []byte(cb.body)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			// Flushed before the body: no Content-Length, a chunked body.
			w.(http.Flusher).Flush()
			_, _ = w.Write(body)
		}))
		b.Cleanup(srv.Close)
		b.Run(cb.name, func(b *testing.B) {
			c, err := flexapi.New(flexapi.WithBaseURL(srv.URL+"/v1"), flexapi.WithToken(staticTok))
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseIdleConnections()
			b.SetBytes(int64(len(cb.body)))
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				list, err := c.ListAPIKeys(ctx, exampleMID)
				if (cb.keys < 0) != (err != nil) || (err == nil && len(list.Keys) != cb.keys) {
					b.Fatalf("ListAPIKeys: %v", err)
				}
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(cb.body)), "B/body-byte")
		})
	}
}
