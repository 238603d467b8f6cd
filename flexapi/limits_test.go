package flexapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// streamBody writes a JSON prefix and then size bytes of padding, without a
// Content-Length unless declared, counting what it managed to write.
func streamBody(status int, size int64, declare bool, written *atomic.Int64) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		if declare {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		}
		w.WriteHeader(status)
		chunk := bytes.Repeat([]byte(" "), 64<<10)
		copy(chunk, `{"keys": [`)
		for sent := int64(0); sent < size; sent += int64(len(chunk)) {
			if r.Context().Err() != nil {
				return
			}
			n, err := w.Write(chunk[:min(int64(len(chunk)), size-sent)])
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}
}

func TestAHugeBodyFailsUnderTheCapAndCostsLittle(t *testing.T) {
	tests := []struct {
		name    string
		declare bool
	}{{"chunked", false}, {"declared length", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFF(t)
			var written atomic.Int64
			c := newClient(t, f, flexapi.WithMaxBodyBytes(1<<20))
			mustList(t, c, "warm-up") // the token exchange does not count
			f.list = streamBody(http.StatusOK, 100<<20, tt.declare, &written)

			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := c.ListAPIKeys(context.Background(), exampleMID)
			runtime.ReadMemStats(&after)

			var de *flexapi.DecodeError
			if !errors.Is(err, flexapi.ErrBodyTooLarge) || !errors.As(err, &de) || de.StatusCode != 200 {
				t.Fatalf("error %v: want a *DecodeError matching ErrBodyTooLarge", err)
			}
			if !strings.Contains(err.Error(), "more than 1048576 bytes") {
				t.Errorf("error %q: want it to name the limit", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("allocated %d MiB for a 100 MiB body under a 1 MiB cap", alloc>>20)
			}
			if w := written.Load(); w > 50<<20 {
				t.Errorf("the server wrote %d MiB: the client read far past the cap", w>>20)
			}
		})
	}
}

func TestTheDefaultCapIsTenMiB(t *testing.T) {
	f := newFakeFF(t)
	var written atomic.Int64
	f.list = streamBody(http.StatusOK, 11<<20, false, &written)
	_, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
	if !errors.Is(err, flexapi.ErrBodyTooLarge) {
		t.Fatalf("error %v: want ErrBodyTooLarge", err)
	}
}

// TestTheLargestCapIsNoCap: math.MaxInt64, the way to ask for no cap,
// reads a body declared (the token's) and chunked (the listing's) alike.
func TestTheLargestCapIsNoCap(t *testing.T) {
	f := newFakeFF(t)
	f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		w.(http.Flusher).Flush() // chunked: no Content-Length
		_, _ = w.Write([]byte(twoKeysBody))
	}
	if _, err := newClient(t, f, flexapi.WithMaxBodyBytes(math.MaxInt64)).ListAPIKeys(context.Background(), exampleMID); err != nil {
		t.Fatal(err)
	}
}

func TestAHugeErrorBodyIsCutShort(t *testing.T) {
	f := newFakeFF(t)
	var written atomic.Int64
	f.list = streamBody(http.StatusInternalServerError, 100<<20, false, &written)
	_, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
	var apiErr *flexapi.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
		t.Fatalf("error %v: want *APIError 500", err)
	}
	if len(apiErr.Body) > 520 {
		t.Errorf("excerpt of %d bytes, want at most about 512", len(apiErr.Body))
	}
	if w := written.Load(); w > 50<<20 {
		t.Errorf("the server wrote %d MiB of an error page", w>>20)
	}
}

func TestHeadersThatNeverComeTimeOut(t *testing.T) {
	f := newFakeFF(t)
	f.list = func(_ http.ResponseWriter, r *http.Request, _ int) { <-r.Context().Done() }
	c := newClient(t, f, flexapi.WithTimeout(0), flexapi.WithResponseHeaderTimeout(30*time.Millisecond))
	start := time.Now()
	_, err := c.ListAPIKeys(context.Background(), exampleMID)
	if err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
		t.Errorf("error %v: want the response-header timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
	if got := f.listCalls.Load(); got != 3 {
		t.Errorf("list calls: %d, want 3 (a timeout is retried)", got)
	}
}

func TestABodyThatStallsHalfWayTimesOut(t *testing.T) {
	f := newFakeFF(t)
	f.list = func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys": [{"name": "My`))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	c := newClient(t, f, flexapi.WithTimeout(100*time.Millisecond))
	listEndsWith(t, context.Background(), c, context.DeadlineExceeded, 3*time.Second)
}

// TestConnectionsAreReused: answers of every kind, read in full or not, leave
// the connection fit for the next call.
func TestConnectionsAreReused(t *testing.T) {
	f := newFakeFF(t)
	c := newClient(t, f)
	ctx := context.Background()
	mustList(t, c, exampleMID) // token exchange and a list on one connection
	for range 5 {
		mustList(t, c, exampleMID)
		f.list = failFirst(f, 1, http.StatusServiceUnavailable, "") // retried
		mustList(t, c, exampleMID)
		f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
			writeJSON(w, http.StatusNotFound, `{"errors": ["no such merchant"]}`+strings.Repeat(" ", 8<<10))
		}
		if _, err := c.ListAPIKeys(ctx, "nobody"); err == nil {
			t.Fatal("want a 404")
		}
		f.list = func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, http.StatusOK, `{"keys": null}`) }
		if _, err := c.ListAPIKeys(ctx, "broken"); err == nil {
			t.Fatal("want a malformed response")
		}
		f.list = f.serveList
		f.revoke() // a 401, a renewal and a retry
		mustList(t, c, exampleMID)
	}
	if got := f.newConns.Load(); got != 1 {
		t.Errorf("new connections: %d, want 1 for %d requests", got, f.requests())
	}
}

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
// TestHugeResponseHeadersAreRefused: the client's header cap holds, also
// under a transport wrapper (WithTransportWrapper).
func TestHugeResponseHeadersAreRefused(t *testing.T) {
	wrapped := flexapi.WithTransportWrapper(func(next http.RoundTripper) http.RoundTripper { return next })
	for _, opts := range [][]flexapi.Option{nil, {wrapped}} {
		f := newFakeFF(t)
		c := newClient(t, f, append(opts, flexapi.WithMaxAttempts(1))...)
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
}
