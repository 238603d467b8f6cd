package flexapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// routeRecorder is a transport wrapper that records what Route says of
// each request it sees.
type routeRecorder struct {
	next http.RoundTripper
	mu   *sync.Mutex
	seen *[]string
}

func (r routeRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	route, op := flexapi.Route(req)
	r.mu.Lock()
	*r.seen = append(*r.seen, fmt.Sprintf("%s %s (%s)", req.Method, route, op))
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// TestTransportWrapperSeesEveryAttemptByRoute: a wrapper sees each
// attempt, the token exchange's and the retries' included, named by the
// spec's route template, never by the mid or the key id.
func TestTransportWrapperSeesEveryAttemptByRoute(t *testing.T) {
	k := newKeyServer(t)
	k.create = func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusCreated, createdBody("key_1"))
	}
	k.revoke = func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			writeJSON(w, http.StatusServiceUnavailable, `{"errors": ["later"]}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	var mu sync.Mutex
	var seen []string
	wrap := func(next http.RoundTripper) http.RoundTripper { return routeRecorder{next, &mu, &seen} }
	c := k.client(t, flexapi.WithTransportWrapper(wrap))
	if _, err := c.CreateAPIKey(context.Background(), secretKey); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeAPIKey(context.Background(), "key_1"); err != nil {
		t.Fatal(err)
	}
	f := newFakeFF(t)
	if _, err := newClient(t, f, flexapi.WithTransportWrapper(wrap)).ListAPIKeys(context.Background(), exampleMID); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"POST /v1/api-keys (create API key)",
		"DELETE /v1/api-keys/{id} (revoke API key)",
		"DELETE /v1/api-keys/{id} (revoke API key)",
		"POST /v1/oauth2/token (token exchange)",
		"GET /v1/api-keys/{id} (list API keys)",
	}
	if !slices.Equal(seen, want) {
		t.Errorf("the wrapper saw\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
	if r, op := flexapi.Route(httptest.NewRequest(http.MethodGet, "/v1/api-keys/x", nil)); r != "" || op != "" {
		t.Errorf("Route of another request: %q, %q", r, op)
	}
}

// TestTransportWrapperKeepsTheProtections: wrapped, the client's own
// transport still bounds the wait for headers, which a transport wrapped
// by hand and given through WithHTTPClient would not.
func TestTransportWrapperKeepsTheProtections(t *testing.T) {
	f := newFakeFF(t)
	release := make(chan struct{})
	defer close(release)
	f.list = func(http.ResponseWriter, *http.Request, int) { <-release }
	wrapped := 0
	c := newClient(t, f, flexapi.WithMaxAttempts(1), flexapi.WithResponseHeaderTimeout(50*time.Millisecond),
		flexapi.WithTransportWrapper(func(next http.RoundTripper) http.RoundTripper { wrapped++; return next }))
	_, err := c.ListAPIKeys(context.Background(), exampleMID)
	if err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") || wrapped != 1 {
		t.Errorf("error %v, %d wraps: want the header timeout of the client's transport, wrapped once", err, wrapped)
	}
	if _, err := flexapi.New(flexapi.WithToken(staticTok), flexapi.WithTransportWrapper(
		func(http.RoundTripper) http.RoundTripper { return nil })); err == nil {
		t.Errorf("New took a wrapper that returned nil")
	}
}

// TestLoggerReportsRetriesAndExchangesWithoutSecrets: each retry and each
// token exchange is one line with its operation, attempt, status and
// wait; none holds a secret, though the server echoes the token and the
// AppSecret into its answers and into a broken status line.
func TestLoggerReportsRetriesAndExchangesWithoutSecrets(t *testing.T) {
	f := newFakeFF(t)
	f.list = func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1: // a status line net/http quotes in its error
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_, _ = fmt.Fprintf(buf, "HTTP/1.1 %s x\r\n\r\n", strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
				_ = buf.Flush()
				_ = conn.Close()
			}
		case 2:
			w.Header().Set("Retry-After", "0")
			writeJSON(w, http.StatusServiceUnavailable, fmt.Sprintf(`{"errors": ["%s %s"]}`, r.Header.Get("Authorization"), appSecret))
		default:
			f.serveList(w, r, n)
		}
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if _, err := newClient(t, f, flexapi.WithLogger(log)).ListAPIKeys(context.Background(), exampleMID); err != nil {
		t.Fatal(err)
	}
	type line struct {
		Msg, Operation, Error string
		Attempt, Status       int
		Wait                  *time.Duration
	}
	var got []line
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var e line
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		got = append(got, e)
	}
	if len(got) != 3 ||
		got[0].Msg != "flexapi: token exchange" || got[0].Operation != "token exchange" || got[0].Status != 200 ||
		got[1].Msg != "flexapi: retry" || got[1].Operation != "list API keys" || got[1].Attempt != 2 || got[1].Status != 0 ||
		!strings.Contains(got[1].Error, "malformed HTTP status code") || got[1].Wait == nil ||
		got[2].Attempt != 3 || got[2].Status != 503 || got[2].Wait == nil || *got[2].Wait != 0 {
		t.Errorf("log lines %+v:\n%s", got, logs.String())
	}
	for _, s := range []string{appSecret, "access-", staticTok} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log shows %q:\n%s", s, logs.String())
		}
	}
	// A failed exchange says why, without the AppSecret it was refused.
	logs.Reset()
	f.token = func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusUnauthorized, `{"errors": ["bad secret `+appSecret+`"]}`)
	}
	f.revoke()
	var authErr *flexapi.AuthError
	if _, err := newClient(t, f, flexapi.WithLogger(log)).ListAPIKeys(context.Background(), exampleMID); !errors.As(err, &authErr) {
		t.Fatalf("error %v: want an *AuthError", err)
	}
	if out := logs.String(); !strings.Contains(out, `"level":"WARN","msg":"flexapi: token exchange"`) ||
		!strings.Contains(out, `"status":401`) || strings.Contains(out, appSecret) {
		t.Errorf("log of a failed exchange: %s", out)
	}
}
