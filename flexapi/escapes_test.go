package flexapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A server's JSON escapes do not hide a secret from the redaction: a member
// named \u0076alue is a "value", a string spelled with escapes is the string
// it decodes to, and a value quoted elsewhere in a body is redacted there
// too, also when a field of the wrong type stopped the decoding before
// "value". The canary is looked for without its first letter, which
// a body may spell \u0043.
func TestEscapesHideNoSecret(t *testing.T) {
	const short = "sk-short-CANARY7" // too short for the key-like rule
	for _, tc := range []struct{ name, route, body string }{
		{"create: escaped value name, bad created_at", "create",
			`{"id":"k1","\u0076alue":"` + short + `","created_at":"nope"}`},
		{"create: escaped value name, type a number", "create",
			`{"id":"k1","valu\u0065":"` + short + `","created_at":"2024-11-16T12:00:00Z","type":5}`},
		{"create: value quoted by a message, in escapes", "create",
			`{"id":"k1","value":"` + short + `","errors":["made sk-short-\u0043ANARY7"]}`},
		{"create: value quoted, decoding stopped before it", "create",
			`{"created_at":"nope","id":"k1","value":"` + short + `","note":"made ` + short + `"}`},
		{"create: a case variant of value beside it, decoding stopped before them", "create",
			`{"created_at":"nope","id":"k1","value":"` + short + `","VALUE":"x","note":"made ` + short + `"}`},
		{"create: a duplicate value under an escaped name", "create",
			`{"id":"k1","\u0076alue":"` + short + `","value":"x","errors":["failed"]}`},
		{"token: escaped accessToken name", "token",
			`{"\u0061ccessToken":"` + short + `","expires":"soon"}`},
		{"list: escaped token name in an error page", "list",
			`{"errors":["no"],"\u0074oken":"` + short + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			switch tc.route {
			case "create":
				k := newKeyServer(t)
				k.create = func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, http.StatusCreated, tc.body) }
				_, err = k.client(t).CreateAPIKey(context.Background(), secretKey)
			case "token":
				f := newFakeFF(t)
				f.token = func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, http.StatusOK, tc.body) }
				_, err = newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
			case "list":
				f := newFakeFF(t)
				f.list = func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, http.StatusBadRequest, tc.body) }
				_, err = newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				if s := fmt.Sprintf(verb, err); strings.Contains(s, "ANARY7") {
					t.Errorf("%s of the error shows the secret: %s", verb, s)
				}
			}
		})
	}
}
