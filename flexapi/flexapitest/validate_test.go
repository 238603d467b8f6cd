package flexapitest_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

func TestRequestValidation(t *testing.T) {
	srv, _ := newFake(t, flexapitest.WithAppCredentials("k", "top-secret-value"))
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		fields                  map[string][]string // of a 400
	}{
		{name: "valid", contentType: "application/json", body: `{"AppKey":"k","AppSecret":"top-secret-value"}`, status: 200},
		{name: "valid, wrong secret", contentType: "application/json", body: `{"AppKey":"k","AppSecret":"nope"}`, status: 401},
		{"client_id fields", "application/json", `{"client_id":"k","client_secret":"top-secret-value"}`, 400, map[string][]string{
			"AppKey": {"The AppKey field is required."}, "AppSecret": {"The AppSecret field is required."}}},
		{"empty AppSecret", "application/json", `{"AppKey":"k","AppSecret":""}`, 400, map[string][]string{
			"AppSecret": {"The AppSecret field is required."}}},
		{"AppSecret a number", "application/json", `{"AppKey":"k","AppSecret":1234567}`, 400, map[string][]string{
			"AppSecret": {"The AppSecret field must be a JSON string."}}},
		{"AppKey an object, AppSecret missing", "application/json", `{"AppKey":{"k":"top-secret-value"}}`, 400, map[string][]string{
			"AppKey": {"The AppKey field must be a JSON string."}, "AppSecret": {"The AppSecret field is required."}}},
		{"a JSON array", "application/json", `["top-secret-value"]`, 400, map[string][]string{
			"$": {"The request body must be a JSON object."}}},
		{"not JSON", "application/json", `{"AppKey":"top-secret-value"`, 400, map[string][]string{
			"$": {"The request body is not valid JSON."}}},
		{"text/plain", "text/plain", `{"AppKey":"k","AppSecret":"top-secret-value"}`, 400, map[string][]string{
			"$": {"The request body must be sent as application/json."}}},
		{"no body", "application/json", ``, 400, map[string][]string{
			"$": {"A non-empty request body is required."}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := do(t, srv, http.MethodPost, "/v1/oauth2/token", http.Header{"Content-Type": {tc.contentType}}, tc.body)
			mustMatchSpec(t, e)
			if strings.Contains(string(e.body), "top-secret-value") || strings.Contains(string(e.body), "1234567") {
				t.Errorf("the answer echoes a value sent")
			}
			if tc.fields == nil {
				if e.status != tc.status {
					t.Errorf("got %s, want %d", e, tc.status)
				}
				return
			}
			if got := modelStateFields(t, e); !reflect.DeepEqual(got, tc.fields) {
				t.Errorf("got fields %q\nwant        %q", got, tc.fields)
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
