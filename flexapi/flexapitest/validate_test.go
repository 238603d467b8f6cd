package flexapitest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

func TestRequestValidation(t *testing.T) {
	srv, _ := newFake(t, flexapitest.WithRequestValidation(), flexapitest.WithAppCredentials("k", "top-secret-value"))
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		want                    []string
	}{
		{"valid", "application/json", `{"AppKey":"k","AppSecret":"top-secret-value"}`, 200, nil},
		{"valid, wrong secret", "application/json", `{"AppKey":"k","AppSecret":"nope"}`, 401, []string{"Authentication failed. Invalid credentials."}},
		{"client_id fields", "application/json", `{"client_id":"k","client_secret":"top-secret-value"}`, 400, []string{
			`The request body does not match the specification at /AppKey: property "AppKey" is missing.`,
			`The request body does not match the specification at /AppSecret: property "AppSecret" is missing.`}},
		{"empty AppSecret", "application/json", `{"AppKey":"k","AppSecret":""}`, 400, []string{
			`The request body does not match the specification at /AppSecret: minimum string length is 1.`}},
		{"AppSecret a number", "application/json", `{"AppKey":"k","AppSecret":1234567}`, 400, []string{
			`The request body does not match the specification at /AppSecret: value must be a string.`}},
		{"not JSON", "application/json", `{"AppKey":"top-secret-value"`, 400, []string{"The request body is not valid JSON."}},
		{"text/plain", "text/plain", `{"AppKey":"k","AppSecret":"top-secret-value"}`, 400, []string{"The request body must be sent as application/json."}},
		{"no body", "application/json", ``, 400, []string{"The request body is required but missing."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := do(t, srv, http.MethodPost, "/v1/oauth2/token", http.Header{"Content-Type": {tc.contentType}}, tc.body)
			mustMatchSpec(t, e)
			if e.status != tc.status {
				t.Fatalf("got %s, want %d", e, tc.status)
			}
			if strings.Contains(string(e.body), "top-secret-value") || strings.Contains(string(e.body), "1234567") {
				t.Errorf("the answer echoes a value: %s", e.body)
			}
			if tc.want != nil {
				var want strings.Builder
				want.WriteString(`{"errors":[`)
				for i, m := range tc.want {
					if i > 0 {
						want.WriteString(",")
					}
					want.WriteString(`"` + strings.ReplaceAll(m, `"`, `\"`) + `"`)
				}
				want.WriteString(`]}`)
				if !jsonEqual(t, e.body, want.String()) {
					t.Errorf("got  %s\nwant %s", e.body, want.String())
				}
			}
		})
	}
	// Requests the spec has no operation for keep their own answers.
	if e := do(t, srv, http.MethodGet, "/v1/nope", nil, ""); e.status != 404 {
		t.Errorf("unknown path: %s", e)
	}
	if e := do(t, srv, http.MethodGet, "/v1/api-keys/a%2Fb", bearer(srv.IssueToken()), ""); e.status != 200 {
		t.Errorf("escaped mid: %s", e)
	}
	if e := do(t, srv, http.MethodGet, "/v1/api-keys/mid_123456", nil, ""); e.status != 401 {
		t.Errorf("no token: %s, want the handler's 401, not a validation 400", e)
	}
}
