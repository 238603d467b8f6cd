package flexapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

func ptrTime(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestListDecodesTheDocumentedExamples(t *testing.T) {
	f := newFakeFF(t)
	c := newClient(t, f)

	got, err := c.ListAPIKeys(context.Background(), exampleMID)
	if err != nil {
		t.Fatalf("ListAPIKeys: %v", err)
	}
	want := &flexapi.APIKeyList{Keys: []flexapi.APIKey{
		{Name: "My API Key", Type: flexapi.APIKeyTypeSecret, CreatedAt: *ptrTime("2024-11-16T12:00:00Z"),
			LastUsed: ptrTime("2024-11-18T10:00:00Z"), LastFour: "7dc0"},
		{Name: "Frontend Key", Type: flexapi.APIKeyTypePublishable, CreatedAt: *ptrTime("2024-11-10T08:30:00Z"),
			LastUsed: nil, LastFour: "3abc"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if !flexapi.IsPublicKeyType(got.Keys[1].Type) || flexapi.IsPublicKeyType(got.Keys[0].Type) {
		t.Errorf("IsPublicKeyType: publishable must be public, secret must not")
	}

	empty, err := c.ListAPIKeys(context.Background(), "mid_without_keys")
	if err != nil {
		t.Fatalf("ListAPIKeys: %v", err)
	}
	if empty.Keys == nil || len(empty.Keys) != 0 {
		t.Errorf("no keys: got %#v, want an empty, non-nil list", empty.Keys)
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Errorf("token calls: got %d, want 1 (reused)", got)
	}
}

func TestIsPublicKeyType(t *testing.T) {
	for typ, want := range map[flexapi.APIKeyType]bool{
		flexapi.APIKeyTypePublic: true, flexapi.APIKeyTypePublishable: true,
		flexapi.APIKeyTypeSecret: false, flexapi.APIKeyTypeTokenization: false, "restricted": false,
	} {
		if got := flexapi.IsPublicKeyType(typ); got != want {
			t.Errorf("IsPublicKeyType(%q) = %t, want %t", typ, got, want)
		}
	}
}

func TestListUnknownKeyTypeDecodesAndIsDetectable(t *testing.T) {
	f := newFakeFF(t)
	f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusOK, `{"keys": [{"name": "n", "type": "restricted", "created_at": "2024-11-16T12:00:00Z",
			"last_used": null, "last_four": "abcd", "scopes": ["x"]}], "next": null}`)
	}
	got, err := newClient(t, f).ListAPIKeys(context.Background(), "m")
	if err != nil {
		t.Fatalf("ListAPIKeys: %v", err)
	}
	if typ := got.Keys[0].Type; typ != "restricted" || typ.Valid() {
		t.Errorf("type %q: want it kept and not Valid", typ)
	}
}

// TestListErrorAnswers checks that every non-2xx answer is an *APIError
// with the server's messages, whatever its shape.
// listAPIError lists exampleMID, in one attempt, from a server that answers
// status, contentType (none when empty) and body, and returns the
// *APIError, failing the test when the error is not one.
func listAPIError(t *testing.T, status int, contentType, body string) (*flexapi.APIError, error) {
	t.Helper()
	f := newFakeFF(t)
	f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
		if contentType != "" {
			w.Header()["Content-Type"] = []string{contentType}
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
	_, err := newClient(t, f, flexapi.WithMaxAttempts(1)).ListAPIKeys(context.Background(), exampleMID)
	var apiErr *flexapi.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T): want *APIError", err, err)
	}
	return apiErr, err
}

func TestListErrorAnswers(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        flexapi.APIError
		wantInText  string
	}{
		{name: "documented 401", status: 401, contentType: "application/json", body: unauthorized,
			want: flexapi.APIError{StatusCode: 401, Messages: []string{"Authentication failed. Invalid bearer token."},
				ContentType: "application/json", Body: unauthorized},
			wantInText: "401 Unauthorized: Authentication failed. Invalid bearer token."},
		{name: "documented 500", status: 500, contentType: "application/json", body: internalError,
			want: flexapi.APIError{StatusCode: 500, Messages: []string{"An unexpected error occurred. Please try again later."},
				ContentType: "application/json", Body: internalError},
			wantInText: "500 Internal Server Error"},
		{name: "ModelState 400", status: 400, contentType: "application/problem+json",
			body: `{"status": 400, "title": "One or more validation errors occurred.", "traceId": "00-ab-01",
				"errors": {"mid": ["The mid field is required.", "The mid is too long."], "name": ["Bad name."]}}`,
			want: flexapi.APIError{StatusCode: 400, RequestID: "00-ab-01", Messages: []string{"One or more validation errors occurred."},
				FieldErrors: map[string][]string{"mid": {"The mid field is required.", "The mid is too long."}, "name": {"Bad name."}},
				ContentType: "application/problem+json"},
			wantInText: "mid: The mid field is required., The mid is too long.; name: Bad name."},
		{name: "HTML 502 from a gateway", status: 502, contentType: "text/html",
			body: "<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center></body></html>",
			want: flexapi.APIError{StatusCode: 502, ContentType: "text/html",
				Body: "<html><head><title>502 Bad Gateway</title></head> <body><center><h1>502 Bad Gateway</h1></center></body></html>"},
			wantInText: "502 Bad Gateway (text/html): <html>"},
		{name: "empty 403", status: 403, want: flexapi.APIError{StatusCode: 403}, wantInText: "403 Forbidden"},
		{name: "JSON labelled as text", status: 404, contentType: "text/plain", body: `{"errors": ["no such merchant"]}`,
			want: flexapi.APIError{StatusCode: 404, Messages: []string{"no such merchant"}, ContentType: "text/plain",
				Body: `{"errors": ["no such merchant"]}`}, wantInText: "no such merchant"},
		{name: "non-string error items", status: 409, contentType: "application/json", body: `{"errors": [{"code": 7}]}`,
			want: flexapi.APIError{StatusCode: 409, Messages: []string{`{"code": 7}`}, ContentType: "application/json",
				Body: `{"errors": [{"code": 7}]}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apiErr, err := listAPIError(t, tt.status, tt.contentType, tt.body)
			want := tt.want
			want.Operation = flexapi.OpListAPIKeys
			if want.Body == "" && tt.body != "" {
				want.Body = apiErr.Body // long bodies are checked by the redaction tests
			}
			if diff := cmp.Diff(&want, apiErr); diff != "" {
				t.Errorf("APIError (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), tt.wantInText) {
				t.Errorf("Error() = %q, want it to contain %q", err.Error(), tt.wantInText)
			}
		})
	}
}

// TestListMalformedSuccess checks that a 2xx body the client cannot use is a
// *DecodeError matching ErrMalformedResponse, with the status and a short
// excerpt.
func TestListMalformedSuccess(t *testing.T) {
	tests := []struct {
		name, contentType, body, wantErr string
	}{
		{"truncated JSON", "application/json", `{"keys": [{"name": "My API`, "decoding JSON"},
		{"not JSON", "application/json", `<html>oops</html>`, "decoding JSON"},
		{"empty body", "application/json", ``, "decoding JSON"},
		{"keys null", "application/json", `{"keys": null}`, `"keys" is null`},
		{"keys missing", "application/json", `{}`, `property "keys" is missing`},
		{"wrong content type", "text/html", noKeysBody, "is not JSON"},
		{"keys not an array", "application/json", `{"keys": "none"}`, `"keys": value must be an array`},
		{"trailing garbage", "application/json", `{"keys": []} {"keys": []}`, "decoding JSON"},
		{"bad date", "application/json", `{"keys": [{"created_at": "yesterday"}]}`, `key 0: "created_at" is not an RFC 3339 date-time`},
		{"deeply nested", "application/json", `{"keys": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, "decoding JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFF(t)
			f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.Header().Set("Content-Type", tt.contentType)
				_, _ = w.Write([]byte(tt.body))
			}
			list, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
			if list != nil {
				t.Errorf("list: got %+v, want nil", list)
			}
			var de *flexapi.DecodeError
			if !errors.As(err, &de) || !errors.Is(err, flexapi.ErrMalformedResponse) {
				t.Fatalf("error %v (%T): want *DecodeError matching ErrMalformedResponse", err, err)
			}
			if de.StatusCode != 200 || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q (status %d): want status 200 and %q", err, de.StatusCode, tt.wantErr)
			}
			if len(de.Body) > 520 {
				t.Errorf("excerpt of %d bytes: want it capped", len(de.Body))
			}
			if f.listCalls.Load() != 1 {
				t.Errorf("list calls: %d, want 1 (a malformed 2xx is not retried)", f.listCalls.Load())
			}
		})
	}
}

func TestListRejectsBadMIDsBeforeAnyRequest(t *testing.T) {
	f := newFakeFF(t)
	c := newClient(t, f)
	for name, mid := range map[string]string{
		"empty": "", "blank": " \t ", "dot": ".", "dot dot": "..", "newline": "mid\n123",
		"NUL": "mid\x00", "DEL": "mid\x7f", "invalid UTF-8": "mid\xff", "CRLF injection": "a\r\nX-Evil: 1",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.ListAPIKeys(context.Background(), mid)
			if !errors.Is(err, flexapi.ErrInvalidMID) {
				t.Errorf("ListAPIKeys(%q): %v, want ErrInvalidMID", mid, err)
			}
		})
	}
	if n := f.requests(); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// TestListEscapesMIDAsOneSegment checks on the wire that no mid reaches
// another path or adds a query.
func TestListEscapesMIDAsOneSegment(t *testing.T) {
	tests := []struct{ mid, wantPath string }{
		{"mid_123456", "/v1/api-keys/mid_123456"},
		{"../oauth2/token", "/v1/api-keys/..%2Foauth2%2Ftoken"},
		{"..%2F..%2Fadmin", "/v1/api-keys/..%252F..%252Fadmin"},
		{"a/b", "/v1/api-keys/a%2Fb"},
		{"%2F", "/v1/api-keys/%252F"},
		{"?x=1", "/v1/api-keys/%3Fx=1"},
		{"#x", "/v1/api-keys/%23x"},
		{"./x", "/v1/api-keys/.%2Fx"},
		{"...", "/v1/api-keys/..."},
		{" mid ", "/v1/api-keys/%20mid%20"},
		{"mïd", "/v1/api-keys/m%C3%AFd"},
	}
	f := newFakeFF(t)
	c := newClient(t, f)
	for _, tt := range tests {
		t.Run(tt.mid, func(t *testing.T) {
			if _, err := c.ListAPIKeys(context.Background(), tt.mid); err != nil {
				t.Fatalf("ListAPIKeys(%q): %v", tt.mid, err)
			}
			path, query := f.lastPath()
			if path != tt.wantPath || query != "" {
				t.Errorf("mid %q reached path %q query %q, want %q and no query", tt.mid, path, query, tt.wantPath)
			}
		})
	}
}
