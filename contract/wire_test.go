package contract

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

const testBase = "http://127.0.0.1:9/v1"

func listExchange(t *testing.T, status int, contentType, body string) *Exchange {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, testBase+"/api-keys/mid_123456", nil)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return &Exchange{Operation: report.OpListAPIKeys, Request: req, Status: status, Header: h, Body: []byte(body)}
}

func tokenExchange(t *testing.T, body string) *Exchange {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, testBase+"/oauth2/token", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return &Exchange{Operation: report.OpCreateToken, Request: req, Status: http.StatusOK,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
}

func newTestValidator(t *testing.T) *Validator {
	t.Helper()
	v, err := NewValidator(testBase)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const twoKeys = `{"keys":[
 {"name":"My API Key","type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":"2024-11-18T10:00:00Z","last_four":"7dc0"},
 {"name":"Frontend Key","type":"publishable","created_at":"2024-11-10T08:30:00Z","last_used":null,"last_four":"3abc"}]}`

func TestValidateAcceptsThePageExamples(t *testing.T) {
	v := newTestValidator(t)
	for name, ex := range map[string]*Exchange{
		"two keys":  listExchange(t, 200, "application/json; charset=utf-8", twoKeys),
		"no keys":   listExchange(t, 200, "application/json", `{"keys": []}`),
		"401":       listExchange(t, 401, "application/json", `{"errors":["Authentication failed. Invalid bearer token."]}`),
		"500":       listExchange(t, 500, "application/json", `{"errors":["An unexpected error occurred. Please try again later."]}`),
		"added key": listExchange(t, 200, "application/json", `{"keys":[],"next":null}`),
	} {
		if got := v.Validate(context.Background(), ex); len(got) != 0 {
			t.Errorf("%s: failures %v, want none", name, got)
		}
	}
}

func TestValidateFindsEachBreak(t *testing.T) {
	v := newTestValidator(t)
	tests := []struct {
		name               string
		ex                 *Exchange
		where, pointer, in string
	}{
		{"required field missing", listExchange(t, 200, "application/json",
			`{"keys":[{"name":"a","type":"secret","created_at":"2024-11-16T12:00:00Z","last_four":"7dc0"}]}`),
			whereBody, "/keys/0/last_used", `"last_used" is missing`},
		{"wrong date-time", listExchange(t, 200, "application/json", strings.Replace(twoKeys, "2024-11-16T12:00:00Z", "16/11/2024", 1)),
			whereBody, "/keys/0/created_at", "RFC 3339"},
		{"date-time without zone", listExchange(t, 200, "application/json", strings.Replace(twoKeys, "2024-11-16T12:00:00Z", "2024-11-16T12:00:00", 1)),
			whereBody, "/keys/0/created_at", "RFC 3339"},
		// An unknown type string is valid since 0.3.0 (D1); a number is not.
		{"a type that is not a string", listExchange(t, 200, "application/json", strings.Replace(twoKeys, `"publishable"`, `7`, 1)),
			whereBody, "/keys/1/type", "string"},
		{"last_four too long", listExchange(t, 200, "application/json", strings.Replace(twoKeys, `"3abc"`, `"3abcd"`, 1)),
			whereBody, "/keys/1/last_four", "maximum string length"},
		{"wrong content type", listExchange(t, 200, "text/html", twoKeys), whereContentType, "", "text/html"},
		{"no content type", listExchange(t, 200, "", twoKeys), whereContentType, "", "(none)"},
		{"undocumented status", listExchange(t, 502, "application/json", `{"errors":["busy"]}`), whereStatus, "", "502"},
		{"ModelState body on 401", listExchange(t, 401, "application/json", `{"status":401,"errors":{"token":["bad"]}}`),
			whereBody, "/errors", "must be an array"},
		{"empty errors", listExchange(t, 500, "application/json", `{"errors":[]}`), whereBody, "/errors", "minimum number of items"},
		{"truncated body", listExchange(t, 200, "application/json", twoKeys[:40]), whereBody, "", "not valid JSON"},
		{"expires in seconds", tokenExchange(t, `{"accessToken":"a","refreshToken":"r","expires":1732017600}`),
			whereBody, "/expires", "at least"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := v.Validate(context.Background(), tt.ex)
			for _, f := range got {
				if f.Where == tt.where && f.Pointer == tt.pointer && strings.Contains(f.String(), tt.in) {
					return
				}
			}
			t.Errorf("failures %v, want one at %s %q mentioning %q", got, tt.where, tt.pointer, tt.in)
		})
	}
}

// A broken server may put a key's value anywhere. The failures must name
// where and why, never the value: kin-openapi quotes values unless told
// not to, as the second half of the test shows.
func TestValidationErrorsCarryNoValues(t *testing.T) {
	const secret = "sk_live_51HxQ9Z2eZvKYlo2C0000000000SECRET7dc0"
	body := `{"keys":[{"name":"` + secret + `<>","type":"` + secret + `","created_at":"` + secret +
		`","last_used":"` + secret + `","last_four":"` + secret + `","value":"` + secret + `"}]}`
	v := newTestValidator(t)
	ex := listExchange(t, 200, "application/json", body)
	failures := v.Validate(context.Background(), ex)
	// created_at, last_used and last_four; since 0.3.0 a listed name has no
	// pattern and a listed type is any string (D15, D1).
	if len(failures) < 3 {
		t.Fatalf("got %d failures, want one per broken field: %v", len(failures), failures)
	}
	for _, f := range failures {
		if strings.Contains(f.String(), secret) || strings.Contains(f.String(), "SECRET") {
			t.Errorf("failure carries the value: %s", f.Pointer)
		}
	}

	// kin-openapi's own error text, with the suite's options, is free of
	// values too; with its defaults it quotes them.
	route, params, err := v.router.FindRoute(ex.Request)
	if err != nil {
		t.Fatal(err)
	}
	kinError := func(opts *openapi3filter.Options) string {
		err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: ex.Request, PathParams: params, Route: route, Options: opts},
			Status:                 200, Header: ex.Header, Body: io.NopCloser(bytes.NewReader(ex.Body)),
			Options: opts,
		})
		if err == nil {
			t.Fatal("kin-openapi found nothing wrong")
		}
		return err.Error()
	}
	for name, opts := range map[string]*openapi3filter.Options{
		"the suite's options":        validationOptions(),
		"only valueFreeSchemaErrors": {MultiError: true, SchemaValidationOptions: valueFreeSchemaErrors},
	} {
		if text := kinError(opts); strings.Contains(text, secret) || strings.Contains(text, "SECRET") {
			t.Errorf("kin-openapi's error text with %s carries the value", name)
		}
	}
	if text := kinError(&openapi3filter.Options{MultiError: true}); !strings.Contains(text, secret) {
		t.Errorf("kin-openapi's default message no longer quotes the value; this test proves nothing until it is updated")
	}
}

func TestKeySecurityProblems(t *testing.T) {
	keys, err := decodeKeys([]byte(twoKeys))
	if err != nil {
		t.Fatal(err)
	}
	if got := keySecurityProblems(keys); len(got) != 0 {
		t.Fatalf("the page's example: %v, want none", got)
	}
	tests := map[string]struct {
		body, pointer string
	}{
		"value member":     {`{"keys":[{"name":"a","last_four":"7dc0","value":"x"}]}`, "/keys/0/value"},
		"api_key member":   {`{"keys":[{"name":"a","last_four":"7dc0","API-Key":"x"}]}`, "/keys/0/API-Key"},
		"nested secret":    {`{"keys":[{"name":"a","last_four":"7dc0","meta":{"secret_key":"x"}}]}`, "/keys/0/meta/secret_key"},
		"full key renamed": {`{"keys":[{"name":"a","last_four":"7dc0","hint":"sk_live_0123456789ab7dc0"}]}`, "/keys/0/hint"},
		"long last_four":   {`{"keys":[{"name":"a","last_four":"sk_live_0123456789ab7dc0"}]}`, "/keys/0/last_four"},
		"key in an array":  {`{"keys":[{"name":"a","last_four":"7dc0","old":["sk_test_0123456789ab7dc0"]}]}`, "/keys/0/old/0"},
	}
	for name, tt := range tests {
		keys, err := decodeKeys([]byte(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		got := keySecurityProblems(keys)
		found := false
		for _, f := range got {
			found = found || f.Pointer == tt.pointer
			if strings.Contains(f.String(), "0123456789") {
				t.Errorf("%s: failure carries the value", name)
			}
		}
		if !found {
			t.Errorf("%s: %v, want a failure at %s", name, got, tt.pointer)
		}
	}
	// A name that merely ends like last_four, with spaces, is no key.
	keys, _ = decodeKeys([]byte(`{"keys":[{"name":"Production key ending 7dc0","last_four":"7dc0"}]}`))
	if got := keySecurityProblems(keys); len(got) != 0 {
		t.Errorf("a human name was taken for a key: %v", got)
	}
}

func TestUndocumentedFields(t *testing.T) {
	v := newTestValidator(t)
	value, err := DecodeJSON([]byte(`{"keys":[{"name":"a","id":1,"scopes":["x"]},{"name":"b","id":2}],"total":2}`))
	if err != nil {
		t.Fatal(err)
	}
	got := UndocumentedFields(v.ResponseSchema(report.OpListAPIKeys, 200), value)
	want := map[string]int{"/keys/*/id": 2, "/keys/*/scopes": 1, "/total": 1}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: got %d, want %d", k, got[k], n)
		}
	}
}

// TestAFaultOnSeveralCallsIsOneLine: the same failure in two answers is
// one line naming both calls; another failure is a line of its own.
func TestAFaultOnSeveralCallsIsOneLine(t *testing.T) {
	a, b := listExchange(t, 401, "application/json", `{}`), listExchange(t, 401, "application/json", `{}`)
	b.Request.Method = http.MethodDelete
	failures := map[*Exchange][]Failure{
		a: {{Where: whereBody, Pointer: "/errors", Reason: "missing"}},
		b: {{Where: whereBody, Pointer: "/errors", Reason: "missing"}, {Where: whereStatus, Reason: "undocumented"}},
	}
	got := failuresByCall([]*Exchange{a, b}, func(ex *Exchange) []Failure { return failures[ex] })
	want := []string{
		"body /errors: missing (GET /v1/api-keys/mid_123456 -> 401, DELETE /v1/api-keys/mid_123456 -> 401)",
		"status: undocumented (DELETE /v1/api-keys/mid_123456 -> 401)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("failuresByCall = %q, want %q", got, want)
	}
}
