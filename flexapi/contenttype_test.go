package flexapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// listFrom lists exampleMID once, in a single attempt, against a loopback
// server of h.
func listFrom(t *testing.T, h http.HandlerFunc, auth flexapi.Option) error {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := flexapi.New(flexapi.WithBaseURL(srv.URL+"/v1"), auth, flexapi.WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	_, err = c.ListAPIKeys(context.Background(), exampleMID)
	return err
}

// A server may echo anything into its Content-Type, the call's own token
// included: the type is shown in errors, so it is redacted like a body.
func TestAContentTypeShowsNoToken(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		status     int
	}{
		{"an error page", "oops", http.StatusInternalServerError},
		{"a 200 that is not JSON", noKeysBody, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := listFrom(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; x="+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}, flexapi.WithToken(staticTok))
			if err == nil {
				t.Fatal("no error")
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
				if out := fmt.Sprintf(verb, err); strings.Contains(out, staticTok) {
					t.Errorf("%s shows the token: %s", verb, out)
				}
			}
		})
	}
}

// The redaction is for showing the type: whether an answer is JSON is read
// from the type as sent, even when the token happens to be part of it.
func TestATokenInsideTheContentTypeLeavesItJSON(t *testing.T) {
	err := listFrom(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, noKeysBody)
	}, flexapi.WithToken("json"))
	if err != nil {
		t.Errorf("a JSON answer refused: %v", err)
	}
}

// An answer with no Content-Type at all, or a JSON type by its +json
// suffix, is given the benefit of the doubt: the decoder decides.
func TestAnAnswerWithoutAJSONTypeNameIsDecoded(t *testing.T) {
	for name, ct := range map[string][]string{"no Content-Type": nil, "a +json type": {"application/vnd.flexfactor+json"}} {
		t.Run(name, func(t *testing.T) {
			err := listFrom(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = ct // nil: net/http sniffs no type
				w.Write([]byte(noKeysBody))
			}, flexapi.WithToken(staticTok))
			if err != nil {
				t.Errorf("refused: %v", err)
			}
		})
	}
}
