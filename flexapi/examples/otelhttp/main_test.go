package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// TestSpansAreNamedByRoute: one client span per request, the token
// exchange's included, each named by its method and route template; no
// name holds the mid or a key id.
func TestSpansAreNamedByRoute(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	want := "POST /v1/oauth2/token 200\n" +
		"GET /v1/api-keys/{id} 200\n" +
		"POST /v1/api-keys 201\n" +
		"DELETE /v1/api-keys/{id} 200\n"
	if got := out.String(); got != want {
		t.Errorf("spans:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(out.String(), flexapitest.DefaultMID) || strings.Contains(out.String(), "key_") {
		t.Errorf("a span is named by an id: %s", out.String())
	}
}
