package flexapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"golang.org/x/oauth2"
)

// TestErrorsNameTheCallAndItsRequestID: support acts on an error by its
// call and its request id. Every error made from an answer carries the
// operation, the request id (X-Request-Id, else Request-Id, else the
// traceparent's trace id, else a ModelState traceId) and the wait its
// Retry-After asks for, and says the operation and the id once, with no
// second "flexapi:".
func TestErrorsNameTheCallAndItsRequestID(t *testing.T) {
	const trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
	modelState := `{"status":400,"title":"One or more validation errors occurred.","traceId":"` + trace + `",` +
		`"errors":{"AppKey":["The AppKey field is required."]}}`
	tests := []struct {
		name    string
		call    func(*flexapi.Client) error
		auth    flexapi.Option
		status  int
		header  http.Header
		body    string
		wantOp  flexapi.Operation
		wantID  string
		wantRA  time.Duration
		wantErr string
	}{
		{name: "list, X-Request-Id over the others", call: list, status: 401, body: unauthorized,
			header: http.Header{"X-Request-Id": {"req_7f3aQ9x2Lm4nP8rT5vW1yZ6b0cD3eF7g"}, "Request-Id": {"other"}, "Traceparent": {trace}},
			wantOp: flexapi.OpListAPIKeys, wantID: "req_7f3aQ9x2Lm4nP8rT5vW1yZ6b0cD3eF7g",
			wantErr: "flexapi: list API keys: 401 Unauthorized: Authentication failed. Invalid bearer token. (request req_7f3aQ9x2Lm4nP8rT5vW1yZ6b0cD3eF7g)"},
		{name: "list, a request id that echoes the token", call: list, status: 401, body: unauthorized,
			header: http.Header{"X-Request-Id": {"req-" + staticTok}},
			wantOp: flexapi.OpListAPIKeys, wantID: "req-[REDACTED]",
			wantErr: "flexapi: list API keys: 401 Unauthorized: Authentication failed. Invalid bearer token. (request req-[REDACTED])"},
		{name: "create, Request-Id over traceparent", call: create, status: 404, body: `{"errors": ["Merchant not found."]}`,
			header: http.Header{"Request-Id": {"r-42"}, "Traceparent": {trace}},
			wantOp: flexapi.OpCreateAPIKey, wantID: "r-42",
			wantErr: "flexapi: create API key: 404 Not Found: Merchant not found. (request r-42)"},
		{name: "revoke, traceparent over traceId, Retry-After", call: revoke, status: 429, body: `{"errors": ["Too many requests."], "traceId": "body-trace"}`,
			header: http.Header{"Traceparent": {trace}, "Retry-After": {"120"}},
			wantOp: flexapi.OpRevokeAPIKey, wantID: "4bf92f3577b34da6a3ce929d0e0e4736", wantRA: 2 * time.Minute,
			wantErr: "flexapi: revoke API key: 429 Too Many Requests: Too many requests. (request 4bf92f3577b34da6a3ce929d0e0e4736)"},
		{name: "token, ModelState traceId", call: list, auth: flexapi.WithCredentials(appKey, appSecret), status: 400, body: modelState,
			wantOp: flexapi.OpTokenExchange, wantID: trace,
			wantErr: "flexapi: token exchange: 400 Bad Request: One or more validation errors occurred.; AppKey: The AppKey field is required. (request " + trace + ")"},
		{name: "list, malformed 2xx", call: list, status: 200, body: `<html>maintenance</html>`,
			header: http.Header{"X-Request-Id": {"req_9"}, "Content-Type": {"text/html"}},
			wantOp: flexapi.OpListAPIKeys, wantID: "req_9",
			wantErr: `flexapi: list API keys: malformed 200 response (text/html): content type "text/html" is not JSON: body: <html>maintenance</html> (request req_9)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			auth := tt.auth
			if auth == nil {
				auth = flexapi.WithToken(staticTok)
			}
			// Retries run out: the error still says what Retry-After asked
			// for, not the cap the client waited.
			c := mustNew(t, flexapi.WithBaseURL(srv.URL+"/v1"), auth, flexapi.WithMaxAttempts(2), fastRetries,
				flexapi.WithMaxRetryWait(time.Millisecond))
			err := tt.call(c)
			if err == nil {
				t.Fatal("no error")
			}
			var op flexapi.Operation
			var id string
			var ra time.Duration
			var apiErr *flexapi.APIError
			var decErr *flexapi.DecodeError
			switch {
			case errors.As(err, &apiErr):
				op, id, ra = apiErr.Operation, apiErr.RequestID, apiErr.RetryAfter
			case errors.As(err, &decErr):
				op, id, ra = decErr.Operation, decErr.RequestID, decErr.RetryAfter
			default:
				t.Fatalf("error %v (%T): want an *APIError or a *DecodeError", err, err)
			}
			if op != tt.wantOp || id != tt.wantID || ra != tt.wantRA {
				t.Errorf("operation %q, request id %q, Retry-After %s: want %q, %q, %s", op, id, ra, tt.wantOp, tt.wantID, tt.wantRA)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("Error()\n got %s\nwant %s", err, tt.wantErr)
			}
			if n := strings.Count(err.Error(), "flexapi:"); n != 1 {
				t.Errorf("%q says flexapi: %d times", err, n)
			}
		})
	}
}

func list(c *flexapi.Client) error {
	_, err := c.ListAPIKeys(context.Background(), exampleMID)
	return err
}

func create(c *flexapi.Client) error {
	_, err := c.CreateAPIKey(context.Background(), secretKey)
	return err
}

func revoke(c *flexapi.Client) error { return c.RevokeAPIKey(context.Background(), "key_1") }

// TestACutBodyNamesTheCall: a body the network cuts short is the network's
// error, still matched by errors.Is, and says which call it cut.
func TestACutBodyNamesTheCall(t *testing.T) {
	k := newKeyServer(t)
	k.revoke = func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write([]byte(`{"success":`))
	}
	err := revoke(k.client(t))
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.HasPrefix(err.Error(), "flexapi: revoke API key: ") ||
		strings.Count(err.Error(), "flexapi:") != 1 {
		t.Errorf("error %v: want io.ErrUnexpectedEOF, said once for revoke", err)
	}
	f := newFakeFF(t)
	f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write([]byte(`{"keys":`))
	}
	err = list(newClient(t, f))
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.HasPrefix(err.Error(), "flexapi: list API keys: ") ||
		strings.Count(err.Error(), "flexapi:") != 1 {
		t.Errorf("error %v: want io.ErrUnexpectedEOF, said once for list", err)
	}
}

// TestAnEndedContextNamesTheCall: a call whose context ended before it
// began says which call, with a static token as with credentials, and
// still matches the context's error. It asks no token source, which may
// fetch a token over the network whatever the context says.
func TestAnEndedContextNamesTheCall(t *testing.T) {
	f := newFakeFF(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	asked := 0
	src := tokenSourceFunc(func() (*oauth2.Token, error) { asked++; return &oauth2.Token{AccessToken: staticTok}, nil })
	c := mustNew(t, flexapi.WithBaseURL(f.URL()), flexapi.WithTokenSource(src))
	_, err := c.ListAPIKeys(ctx, exampleMID)
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "flexapi: list API keys: ") || asked != 0 {
		t.Errorf("error %v, token source asked %d times: want context.Canceled, named for list, the source not asked", err, asked)
	}
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }
