package flexapitest

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// withSpec changes the embedded spec's text by the given replacements and
// serves a double on it, as if openapi.yaml had changed and the double had
// not: the spec's rules reach the double's checks with no edit of its code.
func withSpec(t *testing.T, replacements ...string) *Server {
	t.Helper()
	raw, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for i := 0; i+1 < len(replacements); i += 2 {
		changed := strings.Replace(text, replacements[i], replacements[i+1], 1)
		if changed == text {
			t.Fatalf("the spec holds no %q", replacements[i])
		}
		text = changed
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(text))
	if err == nil {
		err = doc.Validate(context.Background(), openapi3.DisableExamplesValidation())
	}
	if err != nil {
		t.Fatalf("the changed spec: %v", err)
	}
	srv, err := Start(WithResponseValidation(), withErrorLog(discardLog()), func(c *config) error {
		c.doc = doc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// A key field the spec makes required, which the double does not send,
// fails its answers: the list call and the create call's answer alike.
func TestASpecChangeTheDoubleDoesNotImplementFails(t *testing.T) {
	srv := withSpec(t,
		"        - last_four\n      properties:\n", "        - last_four\n        - owner\n      properties:\n        owner:\n          type: string\n",
		"        - value\n        - created_at\n", "        - value\n        - created_at\n        - owner\n")
	tok := srv.IssueToken()
	list := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/v1/api-keys/mid_123456", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	srv.ServeHTTP(list, req)
	if list.Code != http.StatusInternalServerError || !strings.Contains(list.Body.String(), "owner") {
		t.Errorf("list: %d %s, want a 500 naming the missing owner", list.Code, list.Body)
	}
	create := httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, "/v1/api-keys", strings.NewReader(`{"mid":"m","name":"k","type":"secret"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	srv.ServeHTTP(create, req)
	if create.Code != http.StatusInternalServerError || !strings.Contains(create.Body.String(), "owner") {
		t.Errorf("create: %d %s, want a 500 naming the missing owner", create.Code, create.Body)
	}
}

// A request field the spec makes required is checked with no edit of the
// double: a create without it answers 400 naming it.
func TestASpecChangeReachesTheRequestChecks(t *testing.T) {
	srv := withSpec(t, "      required:\n        - mid\n        - name\n        - type\n", "      required:\n        - mid\n        - name\n        - type\n        - scopes\n")
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v1/api-keys", strings.NewReader(`{"mid":"m","name":"k","type":"secret"}`))
	req.Header.Set("Authorization", "Bearer "+srv.IssueToken())
	req.Header.Set("Content-Type", "application/json")
	srv.ServeHTTP(w, req)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"scopes":["The scopes field is required."]`) {
		t.Errorf("create without scopes: %d %s, want a 400 naming scopes", w.Code, w.Body)
	}
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// A format validator's error may quote the value (a time.Parse error
// does): neither the request check's 400 nor the answer check's 500 nor
// the error log carries it.
func TestFormatErrorsQuoteNoValue(t *testing.T) {
	const canary = "CANARYname0042"
	openapi3.DefineStringFormatCallback("flexapitest-echo", func(v string) error {
		return fmt.Errorf("bad value %q", v)
	})
	srv := withSpec(t,
		// APIKey.name, the listed name, just above the listed type's reference.
		"          example: My API Key\n        type:\n          $ref: '#/components/schemas/ListedAPIKeyType'",
		"          format: flexapitest-echo\n          example: My API Key\n        type:\n          $ref: '#/components/schemas/ListedAPIKeyType'",
		"          description: The name or description of the key; `<` and `>` are not allowed.\n",
		"          description: The name or description of the key; `<` and `>` are not allowed.\n          format: flexapitest-echo\n")
	if err := srv.SetKeys("m", map[string]any{"name": canary, "type": "secret", "created_at": "2024-01-01T00:00:00Z",
		"last_used": nil, "last_four": "abcd"}); err != nil {
		t.Fatal(err)
	}
	tok := srv.IssueToken()
	list := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/v1/api-keys/m", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	srv.ServeHTTP(list, req)
	create := httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, "/v1/api-keys", strings.NewReader(`{"mid":"m","name":"`+canary+`","type":"secret"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	srv.ServeHTTP(create, req)
	if list.Code != http.StatusInternalServerError || create.Code != http.StatusBadRequest {
		t.Fatalf("list %d, create %d: want 500 and 400", list.Code, create.Code)
	}
	for _, body := range []string{list.Body.String(), create.Body.String()} {
		if strings.Contains(body, canary) || !strings.Contains(body, "flexapitest-echo") {
			t.Errorf("answer %s: want the format named, not the value", body)
		}
	}
}

// A fault that leaves its answer within the spec is checked after it: with
// a spec whose listed type is an enum, the unknown type a Prefer asks for
// is caught, and the answer is the check's 500.
func TestAFaultWithinTheSpecIsChecked(t *testing.T) {
	srv := withSpec(t, "    ListedAPIKeyType:\n      type: string\n", "    ListedAPIKeyType:\n      type: string\n      enum: [secret, public, publishable, tokenization]\n")
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/v1/api-keys/mid_123456", nil)
	req.Header.Set("Authorization", "Bearer "+srv.IssueToken())
	req.Header.Set("Prefer", "unknown-type")
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "type") {
		t.Errorf("list with Prefer: unknown-type: %d %s, want the answer check's 500", rec.Code, rec.Body)
	}
}
