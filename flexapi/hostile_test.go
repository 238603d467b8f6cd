package flexapi_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// The hostile-response matrix: every way a server, a gateway or the network
// in between can misbehave on the list call, each ending in a typed error or
// a correct result within a bound. The cases are served by the double's
// faults, by a raw TCP server where net/http would refuse to misbehave, or by
// a second server that a redirect must not reach. Finer points of some cases
// are tested on their own: error shapes (TestListErrorAnswers), malformed
// bodies (TestListMalformedSuccess), the size cap and timeouts
// (limits_test.go), Retry-After (retry_test.go), redirects
// (TestRedirectsNeverCarryTheTokenAway). goleak (TestMain) checks that no
// case leaves a goroutine behind.

// hostileCase is one row of the matrix.
type hostileCase struct {
	name string
	// faults are injected on the double's list route; tokenFaults on its
	// token route.
	faults      []flexapitest.Fault
	tokenFaults []flexapitest.Fault
	// raw, when set, replaces the double with a raw TCP server that hands
	// each accepted connection to raw.
	raw func(c net.Conn)
	// tls serves the double over TLS.
	tls bool
	// redirect, when set, makes the list route redirect to the witness
	// server, on the URL redirect builds from the witness's base URL.
	redirect func(witness string) string
	// credentials makes the client exchange the app's credentials; the
	// default is a static token.
	credentials bool
	opts        []flexapi.Option
	// bound is both the context deadline and the most the call may take.
	bound time.Duration
	// want checks the outcome.
	want func(t *testing.T, list *flexapi.APIKeyList, err error)
	// lists and tokens are the requests the server must have seen on each
	// route (or, for raw servers, connections); -1 does not check.
	lists, tokens int
}

func TestHostileResponses(t *testing.T) {
	const bound = 3 * time.Second
	cases := []hostileCase{
		{
			name:   "HTML 502 from a gateway, retried, then the last answer",
			faults: []flexapitest.Fault{flexapitest.GatewayPage(http.StatusBadGateway)},
			want:   wantAPIError(http.StatusBadGateway, "text/html"),
			lists:  3,
		},
		{
			name:   "HTML 503 once, then the keys",
			faults: []flexapitest.Fault{flexapitest.GatewayPage(http.StatusServiceUnavailable).Once()},
			want:   wantKeys(2),
			lists:  2,
		},
		{
			name:   "truncated JSON",
			faults: []flexapitest.Fault{flexapitest.TruncatedBody()},
			want:   wantDecodeError(nil),
			lists:  1,
		},
		{
			name:   "empty 200 body",
			faults: []flexapitest.Fault{flexapitest.Raw(http.StatusOK, http.Header{"Content-Type": {"application/json"}}, nil)},
			want:   wantDecodeError(nil),
			lists:  1,
		},
		{
			name:   `{"keys": null}`,
			faults: []flexapitest.Fault{flexapitest.SetField("keys", nil)},
			want:   wantDecodeError(nil),
			lists:  1,
		},
		{
			name:   "keys missing",
			faults: []flexapitest.Fault{flexapitest.RemoveField("keys")},
			want:   wantDecodeError(nil),
			lists:  1,
		},
		{
			name:   "wrong content type: the right JSON as text/html",
			faults: []flexapitest.Fault{flexapitest.ContentType("text/html; charset=utf-8")},
			want:   wantDecodeError(nil),
			lists:  1,
		},
		{
			name: "Content-Encoding gzip on plain bytes",
			faults: []flexapitest.Fault{flexapitest.Raw(http.StatusOK, http.Header{
				"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"},
			}, []byte(noKeysBody))},
			want:  wantDecodeError(nil),
			lists: 1,
		},
		{
			// RFC 8259 defines no charset for application/json: JSON on
			// the wire is UTF-8, and the bytes are.
			name:   "charset=utf-16 on UTF-8 bytes is read as UTF-8",
			faults: []flexapitest.Fault{flexapitest.ContentType("application/json; charset=utf-16")},
			want:   wantKeys(2),
			lists:  1,
		},
		{
			name:   "a 12 MB body beyond a 1 MiB cap",
			faults: []flexapitest.Fault{flexapitest.OversizedBody(12 << 20)},
			opts:   []flexapi.Option{flexapi.WithMaxBodyBytes(1 << 20)},
			want:   wantDecodeError(flexapi.ErrBodyTooLarge),
			lists:  1,
		},
		{
			name:  "a 12 MB chunked body beyond a 1 MiB cap",
			raw:   serveRaw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", chunkedPadding(12<<20)),
			opts:  []flexapi.Option{flexapi.WithMaxBodyBytes(1 << 20)},
			want:  wantDecodeError(flexapi.ErrBodyTooLarge),
			lists: 1,
		},
		{
			name:  "headers that never come, three attempts of 50ms",
			raw:   neverAnswer,
			opts:  []flexapi.Option{flexapi.WithResponseHeaderTimeout(50 * time.Millisecond)},
			want:  wantTimeout,
			lists: 3,
		},
		{
			name:   "a body that stalls half-way, under a 200ms timeout",
			faults: []flexapitest.Fault{flexapitest.StallBody()},
			opts:   []flexapi.Option{flexapi.WithTimeout(200 * time.Millisecond)},
			want:   wantTransportError(context.DeadlineExceeded),
			lists:  1,
		},
		{
			name:  "a body shorter than its Content-Length",
			raw:   serveRaw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", []byte(`{"keys": [`)),
			want:  wantTransportError(io.ErrUnexpectedEOF),
			lists: 1,
		},
		{
			name:  "a connection reset (RST) after the request, on every attempt",
			raw:   resetAfterRequest,
			want:  wantTransportError(syscall.ECONNRESET),
			lists: 3,
		},
		{
			// The reset may come before the client has read the headers
			// (then it is retried) or while it reads the body; either way
			// it is the reset that is reported.
			name:  "a connection reset half-way through the body",
			raw:   resetMidBody,
			want:  wantTransportError(syscall.ECONNRESET),
			lists: -1,
		},
		{
			name:   "a connection closed without an answer, once",
			faults: []flexapitest.Fault{flexapitest.DropConnection().Once()},
			want:   wantKeys(2),
			lists:  2,
		},
		{
			name:     "a redirect to another host",
			redirect: func(witness string) string { return witness + "/api-keys/" + flexapitest.DefaultMID },
			want:     wantIs(flexapi.ErrRedirectRefused),
			lists:    1,
		},
		{
			name:     "a redirect from https to http",
			tls:      true,
			redirect: func(witness string) string { return witness + "/api-keys/" + flexapitest.DefaultMID },
			want:     wantIs(flexapi.ErrRedirectRefused),
			lists:    1,
		},
		{
			name:   "429 with a Retry-After of 1000 hours, answered at once",
			faults: []flexapitest.Fault{flexapitest.TooManyRequests(1000 * time.Hour)},
			want:   wantAPIError(http.StatusTooManyRequests, "application/json; charset=utf-8"),
			lists:  1,
		},
		{
			name:   "429 with a Retry-After of 1000 hours once, retried after the capped wait",
			faults: []flexapitest.Fault{flexapitest.TooManyRequests(1000 * time.Hour).Once()},
			opts:   []flexapi.Option{flexapi.WithMaxRetryWait(20 * time.Millisecond)},
			want:   wantKeys(2),
			lists:  2,
		},
		{
			name:        "401 twice in a row: one renewal, then the 401",
			faults:      []flexapitest.Fault{flexapitest.Status(http.StatusUnauthorized).Times(2)},
			credentials: true,
			want:        wantAPIError(http.StatusUnauthorized, "application/json; charset=utf-8"),
			lists:       2,
			tokens:      2,
		},
		{
			name:        "the token call answers 401 twice",
			tokenFaults: []flexapitest.Fault{flexapitest.Status(http.StatusUnauthorized).Times(2)},
			credentials: true,
			want:        wantAuthError(http.StatusUnauthorized),
			lists:       0,
			tokens:      1,
		},
		{
			name:   "invalid UTF-8 in a key's name becomes U+FFFD",
			faults: []flexapitest.Fault{flexapitest.Raw(http.StatusOK, jsonHeader(), []byte("{\"keys\": [{\"name\": \"bad \xff\xfe name\", \"type\": \"secret\", \"created_at\": \"2024-11-16T12:00:00Z\", \"last_used\": null, \"last_four\": \"7dc0\"}]}"))},
			want: func(t *testing.T, list *flexapi.APIKeyList, err error) {
				wantKeys(1)(t, list, err)
				if list != nil && list.Keys[0].Name != "bad \uFFFD\uFFFD name" {
					t.Errorf("name %q: want the invalid bytes replaced by U+FFFD", list.Keys[0].Name)
				}
			},
			lists: 1,
		},
		{
			name:   "invalid UTF-8 in an error message",
			faults: []flexapitest.Fault{flexapitest.Raw(http.StatusInternalServerError, jsonHeader(), []byte("{\"errors\": [\"broken \xc3\x28 text\"]}"))},
			want: func(t *testing.T, list *flexapi.APIKeyList, err error) {
				wantAPIError(http.StatusInternalServerError, "application/json")(t, list, err)
				if !utf8.ValidString(err.Error()) {
					t.Errorf("error text %q is not UTF-8", err)
				}
			},
			lists: 1,
		},
		{
			name:   "deeply nested JSON in keys",
			faults: []flexapitest.Fault{flexapitest.Raw(http.StatusOK, jsonHeader(), nested(`{"keys": `, 100000, `}`))},
			want:   wantDecodeError(nil),
			lists:  1,
		},
		{
			name:   "deeply nested JSON in an unknown field",
			faults: []flexapitest.Fault{flexapitest.Raw(http.StatusOK, jsonHeader(), nested(`{"keys": [], "extra": `, 100000, `}`))},
			want:   wantDecodeError(nil),
			lists:  1,
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, counts := startHostile(t, tc)
			ctx, cancel := context.WithTimeout(context.Background(), bound)
			defer cancel()
			start := time.Now()
			list, err := c.ListAPIKeys(ctx, flexapitest.DefaultMID)
			if d := time.Since(start); d >= bound {
				t.Errorf("took %s: want the client's own bounds to end the call before %s", d, bound)
			}
			if (list == nil) == (err == nil) {
				t.Errorf("list %v and error %v: want exactly one", list, err)
			}
			tc.want(t, list, err)
			assertNoSecret(t, err)
			lists, tokens := counts()
			if tc.lists >= 0 && lists != tc.lists {
				t.Errorf("list requests: %d, want %d", lists, tc.lists)
			}
			if tc.credentials && tokens != tc.tokens {
				t.Errorf("token requests: %d, want %d", tokens, tc.tokens)
			}
		})
	}
}

// startHostile starts the servers of tc and a client of them; counts
// reports the list and token requests seen so far.
func startHostile(t *testing.T, tc hostileCase) (c *flexapi.Client, counts func() (lists, tokens int)) {
	t.Helper()
	opts := []flexapi.Option{fastRetries}
	if tc.raw != nil {
		rs := newRawServer(t, tc.raw)
		opts = append(opts, flexapi.WithBaseURL(rs.URL()), flexapi.WithToken(staticTok))
		c = mustNew(t, append(opts, tc.opts...)...)
		return c, func() (int, int) { return int(rs.accepted.Load()), 0 }
	}

	srv := flexapitest.NewServer()
	t.Cleanup(srv.Close)
	base, hc := srv.URL, srv.HTTPClient()
	if tc.tls {
		ts := httptest.NewUnstartedServer(srv)
		ts.Config.ErrorLog = discardLog
		ts.StartTLS()
		t.Cleanup(ts.Close)
		base, hc = ts.URL+"/v1", ts.Client()
	}
	if tc.redirect != nil {
		w := newWitness(t)
		srv.Inject(flexapitest.RouteList, flexapitest.Raw(http.StatusFound, http.Header{
			"Location": {tc.redirect(w.URL())},
		}, nil))
	}
	srv.Inject(flexapitest.RouteList, tc.faults...)
	srv.Inject(flexapitest.RouteToken, tc.tokenFaults...)
	opts = append(opts, flexapi.WithBaseURL(base), flexapi.WithHTTPClient(hc))
	if tc.credentials {
		opts = append(opts, flexapi.WithCredentials(srv.AppKey, srv.AppSecret))
	} else {
		opts = append(opts, flexapi.WithToken(srv.IssueToken()))
	}
	c = mustNew(t, append(opts, tc.opts...)...)
	return c, func() (int, int) {
		return srv.RequestCount(flexapitest.RouteList), srv.RequestCount(flexapitest.RouteToken)
	}
}

// discardLog keeps a server's complaints about clients that hang up out of
// the test output.
var discardLog = log.New(io.Discard, "", 0)

func mustNew(t *testing.T, opts ...flexapi.Option) *flexapi.Client {
	t.Helper()
	c, err := flexapi.New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// Outcomes.

func wantKeys(n int) func(*testing.T, *flexapi.APIKeyList, error) {
	return func(t *testing.T, list *flexapi.APIKeyList, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("error %v: want %d keys", err, n)
		}
		if len(list.Keys) != n {
			t.Errorf("keys: %d, want %d", len(list.Keys), n)
		}
	}
}

func wantAPIError(status int, contentType string) func(*testing.T, *flexapi.APIKeyList, error) {
	return func(t *testing.T, _ *flexapi.APIKeyList, err error) {
		t.Helper()
		var apiErr *flexapi.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("error %v (%T): want *APIError %d", err, err, status)
		}
		if apiErr.StatusCode != status || apiErr.ContentType != contentType {
			t.Errorf("APIError %d %q: want %d %q", apiErr.StatusCode, apiErr.ContentType, status, contentType)
		}
		if errors.Is(err, flexapi.ErrMalformedResponse) {
			t.Errorf("error %v: an error answer is not a malformed response", err)
		}
	}
}

// wantDecodeError wants a *DecodeError of a 200 that matches
// ErrMalformedResponse and, when given, also cause.
func wantDecodeError(cause error) func(*testing.T, *flexapi.APIKeyList, error) {
	return func(t *testing.T, _ *flexapi.APIKeyList, err error) {
		t.Helper()
		var de *flexapi.DecodeError
		if !errors.As(err, &de) || !errors.Is(err, flexapi.ErrMalformedResponse) {
			t.Fatalf("error %v (%T): want *DecodeError matching ErrMalformedResponse", err, err)
		}
		if de.StatusCode != http.StatusOK {
			t.Errorf("DecodeError status %d, want 200", de.StatusCode)
		}
		if cause != nil && !errors.Is(err, cause) {
			t.Errorf("error %v: want it to match %v", err, cause)
		}
	}
}

// wantTransportError wants an error that matches cause and is neither an
// answer (*APIError) nor a malformed body: the network failed, the server
// did not say anything wrong.
func wantTransportError(cause error) func(*testing.T, *flexapi.APIKeyList, error) {
	return func(t *testing.T, _ *flexapi.APIKeyList, err error) {
		t.Helper()
		if !errors.Is(err, cause) {
			t.Fatalf("error %v (%T): want it to match %v", err, err, cause)
		}
		var apiErr *flexapi.APIError
		if errors.As(err, &apiErr) || errors.Is(err, flexapi.ErrMalformedResponse) {
			t.Errorf("error %v: a network failure is not an answer nor a malformed response", err)
		}
	}
}

func wantTimeout(t *testing.T, _ *flexapi.APIKeyList, err error) {
	t.Helper()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("error %v (%T): want a net.Error that is a timeout", err, err)
	}
	wantTransportError(ne)(t, nil, err)
}

func wantIs(target error) func(*testing.T, *flexapi.APIKeyList, error) {
	return func(t *testing.T, _ *flexapi.APIKeyList, err error) {
		t.Helper()
		if !errors.Is(err, target) {
			t.Fatalf("error %v (%T): want it to match %v", err, err, target)
		}
	}
}

func wantAuthError(status int) func(*testing.T, *flexapi.APIKeyList, error) {
	return func(t *testing.T, _ *flexapi.APIKeyList, err error) {
		t.Helper()
		var authErr *flexapi.AuthError
		var apiErr *flexapi.APIError
		if !errors.As(err, &authErr) || !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Fatalf("error %v (%T): want an *AuthError around *APIError %d", err, err, status)
		}
	}
}

// Bodies.

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// nested is prefix, depth [ and ], suffix.
func nested(prefix string, depth int, suffix string) []byte {
	return []byte(prefix + strings.Repeat("[", depth) + strings.Repeat("]", depth) + suffix)
}

// chunkedPadding is a chunked body of about n bytes: the start of a JSON
// object, then spaces, never finished.
func chunkedPadding(n int) []byte {
	var b strings.Builder
	chunk := `{"keys": [` + strings.Repeat(" ", 64<<10-10)
	for b.Len() < n {
		b.WriteString("10000\r\n")
		b.WriteString(chunk)
		b.WriteString("\r\n")
		chunk = strings.Repeat(" ", 64<<10)
	}
	return []byte(b.String())
}

// The witness: another server, which a redirect must not reach.

type witness struct {
	srv   *httptest.Server
	calls atomic.Int32
	authz atomic.Value
}

func newWitness(t *testing.T) *witness {
	t.Helper()
	w := &witness{}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.calls.Add(1)
		w.authz.Store(r.Header.Get("Authorization"))
		writeJSON(rw, http.StatusOK, noKeysBody)
	}))
	t.Cleanup(func() {
		w.srv.Close()
		if n := w.calls.Load(); n != 0 {
			t.Errorf("the other server got %d requests (Authorization %q)", n, w.authz.Load())
		}
	})
	return w
}

func (w *witness) URL() string { return w.srv.URL + "/v1" }

// The raw TCP server: for answers net/http will not write.

type rawServer struct {
	ln       net.Listener
	accepted atomic.Int32
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

// newRawServer accepts connections on a loopback port and hands each to
// handle, on its own goroutine. Cleanup closes the listener and every
// connection and waits for the handlers.
func newRawServer(t *testing.T, handle func(net.Conn)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			_ = c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *rawServer) URL() string { return "http://" + s.ln.Addr().String() + "/v1" }

// readRequest reads one request from c, reporting whether it could.
func readRequest(c net.Conn) bool {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return false
	}
	_ = req.Body.Close()
	return true
}

// serveRaw answers each request with head and body as they are, then closes
// the connection.
func serveRaw(head string, body []byte) func(net.Conn) {
	return func(c net.Conn) {
		if readRequest(c) {
			_, _ = io.WriteString(c, head)
			_, _ = c.Write(body)
		}
	}
}

// neverAnswer reads the request and waits until the client hangs up.
func neverAnswer(c net.Conn) {
	if readRequest(c) {
		_, _ = io.Copy(io.Discard, c)
	}
}

// reset closes c with an RST instead of a FIN.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

func resetAfterRequest(c net.Conn) {
	if readRequest(c) {
		reset(c)
	}
}

func resetMidBody(c net.Conn) {
	if readRequest(c) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
		_, _ = io.WriteString(c, `{"keys": [{"name": "My API Key", "type": "secret", `)
		time.Sleep(20 * time.Millisecond) // let the client read the headers
		reset(c)
	}
}
