package flexapitest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// call is a valid request of each operation, by operationId.
func call(srv *flexapitest.Server, tok, operationID string) (method, path string, header http.Header, body string) {
	header = bearer(tok)
	header.Set("Content-Type", "application/json")
	switch operationID {
	case "createToken":
		return http.MethodPost, "/v1/oauth2/token", jsonHeader(), credentials(srv.AppKey, srv.AppSecret)
	case "listApiKeys":
		return http.MethodGet, "/v1/api-keys/" + flexapitest.DefaultMID, header, ""
	case "createApiKey":
		return http.MethodPost, "/v1/api-keys", header, `{"mid":"mid_1","name":"k","type":"secret"}`
	case "revokeApiKey":
		return http.MethodDelete, "/v1/api-keys/key_unknown", header, ""
	}
	return "", "", nil, ""
}

// preferring sends operationID's valid request with a Prefer header.
func preferring(t *testing.T, srv *flexapitest.Server, tok, operationID, prefer string, extra http.Header) exchange {
	t.Helper()
	method, path, header, body := call(srv, tok, operationID)
	if method == "" {
		t.Fatalf("no request for the operation %q: add one to call", operationID)
	}
	header.Set("Prefer", prefer)
	for k, vs := range extra {
		header[k] = vs
	}
	return do(t, srv, method, path, header, body)
}

// Every status the spec declares for every call, asked for with Prism's
// Prefer: code=N, is answered with that status, the spec's example body
// and the headers the spec declares for it, and matches the spec.
func TestPreferCodeAnswersEveryDeclaredStatus(t *testing.T) {
	srv := flexapitest.NewServer(flexapitest.WithResponseValidation())
	defer srv.Close()
	tok := srv.IssueToken()
	doc := loadedSpec(t)
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, key := range op.Responses.Keys() {
				code := strings.NewReplacer("XX", "03").Replace(key) // 4XX: 403, 5XX: 503
				t.Run(op.OperationID+"/"+key, func(t *testing.T) {
					e := preferring(t, srv, tok, op.OperationID, "code="+code, nil)
					if strconv.Itoa(e.status) != code {
						t.Fatalf("%s %s with Prefer: code=%s: %s %s", method, path, code, e, e.body)
					}
					mustMatchSpec(t, e)
					ref := op.Responses.Value(key).Value
					for name := range ref.Headers {
						if e.resp.Header.Get(name) == "" {
							t.Errorf("no %s header; the spec declares it for %s", name, key)
						}
					}
					if len(ref.Content) > 0 && len(e.body) == 0 {
						t.Errorf("no body; the spec declares one for %s", key)
					}
				})
				n++
			}
		}
	}
	if n < 12 {
		t.Errorf("%d statuses declared in all: the spec did not load as expected", n)
	}
}

func TestPreferCode(t *testing.T) {
	srv := flexapitest.NewServer(flexapitest.WithResponseValidation())
	defer srv.Close()
	tok := srv.IssueToken()
	for _, tc := range []struct {
		name, op, prefer string
		accept           string
		check            func(t *testing.T, e exchange)
	}{
		{"the list page's 500", "listApiKeys", "code=500", "", func(t *testing.T, e exchange) {
			wantAnswer(t, e, 500, "application/json", `{"errors":["An unexpected error occurred. Please try again later."]}`)
		}},
		{"a 429 with Retry-After", "listApiKeys", "code=429", "", func(t *testing.T, e exchange) {
			wantAnswer(t, e, 429, "application/json", `{"errors":["Too many requests. Please try again later."]}`)
			if got := e.resp.Header.Get("Retry-After"); got != "2" {
				t.Errorf("Retry-After = %q, want the spec's example, 2", got)
			}
		}},
		{"a 503 on create", "createApiKey", "code=503", "", func(t *testing.T, e exchange) {
			if e.status != 503 || e.resp.Header.Get("Retry-After") == "" || !strings.Contains(string(e.body), `"errors":[`) {
				t.Errorf("%s %s", e, e.body)
			}
		}},
		{"a 401 on the token call", "createToken", "code=401", "", func(t *testing.T, e exchange) {
			if e.status != 401 || !strings.Contains(string(e.body), "Invalid credentials") {
				t.Errorf("%s %s", e, e.body)
			}
		}},
		{"the ModelState 400 as problem+json", "createToken", "code=400", "application/problem+json", func(t *testing.T, e exchange) {
			modelStateFields(t, e)
		}},
		{"the ModelState 400 as application/json", "listApiKeys", "code=400", "application/json", func(t *testing.T, e exchange) {
			if ct := e.resp.Header.Get("Content-Type"); e.status != 400 || ct != "application/json; charset=utf-8" || !strings.Contains(string(e.body), `"errors":{`) {
				t.Errorf("%s %s", e, e.body)
			}
		}},
		{"a named example", "listApiKeys", "code=200, example=noKeys", "", func(t *testing.T, e exchange) {
			wantAnswer(t, e, 200, "application/json", `{"keys":[]}`)
		}},
		{"a 404 on revoke", "revokeApiKey", `code="404"`, "", func(t *testing.T, e exchange) {
			if e.status != 404 || !strings.Contains(string(e.body), `"success":false`) {
				t.Errorf("%s %s", e, e.body)
			}
		}},
		{"unknown preferences are ignored (RFC 7240)", "listApiKeys", "return=minimal; x=1, respond-async", "", func(t *testing.T, e exchange) {
			if e.status != 200 || !strings.Contains(string(e.body), "My API Key") {
				t.Errorf("%s %s", e, e.body)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var extra http.Header
			if tc.accept != "" {
				extra = http.Header{"Accept": {tc.accept}}
			}
			e := preferring(t, srv, tok, tc.op, tc.prefer, extra)
			tc.check(t, e)
			mustMatchSpec(t, e)
		})
	}
}

// A status the call does not declare, an example it does not have, a
// value the double cannot use, or two faults at once: a 400 naming Prefer.
func TestPreferRefused(t *testing.T) {
	srv := flexapitest.NewServer(flexapitest.WithResponseValidation())
	defer srv.Close()
	tok := srv.IssueToken()
	for _, prefer := range []string{"code=418", "code=abc", "code=200, example=none", "delay=forever", "delay=1h", "stall, malformed", "missing-field=keys/0"} {
		t.Run(prefer, func(t *testing.T) {
			e := preferring(t, srv, tok, "listApiKeys", prefer, nil)
			var ms struct{ Errors map[string][]string }
			if e.status != 400 || json.Unmarshal(e.body, &ms) != nil || len(ms.Errors["Prefer"]) == 0 {
				t.Errorf("%s %s, want a 400 naming Prefer", e, e.body)
			}
			mustMatchSpec(t, e)
		})
	}
}

// Prefer: code=N answers in place of the operation: nothing is created.
func TestPreferCodeDoesNoWork(t *testing.T) {
	srv := flexapitest.NewServer()
	defer srv.Close()
	tok := srv.IssueToken()
	e := preferring(t, srv, tok, "createApiKey", "code=201", nil)
	if e.status != 201 {
		t.Fatalf("%s", e)
	}
	if keys := srv.Data()["mid_1"]; len(keys) != 0 {
		t.Errorf("Prefer: code=201 made a key: %d listed", len(keys))
	}
}

func TestPreferOwnFaults(t *testing.T) {
	srv := flexapitest.NewServer(flexapitest.WithResponseValidation())
	defer srv.Close()
	tok := srv.IssueToken()
	for _, tc := range []struct {
		name, op, prefer string
		check            func(t *testing.T, e exchange)
		// valid: the answer still matches the spec.
		valid bool
	}{
		{"a key without a field", "listApiKeys", "missing-field=last_used", func(t *testing.T, e exchange) {
			if e.status != 200 || strings.Contains(string(e.body), "last_used") || !strings.Contains(string(e.body), "last_four") {
				t.Errorf("%s %s", e, e.body)
			}
		}, false},
		{"a token answer without a field", "createToken", "missing-field=accessToken", func(t *testing.T, e exchange) {
			if e.status != 200 || strings.Contains(string(e.body), "accessToken") {
				t.Errorf("%s", e)
			}
		}, false},
		{"an unknown type", "listApiKeys", "unknown-type", func(t *testing.T, e exchange) {
			var l struct{ Keys []struct{ Type string } }
			if e.status != 200 || json.Unmarshal(e.body, &l) != nil || len(l.Keys) != 2 || l.Keys[0].Type != "restricted" || l.Keys[1].Type != "restricted" {
				t.Errorf("%s %s", e, e.body)
			}
		}, true},
		{"a malformed body", "listApiKeys", "malformed", func(t *testing.T, e exchange) {
			if e.status != 200 || json.Valid(e.body) || len(e.body) == 0 {
				t.Errorf("%s %s", e, e.body)
			}
		}, false},
		{"a delay and a 500", "listApiKeys", "code=500, delay=50ms", func(t *testing.T, e exchange) {
			if e.status != 500 {
				t.Errorf("%s", e)
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := preferring(t, srv, tok, tc.op, tc.prefer, nil)
			tc.check(t, e)
			if err := specErrors(t, e); (err == nil) != tc.valid {
				t.Errorf("matches the spec: %t, want %t (%v)", err == nil, tc.valid, err)
			}
		})
	}
}

func TestPreferRevoke204(t *testing.T) {
	srv := flexapitest.NewServer(flexapitest.WithResponseValidation())
	defer srv.Close()
	tok := srv.IssueToken()
	k := createKey(t, srv, tok, "mid_1", "k", "secret")
	h := bearer(tok)
	h.Set("Prefer", "revoke-204")
	e := do(t, srv, http.MethodDelete, "/v1/api-keys/"+k.ID, h, "")
	if e.status != http.StatusNoContent || len(e.body) != 0 || e.resp.Header.Get("Content-Type") != "" {
		t.Errorf("%s %s, want 204 without a body", e, e.body)
	}
	mustMatchSpec(t, e)
	// A revoke that fails keeps its 404.
	if e := do(t, srv, http.MethodDelete, "/v1/api-keys/"+k.ID, h, ""); e.status != http.StatusNotFound {
		t.Errorf("a second revoke: %s", e)
	}
}

// A delay holds the answer back; the wait ends when the client gives up.
func TestPreferDelay(t *testing.T) {
	srv := flexapitest.NewServer()
	defer srv.Close()
	tok := srv.IssueToken()
	start := time.Now()
	e := preferring(t, srv, tok, "listApiKeys", "delay=300ms", nil)
	if took := time.Since(start); e.status != 200 || took < 300*time.Millisecond {
		t.Errorf("%s after %v, want 200 after 300ms or more", e, took)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	method, path, header, body := call(srv, tok, "listApiKeys")
	header.Set("Prefer", "delay=5m")
	if _, err := send(ctx, srv, method, path, header, body); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a 5m delay: %v, want the client's deadline", err)
	}
}

// A stall sends the headers and half the body, then nothing.
func TestPreferStall(t *testing.T) {
	srv := flexapitest.NewServer()
	defer srv.Close()
	tok := srv.IssueToken()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	method, path, header, body := call(srv, tok, "listApiKeys")
	header.Set("Prefer", "stall")
	e, err := send(ctx, srv, method, path, header, body)
	if !errors.Is(err, context.DeadlineExceeded) || e.status != 200 || len(e.body) == 0 {
		t.Errorf("%v after %d bytes (status %d), want the deadline after part of a 200", err, len(e.body), e.status)
	}
}

// WithPrefer (the program's -prefer) serves every request as if it carried
// the preference; a request's own comes first; a code a call does not
// declare leaves that call alone.
func TestWithPrefer(t *testing.T) {
	srv := flexapitest.NewServer(flexapitest.WithResponseValidation(), flexapitest.WithPrefer("code=409"))
	defer srv.Close()
	tok := srv.IssueToken()
	if e := preferring(t, srv, tok, "createApiKey", "", nil); e.status != 409 {
		t.Errorf("create: %s, want the preferred 409", e)
	}
	if e := preferring(t, srv, tok, "createApiKey", "code=401", nil); e.status != 401 {
		t.Errorf("create with its own Prefer: %s, want 401", e)
	}
	if e := preferring(t, srv, tok, "createToken", "", nil); e.status != 200 {
		t.Errorf("token, which declares no 409: %s, want 200", e)
	}
	// One of the double's own faults, for every request; a request's own
	// fault replaces it.
	faulty := flexapitest.NewServer(flexapitest.WithResponseValidation(), flexapitest.WithPrefer("unknown-type"))
	defer faulty.Close()
	tok = faulty.IssueToken()
	if e := preferring(t, faulty, tok, "listApiKeys", "", nil); e.status != 200 || !strings.Contains(string(e.body), `"type":"restricted"`) {
		t.Errorf("list under WithPrefer(unknown-type): %s %s", e, e.body)
	}
	if e := preferring(t, faulty, tok, "listApiKeys", "malformed", nil); e.status != 200 || json.Valid(e.body) || strings.Contains(string(e.body), "restricted") {
		t.Errorf("list with its own Prefer: malformed: %s %s, want its own fault alone", e, e.body)
	}
	for _, bad := range []string{"nonsense", "delay=soon", "stall, malformed"} {
		if _, err := flexapitest.Start(flexapitest.WithPrefer(bad)); err == nil {
			t.Errorf("WithPrefer(%q) started", bad)
		}
	}
}

// Preferences lists every preference the double acts on.
func TestPreferencesTable(t *testing.T) {
	table := flexapitest.Preferences()
	for _, name := range []string{"`code=N`", "`example=NAME`", "`delay=DURATION`", "`stall`", "`missing-field=FIELD`", "`unknown-type`", "`revoke-204`", "`malformed`"} {
		if !strings.Contains(table, "| "+name+" |") {
			t.Errorf("the table lacks %s:\n%s", name, table)
		}
	}
	rows := strings.Split(strings.TrimSpace(table), "\n")
	if !slices.ContainsFunc(rows, func(r string) bool { return strings.HasSuffix(r, "| no: broken on purpose |") }) {
		t.Errorf("no row says its answer is broken on purpose:\n%s", table)
	}
}
