package flexapitest_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

const invalidTokenBody = `{"errors": ["Authentication failed. Invalid bearer token."]}`

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newFake(t *testing.T, opts ...flexapitest.Option) (*flexapitest.Server, *flexapitest.FakeClock) {
	t.Helper()
	clock := flexapitest.NewFakeClock(epoch)
	srv, err := flexapitest.Start(append([]flexapitest.Option{flexapitest.WithClock(clock.Now)}, opts...)...)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv, clock
}

func TestTokenFlow(t *testing.T) {
	srv, _ := newFake(t, flexapitest.WithTokenTTL(7*time.Minute))
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || !strings.HasSuffix(srv.URL, "/v1") {
		t.Fatalf("URL = %q, want a loopback base ending in /v1", srv.URL)
	}

	e := do(t, srv, http.MethodPost, "/v1/oauth2/token", jsonHeader(), credentials(srv.AppKey, srv.AppSecret))
	if e.status != http.StatusOK {
		t.Fatalf("token: %s", e)
	}
	mustMatchSpec(t, e)
	var tr map[string]any
	if err := json.Unmarshal(e.body, &tr); err != nil {
		t.Fatal(err)
	}
	wantExp := float64(epoch.Add(7 * time.Minute).UnixMilli())
	if tr["expires"] != wantExp {
		t.Errorf("expires = %v, want %v (clock + TTL in ms)", tr["expires"], wantExp)
	}
	if tok, _ := tr["accessToken"].(string); strings.Count(tok, ".") != 2 {
		t.Errorf("accessToken is not JWT-shaped (three parts)")
	}
	if r, _ := tr["refreshToken"].(string); r == "" {
		t.Errorf("refreshToken empty")
	}
	for field, want := range map[string]any{"success": true, "result": nil, "status": nil, "statusCode": nil} {
		if v, ok := tr[field]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", field, v, ok, want)
		}
	}
	if errs, ok := tr["errors"].([]any); !ok || len(errs) != 0 {
		t.Errorf("errors = %v, want []", tr["errors"])
	}
	if cp, ok := tr["customProperties"].(map[string]any); !ok || len(cp) != 0 {
		t.Errorf("customProperties = %v, want {}", tr["customProperties"])
	}
	if id, _ := tr["id"].(string); id == "" {
		t.Errorf("id empty")
	}

	tok := tr["accessToken"].(string)
	e = do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", bearer(tok), "")
	mustMatchSpec(t, e)
	// The page's example, byte for byte in its values, and openapi.yaml's TwoKeys.
	const page = `{"keys": [
		{"name": "My API Key", "type": "secret", "created_at": "2024-11-16T12:00:00Z", "last_used": "2024-11-18T10:00:00Z", "last_four": "7dc0"},
		{"name": "Frontend Key", "type": "publishable", "created_at": "2024-11-10T08:30:00Z", "last_used": null, "last_four": "3abc"}]}`
	if e.status != http.StatusOK || !jsonEqual(t, e.body, page) {
		t.Errorf("list mid_123456: %s, want the page's two keys", e)
	}
	example, _ := json.Marshal(loadedSpec(t).Components.Examples["TwoKeys"].Value.Value)
	if !jsonEqual(t, e.body, string(example)) {
		t.Errorf("list mid_123456 differs from openapi.yaml's TwoKeys example")
	}

	for _, mid := range []string{"mid_000", "other", "a%2Fb", "mid_123456x"} {
		e = do(t, srv, http.MethodGet, "/v1/api-keys/"+mid, bearer(tok), "")
		mustMatchSpec(t, e)
		if e.status != http.StatusOK || string(e.body) != `{"keys":[]}` {
			t.Errorf("list %s: %s, want {\"keys\":[]}", mid, e)
		}
	}
}

func TestTokenCallErrors(t *testing.T) {
	srv, _ := newFake(t, flexapitest.WithAppCredentials("the-key", "the-secret"))
	if srv.AppKey != "the-key" || srv.AppSecret != "the-secret" {
		t.Fatalf("credentials not taken from the option")
	}
	invalidCredentials := `{"errors":["Authentication failed. Invalid credentials."]}`
	for _, tc := range []struct {
		name   string
		body   string
		want   string              // the 401 body
		fields map[string][]string // or the 400's invalid fields
	}{
		{name: "wrong secret", body: credentials("the-key", "nope"), want: invalidCredentials},
		{name: "wrong key", body: credentials("nope", "the-secret"), want: invalidCredentials},
		{name: "client_id instead of AppKey", body: `{"client_id":"the-key","client_secret":"the-secret"}`, fields: map[string][]string{
			"AppKey": {"The AppKey field is required."}, "AppSecret": {"The AppSecret field is required."}}},
		{name: "empty AppSecret", body: `{"AppKey":"the-key","AppSecret":""}`, fields: map[string][]string{
			"AppSecret": {"The AppSecret field is required."}}},
		{name: "null AppKey", body: `{"AppKey":null,"AppSecret":"the-secret"}`, fields: map[string][]string{
			"AppKey": {"The AppKey field is required."}}},
		{name: "wrong types", body: `{"AppKey":["the-key"],"AppSecret":1234567}`, fields: map[string][]string{
			"AppKey": {"The AppKey field must be a JSON string."}, "AppSecret": {"The AppSecret field must be a JSON string."}}},
		{name: "not JSON", body: `AppKey=the-key&AppSecret=the-secret`, fields: map[string][]string{
			"$": {"The request body is not valid JSON."}}},
		{name: "a JSON array", body: `[1]`, fields: map[string][]string{"$": {"The request body must be a JSON object."}}},
		{name: "null", body: `null`, fields: map[string][]string{"$": {"The request body must be a JSON object."}}},
		{name: "no body", body: ``, fields: map[string][]string{"$": {"A non-empty request body is required."}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := do(t, srv, http.MethodPost, "/v1/oauth2/token", jsonHeader(), tc.body)
			mustMatchSpec(t, e)
			if tc.fields != nil {
				if got := modelStateFields(t, e); !reflect.DeepEqual(got, tc.fields) {
					t.Errorf("got fields %q, want %q", got, tc.fields)
				}
			} else if e.status != http.StatusUnauthorized || !jsonEqual(t, e.body, tc.want) {
				t.Errorf("got %s, want 401 %s", e, tc.want)
			}
			for _, secret := range []string{"the-secret", "1234567"} {
				if strings.Contains(string(e.body), secret) {
					t.Errorf("the answer echoes a value sent")
				}
			}
		})
	}
}

func TestListAuthFailures(t *testing.T) {
	srv, clock := newFake(t)
	good := getToken(t, srv)
	expired := srv.IssueToken()
	clock.Advance(flexapitest.DefaultTokenTTL)
	fresh := getToken(t, srv)

	for _, tc := range []struct {
		name, auth string
		ok         bool
	}{
		{"missing header", "", false},
		{"wrong scheme", "Basic " + fresh, false},
		{"scheme only", "Bearer", false},
		{"scheme and space only", "Bearer ", false},
		{"token without scheme", fresh, false},
		{"two tokens", "Bearer " + fresh + " " + fresh, false},
		{"unknown token", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln", false},
		{"expired token", "Bearer " + good, false},
		{"expired issued token", "Bearer " + expired, false},
		{"Bearer", "Bearer " + fresh, true},
		{"bearer in lower case (the page's example)", "bearer " + fresh, true},
		{"BEARER", "BEARER " + fresh, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Accept": {"application/json"}}
			if tc.auth != "" {
				h.Set("Authorization", tc.auth)
			}
			e := do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", h, "")
			mustMatchSpec(t, e)
			if tc.ok {
				if e.status != http.StatusOK {
					t.Errorf("got %d, want 200", e.status)
				}
				return
			}
			if e.status != http.StatusUnauthorized || !jsonEqual(t, e.body, invalidTokenBody) {
				t.Errorf("got %s, want 401 %s", e, invalidTokenBody)
			}
		})
	}
}

func TestTokenExpiryFollowsTheClock(t *testing.T) {
	srv, clock := newFake(t, flexapitest.WithTokenTTL(time.Minute))
	tok := getToken(t, srv)
	issued := srv.IssueToken()
	status := func(tok string) int {
		return do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", bearer(tok), "").status
	}
	clock.Advance(time.Minute - time.Millisecond)
	if s1, s2 := status(tok), status(issued); s1 != 200 || s2 != 200 {
		t.Fatalf("just before expiry: %d, %d, want 200", s1, s2)
	}
	clock.Advance(time.Millisecond)
	if s1, s2 := status(tok), status(issued); s1 != 401 || s2 != 401 {
		t.Fatalf("at expiry: %d, %d, want 401", s1, s2)
	}
	// A new token works again.
	tok = getToken(t, srv)
	if s := status(tok); s != 200 {
		t.Fatalf("new token: %d", s)
	}
}

func TestRouting(t *testing.T) {
	srv, _ := newFake(t, flexapitest.WithKeys("a/b", map[string]any{
		"name": "Slash", "type": "secret", "created_at": "2024-01-01T00:00:00Z", "last_used": nil, "last_four": "abcd",
	}))
	tok := srv.IssueToken()
	for _, tc := range []struct {
		name, method, path string
		status             int
		allow              string
	}{
		{"unknown path", "GET", "/v1/nope", 404, ""},
		{"no version", "GET", "/api-keys/mid_123456", 404, ""},
		{"empty mid", "GET", "/v1/api-keys/", 404, ""},
		{"two segments", "GET", "/v1/api-keys/a/b", 404, ""},
		{"trailing slash", "GET", "/v1/api-keys/mid_123456/", 404, ""},
		{"list with POST", "POST", "/v1/api-keys/mid_123456", 405, "GET, DELETE"},
		{"create with GET", "GET", "/v1/api-keys", 405, "POST"},
		{"create with a trailing slash", "POST", "/v1/api-keys/", 404, ""},
		{"token with GET", "GET", "/v1/oauth2/token", 405, "POST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := do(t, srv, tc.method, tc.path, bearer(tok), "")
			mustMatchSpec(t, e)
			if e.status != tc.status || e.resp.Header.Get("Allow") != tc.allow {
				t.Errorf("got %s (Allow %q), want %d (Allow %q)", e, e.resp.Header.Get("Allow"), tc.status, tc.allow)
			}
		})
	}
	t.Run("a 404 quotes the path", func(t *testing.T) {
		e := do(t, srv, "GET", "/v1/api-keys/", bearer(tok), "")
		if want := `{"errors":["No such endpoint: GET \"/v1/api-keys/\"."]}`; !jsonEqual(t, e.body, want) {
			t.Errorf("got %s, want %s", e.body, want)
		}
	})

	t.Run("an escaped slash stays in the mid", func(t *testing.T) {
		e := do(t, srv, "GET", "/v1/api-keys/a%2Fb", bearer(tok), "")
		mustMatchSpec(t, e)
		if e.status != 200 || !strings.Contains(string(e.body), `"name":"Slash"`) {
			t.Errorf("got %s, want the key of mid a/b", e)
		}
		log := srv.Requests()
		if last := log[len(log)-1]; last.Path != "/v1/api-keys/a%2Fb" || last.Route != flexapitest.RouteList {
			t.Errorf("logged %q (%s), want the escaped path", last.Path, last.Route)
		}
	})
}

func TestRequestLog(t *testing.T) {
	srv, clock := newFake(t)
	tok := getToken(t, srv)
	clock.Advance(time.Second)
	h := bearer(tok)
	h.Set("Cookie", "session=s3cr3t")
	h.Set("Proxy-Authorization", "Basic s3cr3t-proxy")
	h.Set("X-Trace", "t1")
	do(t, srv, "GET", "/v1/api-keys/mid_123456?x=1&y=2", h, "")
	do(t, srv, "GET", "/v1/api-keys/mid_123456", http.Header{"Authorization": {tok}}, "")
	do(t, srv, "GET", "/v1/unknown", nil, "")

	if n := srv.RequestCount(flexapitest.RouteToken); n != 1 {
		t.Errorf("token count = %d, want 1", n)
	}
	if n := srv.RequestCount(flexapitest.RouteList); n != 2 {
		t.Errorf("list count = %d, want 2", n)
	}
	if n := srv.RequestCount(flexapitest.RouteOther); n != 1 {
		t.Errorf("other count = %d, want 1", n)
	}
	log := srv.Requests()
	if len(log) != 4 {
		t.Fatalf("log has %d entries, want 4", len(log))
	}
	// Each route counts its own requests.
	k := createKey(t, srv, tok, "mid_1", "k", "secret")
	do(t, srv, http.MethodDelete, "/v1/api-keys/"+k.ID, bearer(tok), "")
	do(t, srv, http.MethodDelete, "/v1/api-keys/"+k.ID, bearer(tok), "")
	for route, want := range map[flexapitest.Route]int{flexapitest.RouteCreate: 1, flexapitest.RouteRevoke: 2, flexapitest.RouteOther: 1} {
		if n := srv.RequestCount(route); n != want {
			t.Errorf("%s count = %d, want %d", route, n, want)
		}
	}
	tokEntry, list, bare := log[0], log[1], log[2]
	if tokEntry.Method != "POST" || tokEntry.Route != flexapitest.RouteToken || tokEntry.Status != 200 || !tokEntry.Time.Equal(epoch) {
		t.Errorf("token entry = %+v", tokEntry)
	}
	if list.Method != "GET" || list.Path != "/v1/api-keys/mid_123456" || list.Query != "x=1&y=2" || list.Status != 200 || !list.Time.Equal(epoch.Add(time.Second)) {
		t.Errorf("list entry = %+v", list)
	}
	if got := list.Header.Get("Authorization"); got != "Bearer "+redact.Placeholder {
		t.Errorf("Authorization logged as %q", got)
	}
	if got := list.Header.Get("Proxy-Authorization"); got != "Basic "+redact.Placeholder {
		t.Errorf("Proxy-Authorization logged as %q", got)
	}
	if got := list.Header.Get("Cookie"); got != redact.Placeholder {
		t.Errorf("Cookie logged as %q", got)
	}
	if got := list.Header.Get("X-Trace"); got != "t1" {
		t.Errorf("X-Trace logged as %q", got)
	}
	if got := bare.Header.Get("Authorization"); got != redact.Placeholder || bare.Status != 401 {
		t.Errorf("a bare token logged as %q, status %d", got, bare.Status)
	}
	for _, e := range log {
		for k, vs := range e.Header {
			for _, v := range vs {
				if strings.Contains(v, tok) || strings.Contains(v, "s3cr3t") || strings.Contains(v, srv.AppSecret) {
					t.Errorf("header %s of a log entry holds a secret", k)
				}
			}
		}
	}

	// Requests returns a copy.
	log[1].Header.Set("X-Trace", "changed")
	if srv.Requests()[1].Header.Get("X-Trace") != "t1" {
		t.Errorf("changing the copy changed the log")
	}
	srv.ResetRequests()
	if len(srv.Requests()) != 0 || srv.RequestCount(flexapitest.RouteList) != 0 {
		t.Errorf("ResetRequests left entries")
	}
}

func TestRequestHook(t *testing.T) {
	var mu sync.Mutex
	var got []flexapitest.Request
	srv, _ := newFake(t, flexapitest.WithRequestHook(func(r flexapitest.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r)
	}))
	do(t, srv, "GET", "/v1/api-keys/x", nil, "")
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Status != 401 || got[0].Path != "/v1/api-keys/x" {
		t.Errorf("hook got %+v", got)
	}
}

func TestInvalidOptions(t *testing.T) {
	for name, opt := range map[string]flexapitest.Option{
		"empty AppKey":         flexapitest.WithAppCredentials("", "s"),
		"empty AppSecret":      flexapitest.WithAppCredentials("k", ""),
		"zero TTL":             flexapitest.WithTokenTTL(0),
		"negative TTL":         flexapitest.WithTokenTTL(-time.Second),
		"nil clock":            flexapitest.WithClock(nil),
		"unencodable key":      flexapitest.WithKeys("m", make(chan int)),
		"empty address":        flexapitest.WithAddr(""),
		"unlistenable address": flexapitest.WithAddr("256.0.0.1:0"),
		"nil hook":             flexapitest.WithRequestHook(nil),
		"negative log size":    flexapitest.WithRequestLog(-1),
		"no tokens":            flexapitest.WithMaxTokens(0),
	} {
		t.Run(name, func(t *testing.T) {
			srv, err := flexapitest.Start(opt)
			if err == nil {
				srv.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.HasPrefix(err.Error(), "flexapitest: ") {
				t.Errorf("error %q does not say where it comes from", err)
			}
		})
	}
	t.Run("NewServer panics like httptest.NewServer", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		flexapitest.NewServer(flexapitest.WithTokenTTL(0)).Close()
	})
}

// TestEveryAnswerSaysTheSpecVersion: the double's answers, a success, an
// error and a 404 alike, carry the embedded spec's info.version.
func TestEveryAnswerSaysTheSpecVersion(t *testing.T) {
	doc := loadedSpec(t)
	srv := flexapitest.NewServer()
	defer srv.Close()
	for _, path := range []string{"/api-keys/mid_123456", "/no-such-path"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if got := resp.Header.Get(flexapitest.SpecVersionHeader); got != doc.Info.Version || got == "" {
			t.Errorf("GET %s (%d): %s is %q, want %q", path, resp.StatusCode, flexapitest.SpecVersionHeader, got, doc.Info.Version)
		}
	}
}
