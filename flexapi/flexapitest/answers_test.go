package flexapitest_test

import (
	"io"
	"log"
	"net/http"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// With WithResponseValidation every faithful answer of every route is
// checked against openapi.yaml: a whole lifecycle, its failures included,
// answers as before and the error log stays empty.
func TestResponseValidationPassesEveryFaithfulAnswer(t *testing.T) {
	var logged lockedBuffer
	srv, _ := newFake(t, flexapitest.WithResponseValidation(), flexapitest.WithErrorLog(log.New(&logged, "", 0)),
		flexapitest.WithAppCredentials("k", "s"), flexapitest.WithKeyLimits(1, 2))
	tok := getToken(t, srv)
	for _, e := range []exchange{
		do(t, srv, http.MethodPost, "/v1/oauth2/token", jsonHeader(), credentials("k", "wrong")),
		do(t, srv, http.MethodPost, "/v1/oauth2/token", jsonHeader(), `{"AppKey":"k"}`),
		do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", bearer("nope"), ""),
		do(t, srv, http.MethodGet, "/v1/api-keys/mid_none", bearer(tok), ""),
		do(t, srv, http.MethodPost, "/v1/api-keys", authJSON(tok), createBody("m", "<b>", "secret")),
		do(t, srv, http.MethodDelete, "/v1/api-keys/key_unknown", bearer(tok), ""),
	} {
		mustMatchSpec(t, e)
		if e.status >= 500 {
			t.Errorf("%s: %s", e, e.body)
		}
	}
	listKeys(t, srv, tok, flexapitest.DefaultMID)
	c := createKey(t, srv, tok, "m", "k", "tokenization")
	if e := do(t, srv, http.MethodPost, "/v1/api-keys", authJSON(tok), createBody("m", "k2", "secret")); e.status != http.StatusConflict {
		t.Errorf("a create past the limit: %s, want the 409 failure", e)
	}
	listKeys(t, srv, tok, "m")
	if e := revokeKey(t, srv, tok, c.ID); e.status != http.StatusOK {
		t.Errorf("revoke: %s", e)
	}
	if got := logged.String(); got != "" {
		t.Errorf("the error log holds %q, want nothing", got)
	}
	// The errors page's 204 revoke, without a body or a Content-Type.
	srv204, _ := newFake(t, flexapitest.WithResponseValidation(), flexapitest.WithPrefer("revoke-204"),
		flexapitest.WithErrorLog(log.New(&logged, "", 0)))
	tok = srv204.IssueToken()
	if e := revokeKey(t, srv204, tok, createKey(t, srv204, tok, "m", "k", "secret").ID); e.status != http.StatusNoContent {
		t.Errorf("a 204 revoke: %s", e)
	}
	if got := logged.String(); got != "" {
		t.Errorf("the error log holds %q, want nothing", got)
	}
}

// An answer that breaks the spec (here seeded data) is not sent: the
// client gets a 500 that says where the answer is wrong, never a value of
// it, and the error log says the same.
func TestResponseValidationRefusesAnAnswerThatBreaksTheSpec(t *testing.T) {
	var logged lockedBuffer
	const canary = "CANARYname0042"
	srv, _ := newFake(t, flexapitest.WithResponseValidation(), flexapitest.WithErrorLog(log.New(&logged, "", 0)),
		flexapitest.WithKeys("m", map[string]any{"name": canary, "type": "secret", "created_at": "2024-01-01T00:00:00Z",
			"last_used": nil, "last_four": "abcde"}))
	e := do(t, srv, http.MethodGet, "/v1/api-keys/m", bearer(srv.IssueToken()), "")
	if e.status != http.StatusInternalServerError || !strings.Contains(string(e.body), "keys/0/last_four") {
		t.Fatalf("got %s %s, want a 500 naming keys/0/last_four", e, e.body)
	}
	if strings.Contains(string(e.body), canary) || strings.Contains(string(e.body), "abcde") {
		t.Errorf("the 500 quotes the answer: %s", e.body)
	}
	if got := logged.String(); !strings.Contains(got, "keys/0/last_four") || strings.Contains(got, canary) {
		t.Errorf("error log %q, want the path and no value", got)
	}
}

// Faults apply after the check: a fault still sends the broken answer it
// was asked for, and the check does not count it as the double's mistake.
func TestResponseValidationLeavesFaultsBroken(t *testing.T) {
	var logged lockedBuffer
	srv, _ := newFake(t, flexapitest.WithResponseValidation(), flexapitest.WithErrorLog(log.New(&logged, "", 0)))
	srv.Inject(flexapitest.RouteList, flexapitest.RemoveField("keys/0/last_four").Once())
	e := do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", bearer(srv.IssueToken()), "")
	if e.status != http.StatusOK || strings.Contains(string(e.body), `"last_four":"7dc0"`) {
		t.Fatalf("got %s %s, want the fault's answer without the first key's last_four", e, e.body)
	}
	if specErrors(t, e) == nil {
		t.Error("the fault's answer matches the spec: the fault did not apply")
	}
	if got := logged.String(); got != "" {
		t.Errorf("the error log holds %q, want nothing", got)
	}
}

// Routing follows the generated handler's patterns: a HEAD, which
// ServeMux would serve with a GET pattern, is not an operation of the
// spec, and a path ServeMux would clean and redirect is not found.
func TestRoutingOutsideTheSpec(t *testing.T) {
	srv, _ := newFake(t)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodHead, "/v1/api-keys/mid_123456", 405, "GET, DELETE"},
		{http.MethodPut, "/v1/api-keys/mid_123456", 405, "GET, DELETE"},
		{http.MethodGet, "/v1//api-keys/mid_123456", 404, ""},
		{http.MethodGet, "/v1/api-keys/x/../mid_123456", 404, ""},
		{http.MethodPost, "/v1/oauth2/../oauth2/token", 404, ""},
	} {
		e := do(t, srv, tc.method, tc.path, bearer(srv.IssueToken()), "")
		if e.status != tc.status || e.resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s: got %d (Allow %q), want %d (Allow %q)", e, e.status, e.resp.Header.Get("Allow"), tc.status, tc.allow)
		}
	}
}

// kin-openapi quotes the value in a format's error ("parsing time
// \"...\""): neither the 500 nor the error log may carry it.
func TestResponseValidationQuotesNoFormatValue(t *testing.T) {
	var logged lockedBuffer
	const canary = "CANARYdate0042"
	srv, _ := newFake(t, flexapitest.WithResponseValidation(), flexapitest.WithErrorLog(log.New(&logged, "", 0)),
		flexapitest.WithKeys("m", map[string]any{"name": "k", "type": "secret", "created_at": canary,
			"last_used": nil, "last_four": "abcd"}))
	e := do(t, srv, http.MethodGet, "/v1/api-keys/m", bearer(srv.IssueToken()), "")
	if e.status != http.StatusInternalServerError || !strings.Contains(string(e.body), "keys/0/created_at") {
		t.Fatalf("got %s %s, want a 500 naming keys/0/created_at", e, e.body)
	}
	if strings.Contains(string(e.body), canary) || strings.Contains(logged.String(), canary) {
		t.Errorf("the value reached the answer or the log: %s / %s", e.body, logged.String())
	}
}

// A body past the double's 64 KiB answers 413, whether its length is
// announced or it comes in chunks, before the request check reads it all;
// with the answers checked too, as cmd/flexfactor-mock runs, the 413 stays
// a 413 rather than a 500 about the double's own answer.
func TestOversizedRequestBodies(t *testing.T) {
	for name, opts := range map[string][]flexapitest.Option{
		"requests checked":             nil,
		"requests and answers checked": {flexapitest.WithResponseValidation()},
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := newFake(t, opts...)
			big := `{"AppKey":"k","AppSecret":"` + strings.Repeat("s", 70<<10) + `"}`
			if e := do(t, srv, http.MethodPost, "/v1/oauth2/token", jsonHeader(), big); e.status != http.StatusRequestEntityTooLarge {
				t.Errorf("with Content-Length: %s, want 413", e)
			}
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/oauth2/token", io.MultiReader(strings.NewReader(big)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := srv.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge || req.ContentLength != 0 {
				t.Errorf("chunked: %d (length %d), want 413", resp.StatusCode, req.ContentLength)
			}
		})
	}
}
