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

// schemaCanary marks every value below: kin-openapi appends the offending
// value (and the schema) to its messages unless told not to.
const schemaCanary = "CANARYschema7Qx"

// TestSchemaErrorsQuoteNoValue: a value that breaks the spec's schema is
// named by its member and the rule, never by what it is. The cause of a
// *DecodeError holds no value of the body at all; the excerpt beside it is
// the redacted body, as for any other malformed answer.
func TestSchemaErrorsQuoteNoValue(t *testing.T) {
	const good = `"name": "K", "type": "secret", "created_at": "2024-11-16T12:00:00Z", "last_used": null`
	c := schemaCanary
	for _, tc := range []struct{ name, body, want string }{
		{"a long last_four", `{"keys": [{` + good + `, "last_four": "` + c + `"}]}`, `"last_four": maximum string length is 4`},
		{"a date-time that is not one", `{"keys": [{"name": "K", "type": "secret", "created_at": "` + c + `", "last_used": null, "last_four": "abcd"}]}`, `"created_at" is not an RFC 3339 date-time`},
		{"last_used not a date-time", `{"keys": [{"name": "K", "type": "secret", "created_at": "2024-11-16T12:00:00Z", "last_used": "2024-11-16T12:00:00Z` + c + `", "last_four": "abcd"}]}`, `"last_used" is not an RFC 3339 date-time`},
		{"an object for a name", `{"keys": [{"name": {"` + c + `": "` + c + `"}, "type": "secret", "created_at": "2024-11-16T12:00:00Z", "last_used": null, "last_four": "abcd"}]}`, `"name": value must be a string`},
		{"a string for a key", `{"keys": ["` + c + `"]}`, `key 0: value must be an object`},
		{"a string for the keys", `{"keys": "` + c + `"}`, `"keys": value must be an array`},
	} {
		t.Run("list: "+tc.name, func(t *testing.T) {
			f := newFakeFF(t)
			f.list = func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, http.StatusOK, tc.body) }
			_, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
			var de *flexapi.DecodeError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v: want a *DecodeError saying %q", err, tc.want)
			}
			for _, verb := range []string{"%v", "%+v", "%#v"} {
				if out := fmt.Sprintf(verb, de.Err); strings.Contains(out, c) {
					t.Errorf("the cause (%s) quotes the value: %s", verb, out)
				}
			}
		})
	}

	// The token answer's values are secrets: nothing of them may show
	// anywhere in the error.
	for _, tc := range []struct{ name, body, want string }{
		{"an expiry that is not a number", `{"accessToken": "` + c + `", "refreshToken": "` + c + `", "expires": "` + c + `"}`, `"expires": value must be an integer`},
		{"a refresh token that is not a string", `{"accessToken": "` + c + `", "refreshToken": ["` + c + `"], "expires": 1732017600000}`, `"refreshToken": value must be a string`},
		{"an empty access token", `{"accessToken": "", "refreshToken": "` + c + `", "expires": 1732017600000}`, `"accessToken": minimum string length is 1`},
	} {
		t.Run("token: "+tc.name, func(t *testing.T) {
			f := newFakeFF(t)
			f.token = func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, http.StatusOK, tc.body) }
			_, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
			var ae *flexapi.AuthError
			var de *flexapi.DecodeError
			if !errors.As(err, &ae) || !errors.As(err, &de) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v: want an *AuthError with a *DecodeError saying %q", err, tc.want)
			}
			assertNoSecret(t, err, c)
			assertNoSecret(t, *de, c)
		})
	}
}

// TestCreationRulesFailNoListing: the name pattern is a rule for creating a
// key, and the type enum lists the values known today; neither fails a
// listing (docs/client.md, "What the client enforces"). The contract suite
// reports both.
func TestCreationRulesFailNoListing(t *testing.T) {
	f := newFakeFF(t)
	f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusOK, `{"keys": [{"name": "<b>old</b> key", "type": "restricted", "created_at": "2024-11-16T12:00:00Z", "last_used": null, "last_four": "abcd"}]}`)
	}
	list := mustList(t, newClient(t, f), exampleMID)
	if len(list.Keys) != 1 || list.Keys[0].Name != "<b>old</b> key" || list.Keys[0].Type.Valid() {
		t.Errorf("keys %+v", list.Keys)
	}
}
