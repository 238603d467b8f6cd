package flexapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// A 2xx token answer the client cannot use shows none of its body, whatever
// its shape: OAuth servers answer form-encoded too, and each of its members
// is a secret the redactor has no name for.
func TestAnUnusableTokenAnswerShowsNoBody(t *testing.T) {
	const canary = "CANARYtokenAnswer5"
	for _, tt := range []struct{ name, ct, body string }{
		{"form-encoded", "application/x-www-form-urlencoded", "access_token=" + canary + "&refresh_token=" + canary + "&expires_in=60"},
		{"JSON as text/plain", "text/plain", `{"accessToken":"` + canary + `","refreshToken":"` + canary + `","expires":1}`},
		{"JSON then more", "application/json", `{"accessToken":"a","refreshToken":"r","expires":1} ` + canary},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := listFrom(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ct)
				w.Write([]byte(tt.body))
			}, flexapi.WithCredentials("app-key", "app-secret"))
			var ae *flexapi.AuthError
			var de *flexapi.DecodeError
			if !errors.As(err, &ae) || !errors.As(err, &de) {
				t.Fatalf("got %T %v, want an *AuthError around a *DecodeError", err, err)
			}
			for _, verb := range []string{"%v", "%+v", "%#v"} {
				if out := fmt.Sprintf(verb, err) + fmt.Sprintf(verb, de); strings.Contains(out, canary) {
					t.Errorf("%s shows the token answer: %s", verb, out)
				}
			}
		})
	}
}

// An error answer that carries a secret in a member named for one, and
// repeats it in a message, shows it in neither.
func TestAnErrorAnswersSecretMemberHidesItInTheMessages(t *testing.T) {
	const canary = "CANARY-tok-5x"
	err := listFrom(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"errors":["token ` + canary + ` is not valid"],"accessToken":"` + canary + `"}`))
	}, flexapi.WithCredentials("app-key", "app-secret"))
	var ae *flexapi.APIError
	if !errors.As(err, &ae) || len(ae.Messages) != 1 {
		t.Fatalf("got %T %v, want an *APIError with one message", err, err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		if out := fmt.Sprintf(verb, err) + fmt.Sprintf(verb, ae); strings.Contains(out, canary) {
			t.Errorf("%s shows the secret: %s", verb, out)
		}
	}
}
