package flexapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// TestAGzipBombCostsNoMoreThanTheCap: the transport inflates a gzip body it
// asked for, and the cap counts the inflated bytes: 64 MiB that travel as a
// few dozen KiB fail with ErrBodyTooLarge after about the cap.
func TestAGzipBombCostsNoMoreThanTheCap(t *testing.T) {
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	_, _ = zw.Write([]byte(`{"keys": [`))
	_, _ = zw.Write(bytes.Repeat([]byte(" "), 64<<20))
	_ = zw.Close()

	f := newFakeFF(t)
	c := newClient(t, f, flexapi.WithMaxBodyBytes(1<<20))
	mustList(t, c, "warm-up") // the token exchange does not count
	f.list = func(w http.ResponseWriter, r *http.Request, _ int) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("Accept-Encoding %q: the transport no longer asks for gzip, and this test proves nothing", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb.Bytes())
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.ListAPIKeys(context.Background(), exampleMID)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, flexapi.ErrBodyTooLarge) {
		t.Fatalf("error %v: want ErrBodyTooLarge", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d MiB for a 64 MiB gzip bomb under a 1 MiB cap", alloc>>20)
	}
}

// TestHugeResponseHeadersAreRefused: the transport New builds holds at most
// 256 KiB of response headers, not net/http's default of 10 MiB.
func TestHugeResponseHeadersAreRefused(t *testing.T) {
	f := newFakeFF(t)
	c := newClient(t, f, flexapi.WithMaxAttempts(1))
	mustList(t, c, "warm-up")
	f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
		for i := range 48 {
			w.Header().Set("X-Pad-"+strings.Repeat("a", i%10)+string(rune('a'+i%26)), strings.Repeat("p", 64<<10))
		}
		writeJSON(w, http.StatusOK, noKeysBody)
	}
	_, err := c.ListAPIKeys(context.Background(), exampleMID)
	if err == nil || !strings.Contains(err.Error(), "exceeded") {
		t.Errorf("3 MiB of response headers: %v, want the transport's refusal", err)
	}
}
