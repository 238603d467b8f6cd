package flexapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// Fuzz targets. `go test` runs their seeds (f.Add and testdata/fuzz) as
// ordinary tests; `make fuzz` explores beyond them for a while.

// fuzzMaxBody is the size cap of the fuzzed client: small, so that the fuzzer
// reaches it.
const fuzzMaxBody = 4096

// tokenMark in a fuzzed body is replaced by the client's bearer token before
// the body is sent: a server that echoes the token must not get it into an
// error.
const tokenMark = "$TOKEN"

// replay is a loopback server that answers every request with the response
// it was last given.
type replay struct {
	srv *httptest.Server

	mu                      sync.Mutex
	status                  int
	contentType, contentEnc string
	body                    []byte
	requests                []*http.Request
}

func newReplay(f *testing.F) *replay {
	r := &replay{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		status, ct, ce, body := r.status, r.contentType, r.contentEnc, r.body
		r.requests = append(r.requests, req)
		r.mu.Unlock()
		// Always present, possibly empty, so that net/http does not sniff
		// one.
		w.Header()["Content-Type"] = []string{ct}
		if ce != "" {
			w.Header().Set("Content-Encoding", ce)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	r.srv.Config.ErrorLog = discardLog
	f.Cleanup(r.srv.Close)
	return r
}

func (r *replay) set(status int, contentType, contentEnc string, body []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.contentType, r.contentEnc, r.body = status, contentType, contentEnc, body
	r.requests = nil
}

func (r *replay) seen() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// client is the client of the replay server, one for the whole target so
// that its connections are reused from one input to the next, as they would
// be in a service.
func (r *replay) client(f *testing.F) *flexapi.Client {
	c, err := flexapi.New(flexapi.WithBaseURL(r.srv.URL+"/v1"), flexapi.WithToken(staticTok),
		flexapi.WithMaxAttempts(1), flexapi.WithMaxBodyBytes(fuzzMaxBody), flexapi.WithTimeout(10*time.Second))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(c.CloseIdleConnections)
	return c
}

// FuzzListResponse sends ListAPIKeys a fuzzed status, Content-Type,
// Content-Encoding and body, over a real loopback connection, and checks
// that the answer is classified as documented:
//
//   - a non-2xx status is an *APIError with that status, whatever the body;
//   - a 2xx is either the keys, exactly as encoding/json reads a body of the
//     documented shape, or a *DecodeError matching ErrMalformedResponse (and
//     ErrBodyTooLarge beyond the cap); it is the keys whenever the body is
//     such JSON, within the cap, under a JSON content type (or none) and
//     not claimed to be gzip;
//   - nothing panics, an error never shows the bearer token, excerpts stay
//     short and messages stay UTF-8.
func FuzzListResponse(f *testing.F) {
	f.Add(200, "application/json", "", []byte(twoKeysBody))
	f.Add(200, "application/json; charset=utf-8", "", []byte(noKeysBody))
	f.Add(200, "", "", []byte(noKeysBody))
	f.Add(200, "application/vnd.flex+json", "", []byte(noKeysBody))
	f.Add(200, "text/html", "", []byte(noKeysBody))
	f.Add(200, "application/json", "gzip", []byte(noKeysBody))
	f.Add(200, "application/json", "", []byte(`{"keys": null}`))
	f.Add(200, "application/json", "", []byte(`{"keys": [{"name": "`+tokenMark+`", "created_at": "`+tokenMark+`"}]}`))
	f.Add(204, "application/json", "", []byte(nil))
	f.Add(401, "application/json", "", []byte(unauthorized))
	f.Add(500, "application/json", "", []byte(`{"errors": ["got Bearer `+tokenMark+`", "`+tokenMark+`"]}`))
	f.Add(400, "application/problem+json", "", []byte(`{"title": "bad", "errors": {"`+tokenMark+`": ["x `+tokenMark+`"]}}`))
	f.Add(502, "text/html", "", []byte("<html><body>502 Bad Gateway</body></html>"))
	f.Add(200, "application/json", "", []byte("{\"keys\": [{\"name\": \"\xff\"}]}"))

	r := newReplay(f)
	c := r.client(f)
	f.Fuzz(func(t *testing.T, status int, contentType, contentEnc string, body []byte) {
		code := fuzzStatus(status)
		if !headerValueOK(contentType) || !headerValueOK(contentEnc) {
			t.Skip("not a header value net/http sends")
		}
		body = []byte(strings.ReplaceAll(string(body), tokenMark, staticTok))
		r.set(code, contentType, contentEnc, body)

		list, err := c.ListAPIKeys(context.Background(), exampleMID)
		if (list == nil) == (err == nil) {
			t.Fatalf("list %v and error %v: want exactly one", list, err)
		}
		if n := len(r.seen()); n != 1 {
			t.Errorf("requests: %d, want 1", n)
		}
		if err != nil {
			checkErrorText(t, err)
		}

		if code < 200 || code > 299 {
			var apiErr *flexapi.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != code || errors.Is(err, flexapi.ErrMalformedResponse) {
				t.Fatalf("status %d: error %v (%T): want *APIError %d", code, err, err, code)
			}
			return
		}

		if code == http.StatusNoContent || code == http.StatusNotModified {
			body = nil // net/http sends no body with these
		}
		ct := strings.Trim(contentType, " \t")
		var ref struct {
			Keys *[]flexapi.APIKey `json:"keys"`
		}
		refOK := json.Unmarshal(body, &ref) == nil && ref.Keys != nil
		gzipped := strings.EqualFold(strings.Trim(contentEnc, " \t"), "gzip")
		switch {
		case err == nil && gzipped:
			// A body that really was gzip: decoded by the transport.
		case err == nil:
			if !refOK || len(body) > fuzzMaxBody || !jsonMediaType(ct) {
				t.Fatalf("status %d, %q, %d bytes: the client took a body it should refuse", code, ct, len(body))
			}
			if diff := cmp.Diff(*ref.Keys, list.Keys); diff != "" {
				t.Errorf("keys differ from encoding/json's reading (-want +got):\n%s", diff)
			}
		default:
			var de *flexapi.DecodeError
			if !errors.As(err, &de) || !errors.Is(err, flexapi.ErrMalformedResponse) || de.StatusCode != code {
				t.Fatalf("status %d: error %v (%T): want *DecodeError %d", code, err, err, code)
			}
			if refOK && len(body) <= fuzzMaxBody && jsonMediaType(ct) && !gzipped {
				t.Fatalf("status %d, %q: a documented body refused: %v", code, ct, err)
			}
			if len(body) > fuzzMaxBody && !gzipped && !errors.Is(err, flexapi.ErrBodyTooLarge) {
				t.Errorf("%d bytes over a cap of %d: error %v, want ErrBodyTooLarge", len(body), fuzzMaxBody, err)
			}
		}
	})
}

// fuzzStatus maps any int to a final status, 200 to 599.
func fuzzStatus(n int) int {
	if n < 0 {
		n = -(n + 1)
	}
	return 200 + n%400
}

// headerValueOK reports whether net/http sends v as it is: no control
// characters.
func headerValueOK(v string) bool {
	return !strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f })
}

// jsonMediaType is the documented rule: application/json,
// application/*+json, or no Content-Type at all.
func jsonMediaType(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" ||
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// checkErrorText checks what an error shows: never the token, short
// excerpts, UTF-8 messages.
func checkErrorText(t *testing.T, err error) {
	t.Helper()
	if strings.Contains(err.Error(), staticTok) {
		t.Errorf("error shows the token: %q", err)
	}
	var apiErr *flexapi.APIError
	if errors.As(err, &apiErr) {
		checkExcerpt(t, apiErr.Body)
		for _, m := range apiErr.Messages {
			if !utf8.ValidString(m) || strings.Contains(m, staticTok) {
				t.Errorf("message %q: want UTF-8 without the token", m)
			}
		}
		for field, msgs := range apiErr.FieldErrors {
			if strings.Contains(field+strings.Join(msgs, ""), staticTok) {
				t.Errorf("field errors show the token")
			}
		}
	}
	var de *flexapi.DecodeError
	if errors.As(err, &de) {
		checkExcerpt(t, de.Body)
	}
}

func checkExcerpt(t *testing.T, s string) {
	t.Helper()
	if len(s) > 512+len("…") || !utf8.ValidString(s) || strings.Contains(s, staticTok) {
		t.Errorf("excerpt of %d bytes %q: want at most 512 bytes of UTF-8 without the token", len(s), s)
	}
}

// ordinaryMID is a mid no client should refuse.
var ordinaryMID = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// FuzzListMID calls ListAPIKeys with any string as the mid. Either the call
// fails with ErrInvalidMID before any request, or it sends exactly one
// request whose escaped path is /v1/api-keys/ and one segment that decodes
// to the mid, with no query, and succeeds.
func FuzzListMID(f *testing.F) {
	for _, mid := range []string{
		exampleMID, "", " ", ".", "..", "...", "./x", "../oauth2/token", "a/b", "%2F", "%", "%zz",
		"?x=1", "#frag", ";x", "a b", "mïd", "\u2028", "\ufeff", "mid\x00", "mid\r\nX: 1", "\xff", "//evil.example/x",
		"http://evil.example", "@evil", "~user", "+", "a+b", "\\", "..\\..", "%2e%2e", ":x", "C:",
	} {
		f.Add(mid)
	}
	r := newReplay(f)
	c := r.client(f)
	f.Fuzz(func(t *testing.T, mid string) {
		r.set(http.StatusOK, "application/json", "", []byte(noKeysBody))
		_, err := c.ListAPIKeys(context.Background(), mid)
		reqs := r.seen()
		if err != nil {
			if !errors.Is(err, flexapi.ErrInvalidMID) {
				t.Fatalf("mid %q: error %v, want ErrInvalidMID or success", mid, err)
			}
			if len(reqs) != 0 {
				t.Errorf("mid %q refused after %d requests, want none", mid, len(reqs))
			}
			if ordinaryMID.MatchString(mid) {
				t.Errorf("mid %q refused: %v", mid, err)
			}
			return
		}
		if len(reqs) != 1 {
			t.Fatalf("mid %q: %d requests, want 1", mid, len(reqs))
		}
		req := reqs[0]
		seg, ok := strings.CutPrefix(req.URL.EscapedPath(), "/v1/api-keys/")
		if !ok || seg == "" || strings.Contains(seg, "/") {
			t.Fatalf("mid %q reached %q: want /v1/api-keys/ and one segment", mid, req.URL.EscapedPath())
		}
		if got := req.URL.Path; got != "/v1/api-keys/"+mid {
			t.Errorf("mid %q arrived as %q", mid, strings.TrimPrefix(got, "/v1/api-keys/"))
		}
		if req.URL.RawQuery != "" || req.URL.Fragment != "" || req.Method != http.MethodGet {
			t.Errorf("mid %q: %s with query %q: want a GET without query", mid, req.Method, req.URL.RawQuery)
		}
	})
}
