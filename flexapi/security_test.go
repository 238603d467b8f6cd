package flexapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

func TestRedirectsNeverCarryTheTokenAway(t *testing.T) {
	var elsewhere atomic.Int32
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		leaked.Store(r.Header.Get("Authorization"))
		writeJSON(w, http.StatusOK, noKeysBody)
	}))
	defer other.Close()

	// The TLS server's own client trusts its certificate; a redirect from
	// it to plain http on the same host is a downgrade.
	tlsFF := httptest.NewTLSServer(nil)
	defer tlsFF.Close()
	f := newFakeFF(t)
	tlsFF.Config.Handler = f.srv.Config.Handler
	plainSameHost := strings.Replace(tlsFF.URL, "https://", "http://", 1)

	tests := []struct {
		name   string
		base   string
		client *http.Client
		target string
	}{
		{"to another host", f.URL(), nil, other.URL + "/v1/api-keys/x"},
		{"from https to http", tlsFF.URL + "/v1", tlsFF.Client(), plainSameHost + "/v1/api-keys/x"},
	}
	for _, tt := range tests {
		for _, status := range []int{301, 302, 307, 308} {
			t.Run(fmt.Sprintf("%s %d", tt.name, status), func(t *testing.T) {
				f.list = func(w http.ResponseWriter, r *http.Request, _ int) {
					http.Redirect(w, r, tt.target, status)
				}
				opts := []flexapi.Option{flexapi.WithBaseURL(tt.base), flexapi.WithToken(staticTok), fastRetries}
				if tt.client != nil {
					opts = append(opts, flexapi.WithHTTPClient(tt.client))
				}
				c, err := flexapi.New(opts...)
				if err != nil {
					t.Fatal(err)
				}
				defer c.CloseIdleConnections()
				before := f.listCalls.Load()
				_, err = c.ListAPIKeys(context.Background(), exampleMID)
				if !errors.Is(err, flexapi.ErrRedirectRefused) || strings.Count(err.Error(), "flexapi:") != 1 {
					t.Errorf("error %v: want ErrRedirectRefused, with one flexapi: prefix", err)
				}
				if n := f.listCalls.Load() - before; n != 1 {
					t.Errorf("list calls: %d, want 1 (a refused redirect is not retried)", n)
				}
				assertNoSecret(t, err)
			})
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the other host got %d requests, Authorization %q", n, leaked.Load())
	}
}

// TestARedirectThatChangesTheMethodIsRefused: net/http follows a 301, 302
// or 303 of a DELETE or a POST with a GET, which would report a revoke, or
// a create, that never happened; the client refuses it instead.
func TestARedirectThatChangesTheMethodIsRefused(t *testing.T) {
	var gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			gets.Add(1)
			writeJSON(w, http.StatusOK, `{"success": true}`)
			return
		}
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	c := mustNew(t, flexapi.WithBaseURL(srv.URL+"/v1"), flexapi.WithToken(staticTok))
	err := c.RevokeAPIKey(context.Background(), "key_1")
	if !errors.Is(err, flexapi.ErrRedirectRefused) || gets.Load() != 0 {
		t.Errorf("revoke redirected to a GET: %v, %d GETs: want ErrRedirectRefused and none", err, gets.Load())
	}
}

func TestSameOriginRedirectIsFollowed(t *testing.T) {
	f := newFakeFF(t)
	f.list = func(w http.ResponseWriter, r *http.Request, n int) {
		if strings.HasSuffix(r.URL.Path, "/old") {
			http.Redirect(w, r, "/v1/api-keys/"+exampleMID, http.StatusFound)
			return
		}
		f.serveList(w, r, n)
	}
	if got := mustList(t, newClient(t, f), "old"); len(got.Keys) != 2 {
		t.Errorf("keys: %d, want 2", len(got.Keys))
	}
}

// TestNoSecretInAnyOutput: the server echoes what it got; nothing the client
// shows carries the token, the AppSecret or key-like values.
func TestNoSecretInAnyOutput(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZXJjaGFudCJ9.c2lnbmF0dXJlX3ZhbHVl"
	const keyValue = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
	f := newFakeFF(t)
	f.list = func(w http.ResponseWriter, r *http.Request, _ int) {
		writeJSON(w, http.StatusInternalServerError, `{"errors": ["got `+r.Header.Get("Authorization")+`", "jwt `+jwt+`",
			"key `+keyValue+`"], "value": "short-secret-value", "accessToken": "tiny"}`)
	}
	for name, auth := range map[string]flexapi.Option{
		"token": flexapi.WithToken(staticTok), "credentials": flexapi.WithCredentials(appKey, appSecret),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := flexapi.New(flexapi.WithBaseURL(f.URL()), auth, flexapi.WithMaxAttempts(1))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			_, err = c.ListAPIKeys(context.Background(), exampleMID)
			var apiErr *flexapi.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v: want *APIError", err)
			}
			// *c: a copied Client formats itself as the pointer does.
			for _, v := range []any{err, *apiErr, apiErr.Messages, c, *c} {
				assertNoSecret(t, v, jwt, keyValue, "short-secret-value", `"tiny"`)
			}
			if !strings.Contains(apiErr.Body, "[REDACTED]") {
				t.Errorf("excerpt %q: want the secrets replaced by [REDACTED]", apiErr.Body)
			}
		})
	}
}

// TestATransportErrorQuotingASecretIsRedacted: net/http quotes a broken
// header line in its error; a server that echoes the Authorization header,
// or the token request's body, as one must not put the token or the
// AppSecret in the error the call returns, which still unwraps to its
// cause.
func TestATransportErrorQuotingASecretIsRedacted(t *testing.T) {
	echo := func(w http.ResponseWriter, line string) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_, _ = fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\n%s\r\n\r\n", line)
			_ = buf.Flush()
			_ = conn.Close()
		}
	}
	f := newFakeFF(t)
	f.list = func(w http.ResponseWriter, r *http.Request, _ int) { echo(w, r.Header.Get("Authorization")) }
	f.token = func(w http.ResponseWriter, r *http.Request, _ int) {
		body, _ := io.ReadAll(r.Body)
		echo(w, string(body))
	}
	for name, auth := range map[string]flexapi.Option{
		"token": flexapi.WithToken(staticTok), "credentials": flexapi.WithCredentials(appKey, appSecret),
	} {
		t.Run(name, func(t *testing.T) {
			c := mustNew(t, flexapi.WithBaseURL(f.URL()), auth, flexapi.WithMaxAttempts(1))
			_, err := c.ListAPIKeys(context.Background(), exampleMID)
			if !strings.Contains(err.Error(), "malformed MIME header") {
				t.Fatalf("error %v: want the transport's, about the header line", err)
			}
			assertNoSecret(t, err)
		})
	}
}

// TestExcerptsNeverShowACutSecret: an excerpt is made from the first 64 KiB
// of a body. A secret that the window's end cuts in two no longer matches
// the redaction rules, so the window drops it: the start of the call's
// token (here a long one, so that 64 KiB of them redact to under 512
// bytes), and the open value of a credential field.
func TestExcerptsNeverShowACutSecret(t *testing.T) {
	var tok strings.Builder
	for i := 0; tok.Len() < 2000; i++ {
		fmt.Fprintf(&tok, "tokpart%02d-", i%100) // no run long enough to look like a key
	}
	long := tok.String()
	tests := []struct {
		name, body, secret string
	}{
		{"the token cut at the window's end", strings.Repeat(long+" ", 40), "tokpart"},
		{"a password field left open", `{"keys": 1, "password": "` + strings.Repeat("pass word ", 10000) + `"}`, "pass word"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFF(t)
			f.list = func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, http.StatusOK, tt.body) }
			c, err := flexapi.New(flexapi.WithBaseURL(f.URL()), flexapi.WithToken(long), flexapi.WithMaxAttempts(1))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			_, err = c.ListAPIKeys(context.Background(), exampleMID)
			var de *flexapi.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v: want a *DecodeError", err)
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Errorf("the excerpt shows part of the secret: %q", de.Body)
			}
		})
	}
}

// TestEachRedactionMechanism: each row is caught by one redaction mechanism
// alone, so that removing that mechanism fails that row. The secrets are
// short and broken by dashes: no other rule (key-like runs, JWTs,
// credential fields) would hide them.
func TestEachRedactionMechanism(t *testing.T) {
	const othersToken = "other-cred-9x-7y" // a credential that is not ours
	tests := []struct {
		name string
		// status, contentType and body answer the list call; {token} is
		// replaced by the token the call was sent with.
		status            int
		contentType, body string
		// secret must not show; "" means the call's token.
		secret string
	}{
		{"the call's token, exchanged (per-call redaction)", http.StatusInternalServerError, "application/json",
			`{"errors": ["token {token} refused"]}`, ""},
		{"the AppSecret (the client's secrets)", http.StatusInternalServerError, "application/json",
			`{"errors": ["app ` + appKey + ` with secret ` + appSecret + ` refused"]}`, appSecret},
		{"a bearer credential that is not ours (the bearer pattern)", http.StatusInternalServerError, "application/json",
			`{"errors": ["upstream said: Authorization: Bearer ` + othersToken + `"]}`, othersToken},
		{"the token in an error page (APIError's body)", http.StatusBadGateway, "text/html",
			`<html><body>request with {token} failed</body></html>`, ""},
		{"the token in a malformed 200 (DecodeError's body)", http.StatusOK, "text/plain",
			`you sent {token}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFF(t)
			var used atomic.Value
			f.list = func(w http.ResponseWriter, r *http.Request, _ int) {
				tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				used.Store(tok)
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, strings.ReplaceAll(tt.body, "{token}", tok))
			}
			c := newClient(t, f, flexapi.WithMaxAttempts(1))
			_, err := c.ListAPIKeys(context.Background(), exampleMID)
			if err == nil {
				t.Fatal("want an error")
			}
			secret := tt.secret
			if secret == "" {
				secret, _ = used.Load().(string)
			}
			if secret == "" || !strings.Contains(strings.ReplaceAll(tt.body, "{token}", secret), secret) {
				t.Fatalf("the server sent no secret to hide")
			}
			assertNoSecret(t, err, secret)
			var apiErr *flexapi.APIError
			var de *flexapi.DecodeError
			switch {
			case errors.As(err, &apiErr):
				assertNoSecret(t, *apiErr, secret)
			case errors.As(err, &de):
				assertNoSecret(t, *de, secret)
			}
		})
	}
}

// TestATimeoutStaysMatchableWhenTheURLIsRedacted: a transport error quotes
// the URL, where a mid shaped like a key is hidden; the timeout it tells of
// still matches net.Error's Timeout.
func TestATimeoutStaysMatchableWhenTheURLIsRedacted(t *testing.T) {
	f := newFakeFF(t)
	f.list = func(_ http.ResponseWriter, r *http.Request, _ int) { <-r.Context().Done() }
	mid := strings.Repeat("mM1", 14)
	c := newClient(t, f, flexapi.WithResponseHeaderTimeout(50*time.Millisecond), flexapi.WithMaxAttempts(1))
	_, err := c.ListAPIKeys(context.Background(), mid)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || strings.Contains(err.Error(), mid) {
		t.Errorf("error %v: want a net.Error that is a timeout, the mid hidden", err)
	}
}
