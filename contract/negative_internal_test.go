package contract

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// TestEveryProbeIsInvalidAgainstTheSpec: each probe's request is one
// openapi.yaml refuses (the revoke of an unknown id one it allows, as
// said), and a probe the spec would allow is refused before sending.
func TestEveryProbeIsInvalidAgainstTheSpec(t *testing.T) {
	const base = "http://127.0.0.1:1/v1"
	v, err := NewValidator(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	probes := probesOf("20261126T031700Z-3f9a", "mid_123456")
	if len(probes) != negativeRequests {
		t.Fatalf("%d probes, NegativeRequests says %d", len(probes), negativeRequests)
	}
	for _, p := range probes {
		if problem := v.requestProblem(ctx, base, p); problem != "" {
			t.Errorf("%s: %s", p.Key, problem)
		}
	}
	// The same requests made valid: with a token, a listed type, a name
	// without < and >, a mid; the unknown id without a token.
	for _, p := range probes {
		fixed := p
		fixed.Token = true
		fixed.WellFormed = false
		if p.Creates {
			fixed.Body = []byte(`{"mid":"mid_123456","name":"contract-x","type":"public"}`)
		}
		if p.WellFormed {
			fixed.Token, fixed.WellFormed = false, true
		}
		problem := v.requestProblem(ctx, base, fixed)
		if !strings.Contains(problem, "the probe is out of date with the spec") {
			t.Errorf("%s made valid: the check says %q", p.Key, problem)
		}
	}
}

// TestAProbeTheSpecAllowsIsNotSent: a probe whose request openapi.yaml
// allows never reaches the target; it is reported not sent, and why.
func TestAProbeTheSpecAllowsIsNotSent(t *testing.T) {
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	r := probeRun(t, srv.URL)
	p := probesOf(r.lifecycle.RunID, "m")[1]
	p.Body = []byte(`{"mid":"m","name":"contract-valid","type":"public"}`)
	res := r.sendProbes(context.Background(), []negativeProbe{p})
	if got.Load() != 0 || res[0].Exchange != nil || !strings.Contains(res[0].NotSent, "out of date with the spec") {
		t.Errorf("%d requests reached the target; not sent: %q", got.Load(), res[0].NotSent)
	}
}

// TestAKeyAProbeMadeIsRevokedAtOnce: a create probe the target accepts
// is followed by the revoke of the key it made, before any other probe,
// not left to the cleanup.
func TestAKeyAProbeMadeIsRevokedAtOnce(t *testing.T) {
	var mu sync.Mutex
	var order []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		order = append(order, r.Method)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"id":"key_1","mid":"m","name":"n","type":"public","value":"sk_test_0123456789abcdef","created_at":"2026-12-04T00:00:00Z"}`))
			return
		}
		_, _ = w.Write([]byte(`{"status":"SUCCESS","success":true,"result":"revoked","errors":[]}`))
	}))
	defer srv.Close()
	r := probeRun(t, srv.URL)
	probes := probesOf(r.lifecycle.RunID, "m")
	res := r.sendProbes(context.Background(), []negativeProbe{probes[1], probes[4]})
	if k := res[0].Stray; k == nil || !k.RevokeSent || !k.Revoked {
		t.Fatalf("the key the probe made was not revoked at once: %+v", k)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"POST", "DELETE", "DELETE"}; strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("requests %q, want %q", order, want)
	}
}

// TestProbesSendTheGeneratedBuildersRequestLines: a probe's method and
// path below the base URL are those the generated request builders make
// for its operation against that base (/v1 kept), so a path change in
// openapi.yaml reaches the probes with go generate; a request no builder
// could make is not sent.
func TestProbesSendTheGeneratedBuildersRequestLines(t *testing.T) {
	const base = "http://127.0.0.1:1/v1"
	const runID = "20261126T031700Z-3f9a"
	for _, p := range probesOf(runID, "mid_123456") {
		var want *http.Request
		var err error
		switch p.Operation {
		case report.OpCreateAPIKey:
			want, err = oapi.NewCreateAPIKeyRequestWithBody(base+"/", "application/json", nil)
		case report.OpRevokeAPIKey:
			want, err = oapi.NewRevokeAPIKeyRequest(base+"/", noSuchKeyID(runID))
		default:
			t.Fatalf("%s: operation %s", p.Key, p.Operation)
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.Method != want.Method || base+p.Path != want.URL.String() {
			t.Errorf("%s: %s %s%s, the generated builder makes %s %s", p.Key, p.Method, base, p.Path, want.Method, want.URL)
		}
	}
	v, err := NewValidator(base)
	if err != nil {
		t.Fatal(err)
	}
	p := probesOf(runID, "m")[0]
	p.Method, p.Path = builtPath(nil, errors.New("no path"))
	if got := v.requestProblem(context.Background(), base, p); !strings.Contains(got, "cannot be built") {
		t.Errorf("a probe without a request line: RequestProblem says %q", got)
	}
}

// probeRun is a live run against the test server at url, for merchant "m",
// with its lifecycle started, as the probes expect.
func probeRun(t *testing.T, url string) *suiteRun {
	t.Helper()
	r, err := newRun(config{Mode: modeLive, BaseURL: url + "/v1", Token: "token_for_the_test", MID: "m", MaxRequests: 10, RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Wire.Close)
	r.lifecycle = &keyLifecycle{RunID: "20261204T000000Z-abcd"}
	return r
}
