package contract

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// preflightAgainst runs Preflight against a base URL with cfg's
// credentials and a short timeout.
func preflightAgainst(t *testing.T, cfg config) *targetError {
	t.Helper()
	cfg.Mode = modeLive
	if cfg.MID == "" {
		cfg.MID = flexapitest.DefaultMID
	}
	// Long enough for a TLS handshake under -race on a busy machine.
	cfg.MaxRequests, cfg.RequestTimeout = 5, 2*time.Second
	r, err := newRun(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Wire.Close()
	return r.Preflight(context.Background())
}

func TestPreflightSaysOneCauseInWords(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*flexapitest.Server, *config)
		cause  string // the cause starts with it
		hint   string // the hint contains it
		noCode bool   // neither fails: no cause
	}{
		{name: "a faithful target", setup: func(*flexapitest.Server, *config) {}, noCode: true},
		{name: "a dead port", setup: func(_ *flexapitest.Server, c *config) { c.BaseURL = "http://127.0.0.1:1/v1" },
			cause: "target unreachable: 127.0.0.1:", hint: "is the server running"},
		{name: "a wrong token", setup: func(_ *flexapitest.Server, c *config) { c.AppKey, c.AppSecret, c.Token = "", "", "wrong-token-123" },
			cause: "token rejected: the listing answered 401 application/json", hint: EnvToken},
		{name: "a wrong AppSecret", setup: func(_ *flexapitest.Server, c *config) { c.AppSecret = "wrong-secret-123" },
			cause: "token rejected: the token call answered 401 application/json", hint: EnvAppSecret},
		{name: "a base URL without /v1", setup: func(_ *flexapitest.Server, c *config) { c.BaseURL = strings.TrimSuffix(c.BaseURL, "/v1") },
			cause: "not found: the token call answered 404", hint: "did you mean http://127.0.0.1:"},
		{name: "a slow listing", setup: func(s *flexapitest.Server, _ *config) {
			s.Inject(flexapitest.RouteList, flexapitest.Latency(20*time.Second).Always())
		}, cause: "the listing timed out after 2s", hint: EnvRequestTimeout},
		{name: "an HTML 502 listing", setup: func(s *flexapitest.Server, _ *config) {
			s.Inject(flexapitest.RouteList, flexapitest.GatewayPage(502).Always())
		}, cause: "the target is failing: the listing answered 502 text/html"},
		{name: "a 200 listing that is not JSON", setup: func(s *flexapitest.Server, _ *config) {
			s.Inject(flexapitest.RouteList, flexapitest.TruncatedBody().Always())
		}, cause: "the listing answered 200 application/json, but"},
		{name: "a TLS server whose certificate is not trusted", setup: func(_ *flexapitest.Server, c *config) {
			tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
			tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
			tlsSrv.StartTLS()
			t.Cleanup(tlsSrv.Close)
			c.BaseURL = tlsSrv.URL + "/v1"
		}, cause: "TLS with 127.0.0.1:", hint: "valid certificate"},
		{name: "a listing larger than the suite reads", setup: func(s *flexapitest.Server, _ *config) {
			s.Inject(flexapitest.RouteList, flexapitest.OversizedBody(maxBody+10).Always())
		}, cause: "the listing answered a body larger than 1048576 bytes", hint: "at most"},
		{name: "an unknown merchant", setup: func(s *flexapitest.Server, c *config) {
			s.Inject(flexapitest.RouteList, flexapitest.Status(404).Always())
		}, cause: "not found: the listing answered 404", hint: EnvMID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := flexapitest.NewServer()
			defer srv.Close()
			cfg := config{BaseURL: srv.URL, AppKey: srv.AppKey, AppSecret: srv.AppSecret}
			tt.setup(srv, &cfg)
			got := preflightAgainst(t, cfg)
			if tt.noCode {
				if got != nil {
					t.Fatalf("Preflight = %q, want none", got)
				}
				return
			}
			if got == nil {
				t.Fatalf("Preflight found no cause")
			}
			if !strings.HasPrefix(got.Cause, tt.cause) || !strings.Contains(got.Hint, tt.hint) {
				t.Errorf("Preflight = cause %q, hint %q; want a cause starting %q, a hint with %q", got.Cause, got.Hint, tt.cause, tt.hint)
			}
			if strings.ContainsAny(got.Error(), "{}&") || strings.Contains(got.Error(), "0x") {
				t.Errorf("the cause reads like a dump: %q", got.Error())
			}
		})
	}
}
