package flexapitest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// TestFaultsThatAnswer checks each fault that sends a complete answer.
func TestFaultsThatAnswer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		route flexapitest.Route
		fault flexapitest.Fault
		check func(t *testing.T, e exchange)
		// valid: the answer still matches openapi.yaml (the documented 500;
		// since 0.4.0 every call declares 429 and 503, the token call 500).
		valid bool
	}{
		{"documented 500", flexapitest.RouteList, flexapitest.InternalError(), func(t *testing.T, e exchange) {
			wantAnswer(t, e, 500, "application/json", `{"errors":["An unexpected error occurred. Please try again later."]}`)
		}, true},
		{"503 with messages", flexapitest.RouteList, flexapitest.Status(503, "down", "for maintenance"), func(t *testing.T, e exchange) {
			wantAnswer(t, e, 503, "application/json", `{"errors":["down","for maintenance"]}`)
		}, true},
		{"500 on the token call", flexapitest.RouteToken, flexapitest.Status(500), func(t *testing.T, e exchange) {
			wantAnswer(t, e, 500, "application/json", `{"errors":["An unexpected error occurred. Please try again later."]}`)
		}, true},
		{"429 with Retry-After seconds", flexapitest.RouteList, flexapitest.TooManyRequests(1500 * time.Millisecond), func(t *testing.T, e exchange) {
			wantAnswer(t, e, 429, "application/json", `{"errors":["Too Many Requests."]}`)
			if got := e.resp.Header.Get("Retry-After"); got != "2" {
				t.Errorf("Retry-After = %q, want 2", got)
			}
		}, true},
		{"undocumented 418", flexapitest.RouteList, flexapitest.Status(http.StatusTeapot), func(t *testing.T, e exchange) {
			wantAnswer(t, e, 418, "application/json", `{"errors":["I'm a teapot."]}`)
		}, false},
		{"undocumented 403", flexapitest.RouteList, flexapitest.Status(403, "Forbidden."), func(t *testing.T, e exchange) {
			wantAnswer(t, e, 403, "application/json", `{"errors":["Forbidden."]}`)
		}, false},
		{"HTML gateway page", flexapitest.RouteList, flexapitest.GatewayPage(502), func(t *testing.T, e exchange) {
			if e.status != 502 || e.resp.Header.Get("Content-Type") != "text/html" || !strings.Contains(string(e.body), "<h1>502 Bad Gateway</h1>") {
				t.Errorf("got %s", e)
			}
		}, false},
		{"wrong error body", flexapitest.RouteList, flexapitest.JSONBody(401, map[string]string{"message": "Unauthorized"}), func(t *testing.T, e exchange) {
			wantAnswer(t, e, 401, "application/json", `{"message":"Unauthorized"}`)
		}, false},
		{"raw answer", flexapitest.RouteToken, flexapitest.Raw(299, http.Header{"Content-Type": {"x/y"}, "X-A": {"b"}}, []byte("raw!")), func(t *testing.T, e exchange) {
			if e.status != 299 || e.resp.Header.Get("Content-Type") != "x/y" || e.resp.Header.Get("X-A") != "b" || string(e.body) != "raw!" {
				t.Errorf("got %s %v", e, e.resp.Header)
			}
		}, false},
		{"wrong content type", flexapitest.RouteList, flexapitest.ContentType("text/plain; charset=utf-8"), func(t *testing.T, e exchange) {
			if e.status != 200 || e.resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || !json.Valid(e.body) {
				t.Errorf("got %s, want the JSON list as text/plain", e)
			}
		}, false},
		{"truncated body", flexapitest.RouteList, flexapitest.TruncatedBody(), func(t *testing.T, e exchange) {
			if e.status != 200 || json.Valid(e.body) || !strings.HasPrefix(`{"keys":[{"name":"My API Key"`, string(e.body)[:20]) {
				t.Errorf("got %s, want half the list", e)
			}
		}, false},
		{"oversized body", flexapitest.RouteList, flexapitest.OversizedBody(100_000), func(t *testing.T, e exchange) {
			if e.status != 200 || len(e.body) != 100_000 || !json.Valid(e.body) {
				t.Errorf("got %d bytes (valid JSON %v), want 100000", len(e.body), json.Valid(e.body))
			}
		}, true},
		{"extra header", flexapitest.RouteList, flexapitest.Status(503).WithHeader("Retry-After", "7"), func(t *testing.T, e exchange) {
			if e.status != 503 || e.resp.Header.Get("Retry-After") != "7" {
				t.Errorf("got %s", e)
			}
		}, true},
		{"latency", flexapitest.RouteList, flexapitest.Latency(30 * time.Millisecond), func(t *testing.T, e exchange) {
			if e.status != 200 {
				t.Errorf("got %s", e)
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newFake(t)
			srv.Inject(tc.route, tc.fault)
			e := faultyCall(t, srv, tc.route)
			tc.check(t, e)
			if err := specErrors(t, e); (err == nil) != tc.valid {
				t.Errorf("matches openapi.yaml: %v (%v), want %v", err == nil, err, tc.valid)
			}
		})
	}
}

// faultyCall makes the route's faithful, successful call.
func faultyCall(t *testing.T, srv *flexapitest.Server, route flexapitest.Route) exchange {
	t.Helper()
	if route == flexapitest.RouteToken {
		return do(t, srv, http.MethodPost, "/v1/oauth2/token", jsonHeader(), credentials(srv.AppKey, srv.AppSecret))
	}
	return do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", bearer(srv.IssueToken()), "")
}

func wantAnswer(t *testing.T, e exchange, status int, contentType, body string) {
	t.Helper()
	if e.status != status || !strings.HasPrefix(e.resp.Header.Get("Content-Type"), contentType) || !jsonEqual(t, e.body, body) {
		t.Errorf("got %s (%s), want %d %s %s", e, e.resp.Header.Get("Content-Type"), status, contentType, body)
	}
}

// TestContractBreaks checks the breaks the contract suite's self-test
// injects: each is one line, and each answer fails openapi.yaml.
func TestContractBreaks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault flexapitest.Fault
		auth  bool // the request carries a valid token
	}{
		{"a required field missing", flexapitest.RemoveField("keys/0/last_used"), true},
		{"a wrong format", flexapitest.SetField("keys/0/created_at", "yesterday"), true},
		// An unknown type string is valid since 0.3.0 (D1); a number is not.
		{"a type that is not a string", flexapitest.SetField("keys/*/type", 7), true},
		{"a wrong content type", flexapitest.ContentType("text/plain; charset=utf-8"), true},
		{"a wrong error body", flexapitest.JSONBody(401, map[string]string{"message": "Unauthorized"}).OnStatus(401), false},
		{"auth not enforced", flexapitest.AuthNotEnforced(), false},
		{"an undocumented status", flexapitest.Status(http.StatusTeapot), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newFake(t)
			srv.Inject(flexapitest.RouteList, tc.fault)
			h := http.Header{}
			if tc.auth {
				h = bearer(srv.IssueToken())
			}
			e := do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", h, "")
			broken := specErrors(t, e) != nil
			if tc.name == "auth not enforced" {
				// The body is valid; the break is the 200 without a token.
				broken = e.status == http.StatusOK
			}
			if !broken {
				t.Errorf("the answer %s looks faithful", e)
			}
			if err := specErrors(t, e); err != nil && strings.Contains(err.Error(), "yesterday") {
				t.Errorf("the validation error prints a value: %v", err)
			}
		})
	}
}

func TestMutations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault flexapitest.Fault
		want  string
	}{
		{"remove a field of one key", flexapitest.RemoveField("keys/0/last_four"),
			`{"keys":[{"name":"My API Key","type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":"2024-11-18T10:00:00Z"},
			{"name":"Frontend Key","type":"publishable","created_at":"2024-11-10T08:30:00Z","last_used":null,"last_four":"3abc"}]}`},
		{"remove a field of every key", flexapitest.RemoveField("keys/*/name"),
			`{"keys":[{"type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":"2024-11-18T10:00:00Z","last_four":"7dc0"},
			{"type":"publishable","created_at":"2024-11-10T08:30:00Z","last_used":null,"last_four":"3abc"}]}`},
		{"set a value of every key", flexapitest.SetField("keys/*/last_used", "2025-01-01T00:00:00Z"),
			`{"keys":[{"name":"My API Key","type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":"2025-01-01T00:00:00Z","last_four":"7dc0"},
			{"name":"Frontend Key","type":"publishable","created_at":"2024-11-10T08:30:00Z","last_used":"2025-01-01T00:00:00Z","last_four":"3abc"}]}`},
		{"set does not add", flexapitest.SetField("keys/1/value", "sk_live"),
			`{"keys":[{"name":"My API Key","type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":"2024-11-18T10:00:00Z","last_four":"7dc0"},
			{"name":"Frontend Key","type":"publishable","created_at":"2024-11-10T08:30:00Z","last_used":null,"last_four":"3abc"}]}`},
		{"replace an array element", flexapitest.SetField("keys/1", 42),
			`{"keys":[{"name":"My API Key","type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":"2024-11-18T10:00:00Z","last_four":"7dc0"},42]}`},
		{"add a field", flexapitest.AddField("keys/0/value", "sk_test_123"),
			`{"keys":[{"name":"My API Key","type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":"2024-11-18T10:00:00Z","last_four":"7dc0","value":"sk_test_123"},
			{"name":"Frontend Key","type":"publishable","created_at":"2024-11-10T08:30:00Z","last_used":null,"last_four":"3abc"}]}`},
		{"add a top-level field", flexapitest.AddField("next", nil),
			`{"next":null,"keys":[{"name":"My API Key","type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":"2024-11-18T10:00:00Z","last_four":"7dc0"},
			{"name":"Frontend Key","type":"publishable","created_at":"2024-11-10T08:30:00Z","last_used":null,"last_four":"3abc"}]}`},
		{"a path that matches nothing", flexapitest.RemoveField("keys/9/name"),
			`{"keys":[{"name":"My API Key","type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":"2024-11-18T10:00:00Z","last_four":"7dc0"},
			{"name":"Frontend Key","type":"publishable","created_at":"2024-11-10T08:30:00Z","last_used":null,"last_four":"3abc"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newFake(t)
			srv.Inject(flexapitest.RouteList, tc.fault)
			e := faultyCall(t, srv, flexapitest.RouteList)
			if e.status != 200 || !jsonEqual(t, e.body, tc.want) {
				t.Errorf("got %s\nwant %s", e, tc.want)
			}
			// A 401 is left alone: mutations apply to 200s.
			e = do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", nil, "")
			mustMatchSpec(t, e)
			if e.status != 401 {
				t.Errorf("401 changed: %s", e)
			}
		})
	}

	t.Run("the token answer", func(t *testing.T) {
		srv, _ := newFake(t)
		srv.Inject(flexapitest.RouteToken, flexapitest.RemoveField("expires"))
		e := faultyCall(t, srv, flexapitest.RouteToken)
		if strings.Contains(string(e.body), `"expires"`) || specErrors(t, e) == nil {
			t.Errorf("expires still there: %s", e)
		}
	})
}

func TestAuthNotEnforced(t *testing.T) {
	srv, _ := newFake(t)
	srv.Inject(flexapitest.RouteList, flexapitest.AuthNotEnforced())
	for _, auth := range []string{"", "Bearer nonsense", "Bearer " + srv.IssueToken()} {
		e := do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", http.Header{"Authorization": {auth}}, "")
		mustMatchSpec(t, e)
		if e.status != 200 || !strings.Contains(string(e.body), "7dc0") {
			t.Errorf("with %q: %s, want the keys", strings.SplitN(auth, " ", 2)[0], e)
		}
	}
}

func TestCaseSensitiveScheme(t *testing.T) {
	srv, _ := newFake(t)
	srv.Inject(flexapitest.RouteList, flexapitest.CaseSensitiveScheme())
	tok := srv.IssueToken()
	for scheme, want := range map[string]int{"Bearer": 200, "bearer": 401, "BEARER": 401} {
		e := do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", http.Header{"Authorization": {scheme + " " + tok}}, "")
		mustMatchSpec(t, e)
		if e.status != want {
			t.Errorf("scheme %q: %s, want %d", scheme, e, want)
		}
	}
}

func TestFaultCountsAndClearing(t *testing.T) {
	srv, _ := newFake(t)
	statuses := func(n int) []int {
		var out []int
		for range n {
			out = append(out, faultyCall(t, srv, flexapitest.RouteList).status)
		}
		return out
	}
	srv.Inject(flexapitest.RouteList, flexapitest.Status(503).Times(2), flexapitest.InternalError().Once())
	if got := srv.PendingFaults(flexapitest.RouteList); got != 2 {
		t.Errorf("pending = %d, want 2", got)
	}
	if got := statuses(5); !equalInts(got, []int{503, 503, 500, 200, 200}) {
		t.Errorf("statuses %v, want two 503s, one 500, then 200s", got)
	}
	if got := srv.PendingFaults(flexapitest.RouteList); got != 0 {
		t.Errorf("pending = %d after use, want 0", got)
	}

	// A fault limited to 401s is not used up by 200s.
	srv.Inject(flexapitest.RouteList, flexapitest.JSONBody(401, map[string]string{"message": "x"}).OnStatus(401).Once())
	if got := statuses(2); !equalInts(got, []int{200, 200}) {
		t.Errorf("statuses %v, want 200s", got)
	}
	e := do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", nil, "")
	if e.status != 401 || !jsonEqual(t, e.body, `{"message":"x"}`) {
		t.Errorf("got %s, want the replaced 401", e)
	}
	e = do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", nil, "")
	mustMatchSpec(t, e)

	// Always faults stay until cleared; faults of one route leave the other alone.
	srv.Inject(flexapitest.RouteList, flexapitest.Status(502).Times(1).Always())
	srv.Inject(flexapitest.RouteToken, flexapitest.Status(500))
	if got := statuses(3); !equalInts(got, []int{502, 502, 502}) {
		t.Errorf("statuses %v, want 502s", got)
	}
	srv.ClearFaults(flexapitest.RouteList)
	if got := statuses(1); !equalInts(got, []int{200}) {
		t.Errorf("after clearing: %v", got)
	}
	if s := faultyCall(t, srv, flexapitest.RouteToken).status; s != 500 {
		t.Errorf("token route fault cleared too: %d", s)
	}
	srv.ClearFaults()
	if s := faultyCall(t, srv, flexapitest.RouteToken).status; s != 200 {
		t.Errorf("after clearing all: %d", s)
	}
	srv.Inject(flexapitest.RouteOther, flexapitest.Status(500))
	if got := srv.PendingFaults(flexapitest.RouteOther); got != 0 {
		t.Errorf("RouteOther took a fault")
	}
	if s := flexapitest.Status(503).Times(2).OnStatus(200).String(); s != "status 503 x2 on [200]" {
		t.Errorf("String() = %q", s)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestBrokenDeliveries checks the faults that break the transfer itself.
func TestBrokenDeliveries(t *testing.T) {
	t.Run("dropped connection", func(t *testing.T) {
		srv, _ := newFake(t)
		srv.Inject(flexapitest.RouteToken, flexapitest.DropConnection().Once())
		_, err := send(context.Background(), srv, http.MethodPost, "/v1/oauth2/token", jsonHeader(), credentials(srv.AppKey, srv.AppSecret))
		if err == nil {
			t.Fatal("no error from a dropped connection")
		}
		if log := srv.Requests(); log[0].Status != 0 {
			t.Errorf("logged status %d, want 0", log[0].Status)
		}
		if e := faultyCall(t, srv, flexapitest.RouteToken); e.status != 200 {
			t.Errorf("the next call: %s", e)
		}
	})
	t.Run("stalled body ends with the client's deadline", func(t *testing.T) {
		srv, _ := newFake(t)
		srv.Inject(flexapitest.RouteList, flexapitest.StallBody())
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		e, err := send(ctx, srv, http.MethodGet, "/v1/api-keys/mid_123456", bearer(srv.IssueToken()), "")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the deadline", err)
		}
		if e.resp == nil || e.status != 200 || e.resp.ContentLength != 255 || len(e.body) != 127 || !strings.HasPrefix(string(e.body), `{"keys":[{"name":"My API Key"`) {
			t.Errorf("got headers %v and body %q, want 200, the full length and half the body", e.resp != nil, e.body)
		}
	})
	t.Run("latency ends with the client's deadline", func(t *testing.T) {
		srv, _ := newFake(t)
		srv.Inject(flexapitest.RouteList, flexapitest.Latency(time.Hour))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := send(ctx, srv, http.MethodGet, "/v1/api-keys/mid_123456", nil, ""); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the deadline", err)
		}
	})
	for _, fault := range []flexapitest.Fault{flexapitest.Latency(time.Hour), flexapitest.StallBody()} {
		t.Run("Close ends a waiting "+fault.String(), func(t *testing.T) {
			srv, _ := newFake(t)
			srv.Inject(flexapitest.RouteList, fault)
			done := make(chan error, 1)
			go func() {
				_, err := send(context.Background(), srv, http.MethodGet, "/v1/api-keys/mid_123456", nil, "")
				done <- err
			}()
			for srv.RequestCount(flexapitest.RouteList) == 0 {
				time.Sleep(time.Millisecond)
			}
			closed := make(chan struct{})
			go func() { srv.Close(); close(closed) }()
			select {
			case <-closed:
			case <-time.After(3 * time.Second):
				t.Fatal("Close hangs on a waiting fault")
			}
			<-done // the client sees an error or a short answer; either way it returns
		})
	}
}
