package flexapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

func TestNewRejectsInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []flexapi.Option
	}{
		{"unparsable URL", []flexapi.Option{flexapi.WithBaseURL("://nowhere")}},
		{"ftp URL", []flexapi.Option{flexapi.WithBaseURL("ftp://host/v1")}},
		{"relative URL", []flexapi.Option{flexapi.WithBaseURL("/v1")}},
		{"URL without host", []flexapi.Option{flexapi.WithBaseURL("https:///v1")}},
		{"URL with user info", []flexapi.Option{flexapi.WithBaseURL("https://user:" + appSecret + "@host/v1")}},
		{"URL with query", []flexapi.Option{flexapi.WithBaseURL("https://host/v1?x=1")}},
		{"URL with fragment", []flexapi.Option{flexapi.WithBaseURL("https://host/v1#x")}},
		{"unknown environment", []flexapi.Option{flexapi.WithEnvironment("staging")}},
		{"nil http client", []flexapi.Option{flexapi.WithHTTPClient(nil)}},
		{"empty user agent", []flexapi.Option{flexapi.WithUserAgent(" ")}},
		{"user agent with newline", []flexapi.Option{flexapi.WithUserAgent("a\nb")}},
		{"empty token", []flexapi.Option{flexapi.WithToken("")}},
		{"blank token", []flexapi.Option{flexapi.WithToken("  ")}},
		{"token with whitespace", []flexapi.Option{flexapi.WithToken(staticTok + " x")}},
		{"token with CRLF", []flexapi.Option{flexapi.WithToken(staticTok + "\r\nX: y")}},
		{"nil token source", []flexapi.Option{flexapi.WithTokenSource(nil)}},
		{"empty app key", []flexapi.Option{flexapi.WithCredentials("", appSecret)}},
		{"empty app secret", []flexapi.Option{flexapi.WithCredentials(appKey, " ")}},
		{"app secret with control", []flexapi.Option{flexapi.WithCredentials(appKey, appSecret+"\x00")}},
		{"token and credentials", []flexapi.Option{flexapi.WithToken(staticTok), flexapi.WithCredentials(appKey, appSecret)}},
		{"zero attempts", []flexapi.Option{flexapi.WithMaxAttempts(0)}},
		{"negative timeout", []flexapi.Option{flexapi.WithTimeout(-1)}},
		{"zero body cap", []flexapi.Option{flexapi.WithMaxBodyBytes(0)}},
		{"zero backoff", []flexapi.Option{flexapi.WithBackoff(0, 1)}},
		{"inverted backoff", []flexapi.Option{flexapi.WithBackoff(2, 1)}},
		{"zero retry wait cap", []flexapi.Option{flexapi.WithMaxRetryWait(0)}},
		{"nil option", []flexapi.Option{nil}},
		{"no credentials", nil},
		{"nil transport wrapper", []flexapi.Option{flexapi.WithTransportWrapper(nil)}},
		{"nil logger", []flexapi.Option{flexapi.WithLogger(nil)}},
		{"base URL without /v1", []flexapi.Option{flexapi.WithBaseURL("http://127.0.0.1:1234")}},
		{"base URL of the list endpoint", []flexapi.Option{flexapi.WithBaseURL("https://host/v1/api-keys")}},
		{"base URL with /v2", []flexapi.Option{flexapi.WithBaseURL("https://host/v2")}},
		{"environment and base URL", []flexapi.Option{flexapi.WithEnvironment(flexapi.Production), flexapi.WithBaseURL("https://host/v1")}},
		{"base URL and environment", []flexapi.Option{flexapi.WithBaseURL("https://host/v1"), flexapi.WithEnvironment(flexapi.Sandbox)}},
		{"token with its scheme", []flexapi.Option{flexapi.WithToken("Bearer " + staticTok)}},
		{"app secret with a newline", []flexapi.Option{flexapi.WithCredentials(appKey, appSecret+"\n")}},
		{"app key with a space", []flexapi.Option{flexapi.WithCredentials(" "+appKey, appSecret)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// With credentials, unless the case is about them, so that
			// each case fails for its own reason.
			opts := tt.opts
			if tt.name != "no credentials" {
				opts = append([]flexapi.Option{flexapi.WithCredentials(appKey, appSecret)}, opts...)
			}
			c, err := flexapi.New(opts...)
			if err == nil || c != nil {
				t.Fatalf("New: %v, %v: want an error", c, err)
			}
			if got, want := errors.Is(err, flexapi.ErrNoCredentials), tt.name == "no credentials"; got != want {
				t.Errorf("New: %v: ErrNoCredentials %t, want %t", err, got, want)
			}
			assertNoSecret(t, err)
		})
	}
}

// TestNewHintsAtWhatIsWrong: a mistake New refuses says how to fix it.
func TestNewHintsAtWhatIsWrong(t *testing.T) {
	tok := flexapi.WithToken(staticTok)
	for _, tt := range []struct {
		opts []flexapi.Option
		want string
	}{
		{[]flexapi.Option{tok, flexapi.WithBaseURL("http://127.0.0.1:1234")}, `want "http://127.0.0.1:1234/v1"`},
		{[]flexapi.Option{tok, flexapi.WithBaseURL("https://host/v1/api-keys/")}, `want "https://host/v1"`},
		{[]flexapi.Option{flexapi.WithToken("Bearer " + staticTok)}, "the client adds the scheme"},
		{[]flexapi.Option{tok, flexapi.WithBaseURL("https://host/v1"), flexapi.WithEnvironment(flexapi.Sandbox)}, "WithBaseURL and WithEnvironment are exclusive"},
		{[]flexapi.Option{flexapi.WithCredentials(appKey, appSecret+" ")}, "leading or trailing whitespace"},
		{nil, "give WithCredentials, WithToken or WithTokenSource"},
	} {
		_, err := flexapi.New(tt.opts...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New: %v: want it to say %q", err, tt.want)
		}
	}
}

func TestNewRefusesCredentialsInClearText(t *testing.T) {
	tests := []struct {
		base      string
		wantError bool
	}{
		{"http://api.example.com/v1", true},
		{"http://10.0.0.1/v1", true},
		{"http://localhost.example.com/v1", true},
		{"http://[::2]:80/v1", true},
		{"https://api.example.com/v1", false},
		{"http://127.0.0.1:8080/v1", false},
		{"http://127.3.4.5/v1", false},
		{"http://localhost:1/v1", false},
		{"http://LOCALHOST/v1", false},
		{"http://[::1]:8080/v1", false},
	}
	for _, tt := range tests {
		for name, auth := range map[string]flexapi.Option{
			"token": flexapi.WithToken(staticTok), "credentials": flexapi.WithCredentials(appKey, appSecret),
		} {
			t.Run(tt.base+" "+name, func(t *testing.T) {
				_, err := flexapi.New(flexapi.WithBaseURL(tt.base), auth)
				if got := errors.Is(err, flexapi.ErrInsecureTransport); got != tt.wantError {
					t.Errorf("New: %v, want ErrInsecureTransport: %t", err, tt.wantError)
				}
			})
		}
	}
}

func TestEnvironments(t *testing.T) {
	for env, host := range map[flexapi.Environment]string{
		flexapi.Sandbox: "api-sandbox.flex-charge.com", flexapi.Production: "api.flex-charge.com",
	} {
		c, err := flexapi.New(flexapi.WithEnvironment(env), flexapi.WithCredentials(appKey, appSecret))
		if err != nil {
			t.Fatalf("New(%s): %v", env, err)
		}
		if !strings.Contains(fmt.Sprint(c), "https://"+host+"/v1") {
			t.Errorf("%s: %s", env, c)
		}
	}
	c, err := flexapi.New(flexapi.WithToken(staticTok))
	if err != nil || !strings.Contains(fmt.Sprint(c), "api-sandbox") {
		t.Errorf("default: %v, %v: want the sandbox", c, err)
	}
}

func TestUserAgentAndAcceptAreSent(t *testing.T) {
	f := newFakeFF(t)
	var ua, accept string
	f.list = func(w http.ResponseWriter, r *http.Request, n int) {
		ua, accept = r.UserAgent(), r.Header.Get("Accept")
		f.serveList(w, r, n)
	}
	mustList(t, newClient(t, f, flexapi.WithUserAgent("merchant-svc/2.1")), exampleMID)
	if ua != "merchant-svc/2.1" || accept != "application/json" {
		t.Errorf("User-Agent %q, Accept %q", ua, accept)
	}
}

func TestCallerHTTPClientIsLeftAlone(t *testing.T) {
	f := newFakeFF(t)
	hc := &http.Client{}
	c := newClient(t, f, flexapi.WithHTTPClient(hc))
	mustList(t, c, exampleMID)
	if hc.CheckRedirect != nil {
		t.Errorf("New changed the caller's http.Client")
	}
	var nilCtx context.Context
	if _, err := c.ListAPIKeys(nilCtx, exampleMID); err == nil {
		t.Errorf("a nil context must fail")
	}
}
