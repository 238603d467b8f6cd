package flexapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Known secrets: no error text or fmt output may contain them.
const (
	appKey    = "app-key-public-id"
	appSecret = "app-secret-Zq9xV7pW"
	staticTok = "static-token-Kp3mN8rT"
)

// The list page's documented examples, byte for byte.
const (
	twoKeysBody = `{
  "keys": [
    {
      "name": "My API Key",
      "type": "secret",
      "created_at": "2024-11-16T12:00:00Z",
      "last_used": "2024-11-18T10:00:00Z",
      "last_four": "7dc0"
    },
    {
      "name": "Frontend Key",
      "type": "publishable",
      "created_at": "2024-11-10T08:30:00Z",
      "last_used": null,
      "last_four": "3abc"
    }
  ]
}`
	noKeysBody    = `{"keys": []}`
	unauthorized  = `{"errors": ["Authentication failed. Invalid bearer token."]}`
	internalError = `{"errors": ["An unexpected error occurred. Please try again later."]}`
	exampleMID    = "mid_123456"
)

// fakeFF is a FlexFactor stand-in on a real loopback server. Its handlers can
// be replaced per test; it counts requests and new connections and records
// the raw path and query of each list request.
type fakeFF struct {
	srv *httptest.Server

	tokenCalls atomic.Int32
	listCalls  atomic.Int32
	newConns   atomic.Int32

	mu       sync.Mutex
	paths    []string // escaped path of every request
	queries  []string // raw query of every request
	authz    []string // Authorization header of every list request
	tokens   map[string]bool
	lifetime time.Duration

	// token and list answer the two calls; n counts from 1 per route.
	token func(w http.ResponseWriter, r *http.Request, n int)
	list  func(w http.ResponseWriter, r *http.Request, n int)
}

func newFakeFF(t *testing.T) *fakeFF {
	t.Helper()
	f := &fakeFF{tokens: map[string]bool{}, lifetime: 10 * time.Minute}
	f.token = f.issueToken
	f.list = f.serveList
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.newConns.Add(1)
		}
	}
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeFF) URL() string { return f.srv.URL + "/v1" }

func (f *fakeFF) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.EscapedPath())
	f.queries = append(f.queries, r.URL.RawQuery)
	f.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.EscapedPath() == "/v1/oauth2/token":
		f.token(w, r, int(f.tokenCalls.Add(1)))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.EscapedPath(), "/v1/api-keys/"):
		f.mu.Lock()
		f.authz = append(f.authz, r.Header.Get("Authorization"))
		f.mu.Unlock()
		f.list(w, r, int(f.listCalls.Add(1)))
	default:
		writeJSON(w, http.StatusNotFound, `{"errors": ["no such route"]}`)
	}
}

// issueToken checks the credentials and issues a new token.
func (f *fakeFF) issueToken(w http.ResponseWriter, r *http.Request, n int) {
	var req struct{ AppKey, AppSecret string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.AppKey != appKey || req.AppSecret != appSecret {
		writeJSON(w, http.StatusUnauthorized, `{"errors": ["Invalid credentials."]}`)
		return
	}
	tok := fmt.Sprintf("access-%d-Hx4Lq", n)
	f.mu.Lock()
	f.tokens[tok] = true
	life := f.lifetime
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, fmt.Sprintf(
		`{"id": null, "success": true, "accessToken": %q, "refreshToken": "refresh-%d", "expires": %d, "errors": []}`,
		tok, n, time.Now().Add(life).UnixMilli()))
}

// revoke makes the server refuse every token issued so far.
func (f *fakeFF) revoke() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = map[string]bool{}
}

func (f *fakeFF) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	defer f.mu.Unlock()
	return ok && (f.tokens[tok] || tok == staticTok)
}

// serveList is the documented behaviour: 401 without a valid token, the two
// example keys for the example mid, no keys for any other.
func (f *fakeFF) serveList(w http.ResponseWriter, r *http.Request, _ int) {
	if !f.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, unauthorized)
		return
	}
	if r.URL.EscapedPath() == "/v1/api-keys/"+exampleMID {
		writeJSON(w, http.StatusOK, twoKeysBody)
		return
	}
	writeJSON(w, http.StatusOK, noKeysBody)
}

func (f *fakeFF) lastPath() (path, query string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.paths[len(f.paths)-1], f.queries[len(f.queries)-1]
}

func (f *fakeFF) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.paths)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// fastRetries keeps backoff in milliseconds.
var fastRetries = flexapi.WithBackoff(time.Millisecond, 4*time.Millisecond)

// newClient is a client of f with app credentials and fast retries.
func newClient(t *testing.T, f *fakeFF, opts ...flexapi.Option) *flexapi.Client {
	t.Helper()
	all := append([]flexapi.Option{flexapi.WithBaseURL(f.URL()), flexapi.WithCredentials(appKey, appSecret), fastRetries}, opts...)
	c, err := flexapi.New(all...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// listEndsWith calls c.ListAPIKeys for exampleMID and fails the test unless
// the call ends, within bound, with an error matching want.
func listEndsWith(t *testing.T, ctx context.Context, c *flexapi.Client, want error, bound time.Duration) {
	t.Helper()
	start := time.Now()
	_, err := c.ListAPIKeys(ctx, exampleMID)
	if !errors.Is(err, want) {
		t.Errorf("error %v: want %v", err, want)
	}
	if d := time.Since(start); d > bound {
		t.Errorf("took %s, want under %s", d, bound)
	}
}

// assertNoSecret fails when any fmt rendering of v shows a known secret or
// one of extra.
func assertNoSecret(t *testing.T, v any, extra ...string) {
	t.Helper()
	secrets := append([]string{appSecret, staticTok, "access-"}, extra...)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, v)
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("fmt %s of %T shows secret %q: %s", verb, v, s, out)
			}
		}
	}
	// What errors.As can reach, a caller can print.
	if err, ok := v.(error); ok && errors.Unwrap(err) != nil {
		assertNoSecret(t, errors.Unwrap(err), extra...)
	}
}
