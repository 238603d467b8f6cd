package flexapi_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// failFirst answers status (with the given Retry-After, if any) to the first
// n requests and serves the documented list after that.
func failFirst(f *fakeFF, n, status int, retryAfter string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, i int) {
		if i <= n {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			writeJSON(w, status, `{"errors": ["try later"]}`)
			return
		}
		f.serveList(w, r, i)
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func TestListRetriesTransientFailures(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newFakeFF(t)
			f.list = failFirst(f, 2, status, "")
			if _, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID); err != nil {
				t.Fatalf("ListAPIKeys: %v", err)
			}
			if got := f.listCalls.Load(); got != 3 {
				t.Errorf("list calls: %d, want 3", got)
			}
		})
	}
}

func TestListRetriesAConnectionClosedWithoutAnswer(t *testing.T) {
	f := newFakeFF(t)
	f.list = func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			hangUp(w)
			return
		}
		f.serveList(w, r, n)
	}
	if _, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID); err != nil {
		t.Fatalf("ListAPIKeys: %v", err)
	}
	if got := f.listCalls.Load(); got != 2 {
		t.Errorf("list calls: %d, want 2", got)
	}
}

func TestListAttemptsAreCounted(t *testing.T) {
	tests := []struct {
		name string
		opts []flexapi.Option
		want int32
	}{
		{"default", nil, 3},
		{"five", []flexapi.Option{flexapi.WithMaxAttempts(5)}, 5},
		{"without retries", []flexapi.Option{flexapi.WithMaxAttempts(1)}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFF(t)
			f.list = failFirst(f, 100, http.StatusServiceUnavailable, "")
			_, err := newClient(t, f, tt.opts...).ListAPIKeys(context.Background(), exampleMID)
			var apiErr *flexapi.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
				t.Fatalf("error %v: want the last *APIError 503", err)
			}
			if got := f.listCalls.Load(); got != tt.want {
				t.Errorf("list calls: %d, want %d", got, tt.want)
			}
		})
	}
}

func TestListNeverRetriesOtherStatuses(t *testing.T) {
	for _, status := range []int{400, 403, 404, 409, 500} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newFakeFF(t)
			f.list = failFirst(f, 100, status, "0")
			_, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
			var apiErr *flexapi.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Fatalf("error %v: want *APIError %d", err, status)
			}
			if got := f.listCalls.Load(); got != 1 {
				t.Errorf("list calls: %d, want 1", got)
			}
		})
	}
}

func TestRetryAfterIsHonouredButCapped(t *testing.T) {
	tests := []struct{ name, retryAfter string }{
		{"seconds", "3600"},
		{"huge seconds", "99999999999999999"},
		{"HTTP date", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFF(t)
			f.list = failFirst(f, 1, http.StatusTooManyRequests, tt.retryAfter)
			c := newClient(t, f, flexapi.WithMaxRetryWait(50*time.Millisecond))
			start := time.Now()
			if _, err := c.ListAPIKeys(context.Background(), exampleMID); err != nil {
				t.Fatalf("ListAPIKeys: %v", err)
			}
			if d := time.Since(start); d < 50*time.Millisecond || d > 3*time.Second {
				t.Errorf("took %s: want the capped wait of 50ms, not the hour asked for", d)
			}
		})
	}

	t.Run("past HTTP date", func(t *testing.T) {
		f := newFakeFF(t)
		f.list = failFirst(f, 1, http.StatusServiceUnavailable, time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat))
		c := newClient(t, f, flexapi.WithBackoff(10*time.Second, 10*time.Second))
		start := time.Now()
		if _, err := c.ListAPIKeys(context.Background(), exampleMID); err != nil {
			t.Fatalf("ListAPIKeys: %v", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %s: a past Retry-After date means retry now", d)
		}
	})
}

// TestRetryAfterBeyondTheDeadlineReturnsTheAnswer: when the wait asked for
// outlasts the context, the 429 comes back now, not a deadline error later,
// and says the wait; a number of seconds too large for a Duration is the
// longest wait, not none.
func TestRetryAfterBeyondTheDeadlineReturnsTheAnswer(t *testing.T) {
	for _, retryAfter := range []string{"20", "99999999999999999999"} {
		f := newFakeFF(t)
		f.list = failFirst(f, 100, http.StatusTooManyRequests, retryAfter)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := newClient(t, f).ListAPIKeys(ctx, exampleMID)
		var apiErr *flexapi.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.RetryAfter < 20*time.Second {
			t.Fatalf("Retry-After %s: error %v: want *APIError 429 that keeps the wait", retryAfter, err)
		}
		if d := time.Since(start); d > 2*time.Second || f.listCalls.Load() != 1 {
			t.Errorf("Retry-After %s: took %s and %d calls: want one call and a prompt answer", retryAfter, d, f.listCalls.Load())
		}
	}
}

func TestContextEndsTheBackoffWait(t *testing.T) {
	f := newFakeFF(t)
	f.list = failFirst(f, 100, http.StatusServiceUnavailable, "")
	c := newClient(t, f, flexapi.WithBackoff(time.Minute, time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	// The wait must end with the context, not after the minute's backoff.
	listEndsWith(t, ctx, c, context.Canceled, 2*time.Second)
}

func TestTimeoutBoundsTheWholeCall(t *testing.T) {
	f := newFakeFF(t)
	f.list = failFirst(f, 100, http.StatusServiceUnavailable, "")
	c := newClient(t, f, flexapi.WithBackoff(time.Minute, time.Minute), flexapi.WithTimeout(50*time.Millisecond))
	listEndsWith(t, context.Background(), c, context.DeadlineExceeded, 2*time.Second)
}

// TestTokenExchangeRetriesOnlyWhereSafe: the POST is sent again only when the
// server cannot have acted on it.
func TestTokenExchangeRetriesOnlyWhereSafe(t *testing.T) {
	tests := []struct {
		name       string
		fail       func(w http.ResponseWriter)
		wantTokens int32
		wantOK     bool
	}{
		{"429 is retried", func(w http.ResponseWriter) { writeJSON(w, 429, `{"errors": ["slow down"]}`) }, 2, true},
		{"503 with Retry-After is retried", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			writeJSON(w, 503, `{"errors": ["down"]}`)
		}, 2, true},
		{"503 without Retry-After is not", func(w http.ResponseWriter) { writeJSON(w, 503, `{"errors": ["down"]}`) }, 1, false},
		{"502 is not", func(w http.ResponseWriter) { writeJSON(w, 502, `{"errors": ["gateway"]}`) }, 1, false},
		{"a hang-up after sending is not", hangUp, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFF(t)
			f.token = func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					tt.fail(w)
					return
				}
				f.issueToken(w, r, n)
			}
			_, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
			var authErr *flexapi.AuthError
			if tt.wantOK && err != nil || !tt.wantOK && !errors.As(err, &authErr) {
				t.Errorf("error %v: want ok=%t or an *AuthError", err, tt.wantOK)
			}
			if got := f.tokenCalls.Load(); got != tt.wantTokens {
				t.Errorf("token calls: %d, want %d", got, tt.wantTokens)
			}
			assertNoSecret(t, err)
		})
	}
}

func TestConnectionRefusedIsATransportError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	c, err := flexapi.New(flexapi.WithBaseURL("http://"+addr+"/v1"), flexapi.WithCredentials(appKey, appSecret), fastRetries)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListAPIKeys(context.Background(), exampleMID)
	var op *net.OpError
	var authErr *flexapi.AuthError
	if !errors.As(err, &authErr) || !errors.As(err, &op) || op.Op != "dial" {
		t.Errorf("error %v: want an *AuthError around a dial error", err)
	}
	assertNoSecret(t, err)
}
