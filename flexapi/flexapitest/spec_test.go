package flexapitest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// loadedSpec is the embedded spec, loaded once for every test.
func loadedSpec(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := spec.Doc()
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return doc
}

// exchange is one request and its answer, body read in full.
type exchange struct {
	req    *http.Request
	resp   *http.Response
	body   []byte
	status int
}

// String names the exchange without its body, which may hold a token the
// double issued: a failure message must not carry it.
func (e exchange) String() string {
	ct := ""
	if e.resp != nil {
		ct = e.resp.Header.Get("Content-Type")
	}
	return fmt.Sprintf("%s %s -> %d (%s, %d bytes)", e.req.Method, e.req.URL.EscapedPath(), e.status, ct, len(e.body))
}

// specRoute is the operation of openapi.yaml that a request to path hits,
// found by hand like the double does, so that a mid holding %2F stays one
// segment.
func specRoute(t testing.TB, method, escapedPath string) *routers.Route {
	t.Helper()
	doc := loadedSpec(t)
	var p string
	switch {
	case escapedPath == "/v1/oauth2/token":
		p = "/oauth2/token"
	case escapedPath == "/v1/api-keys":
		p = "/api-keys"
	case strings.HasPrefix(escapedPath, "/v1/api-keys/") && len(escapedPath) > len("/v1/api-keys/") &&
		!strings.Contains(strings.TrimPrefix(escapedPath, "/v1/api-keys/"), "/"):
		p = "/api-keys/{id}"
	default:
		return nil
	}
	item := doc.Paths.Value(p)
	op := item.GetOperation(method)
	if op == nil {
		return nil
	}
	return &routers.Route{Spec: doc, Path: p, PathItem: item, Method: method, Operation: op}
}

// specErrors validates an answer against openapi.yaml: documented status,
// Content-Type and body schema. Answers to requests the spec has no
// operation for (404, 405) must still carry the ErrorList body. The error
// text never holds values.
func specErrors(t testing.TB, e exchange) error {
	t.Helper()
	route := specRoute(t, e.req.Method, e.req.URL.EscapedPath())
	if route == nil {
		if ct := e.resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			return fmt.Errorf("content type %q, want application/json", ct)
		}
		var v any
		if err := json.Unmarshal(e.body, &v); err != nil {
			return fmt.Errorf("body is not JSON: %w", err)
		}
		return loadedSpec(t).Components.Schemas["ErrorList"].Value.VisitJSON(v, openapi3.DisableSchemaErrorDetails())
	}
	opts := &openapi3filter.Options{
		MultiError:              true,
		IncludeResponseStatus:   true,
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: e.req, Route: route, Options: opts},
		Status:                 e.status,
		Header:                 e.resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(e.body)),
		Options:                opts,
	})
}

// mustMatchSpec fails the test when the answer does not match openapi.yaml.
func mustMatchSpec(t testing.TB, e exchange) {
	t.Helper()
	if err := specErrors(t, e); err != nil {
		t.Errorf("%s %s -> %d does not match openapi.yaml: %v", e.req.Method, e.req.URL.EscapedPath(), e.status, err)
	}
}

// do sends a request to srv and reads the answer. With check, a non-fault
// answer is validated against the spec. A double that holds the answer
// back (a delay or stall it should have refused) fails the test within a
// generous bound, never hangs it until go test's timeout.
func do(t testing.TB, srv *flexapitest.Server, method, path string, header http.Header, body string) exchange {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := send(ctx, srv, method, path, header, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return e
}

func send(ctx context.Context, srv *flexapitest.Server, method, path string, header http.Header, body string) (exchange, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	base := strings.TrimSuffix(srv.URL, "/v1")
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return exchange{}, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		return exchange{req: req}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	e := exchange{req: req, resp: resp, body: b, status: resp.StatusCode}
	return e, err
}

// getToken gets a token through the token call.
func getToken(t testing.TB, srv *flexapitest.Server) string {
	t.Helper()
	e := do(t, srv, http.MethodPost, "/v1/oauth2/token", jsonHeader(), credentials(srv.AppKey, srv.AppSecret))
	if e.status != http.StatusOK {
		t.Fatalf("token call: %d %s", e.status, e.body)
	}
	mustMatchSpec(t, e)
	var tr struct{ AccessToken string }
	if err := json.Unmarshal(e.body, &tr); err != nil || tr.AccessToken == "" {
		t.Fatalf("token answer without accessToken: %v", err)
	}
	return tr.AccessToken
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json"}}
}

func bearer(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}, "Accept": {"application/json"}}
}

func credentials(key, secret string) string {
	b, _ := json.Marshal(map[string]string{"AppKey": key, "AppSecret": secret})
	return string(b)
}

// modelStateFields checks that e is the token call's 400, the errors page's
// ModelState body as application/problem+json, and returns its fields.
func modelStateFields(t testing.TB, e exchange) map[string][]string {
	t.Helper()
	if e.status != http.StatusBadRequest {
		t.Fatalf("got %s, want 400", e)
	}
	if ct := e.resp.Header.Get("Content-Type"); ct != "application/problem+json; charset=utf-8" {
		t.Errorf("content type %q, want application/problem+json; charset=utf-8", ct)
	}
	var ms struct {
		Status  int
		Title   string
		TraceID string
		Errors  map[string][]string
	}
	if err := json.Unmarshal(e.body, &ms); err != nil {
		t.Fatalf("%s: body is not JSON: %v", e, err)
	}
	if ms.Status != http.StatusBadRequest || ms.Title != "One or more validation errors occurred." ||
		!traceparent.MatchString(ms.TraceID) {
		t.Errorf("status %d, title %q, traceId %q: not ASP.NET's ModelState envelope", ms.Status, ms.Title, ms.TraceID)
	}
	return ms.Errors
}

// traceparent is the shape of ASP.NET's traceId, a W3C traceparent.
var traceparent = regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-00$`)

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(t testing.TB, got []byte, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		return false
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return bytes.Equal(gb, wb)
}
