package flexapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// valueCanary is a key value the tests' servers send: no output may hold
// any of it beyond its last four characters.
const (
	valueCanary = "sk_test_CANARYvalue0123456789XYZw"
	canaryPart  = "CANARYvalue"
)

// keyServer is a loopback server whose create and revoke answers a test
// writes; it counts each route's requests and accepts staticTok only.
type keyServer struct {
	srv              *httptest.Server
	creates, revokes atomic.Int32
	create, revoke   func(w http.ResponseWriter, r *http.Request, n int)
}

func newKeyServer(t *testing.T) *keyServer {
	t.Helper()
	k := &keyServer{}
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+staticTok {
			writeJSON(w, http.StatusUnauthorized, unauthorized)
			return
		}
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/api-keys":
			k.create(w, r, int(k.creates.Add(1)))
		case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v1/api-keys/"):
			k.revoke(w, r, int(k.revokes.Add(1)))
		default:
			writeJSON(w, http.StatusNotFound, `{"errors": ["no such route"]}`)
		}
	}))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *keyServer) client(t *testing.T, opts ...flexapi.Option) *flexapi.Client {
	t.Helper()
	c, err := flexapi.New(append([]flexapi.Option{flexapi.WithBaseURL(k.srv.URL + "/v1"), flexapi.WithToken(staticTok), fastRetries}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// createdBody is a create answer for valueCanary, with the given id.
func createdBody(id string) string {
	idField := ""
	if id != "" {
		idField = fmt.Sprintf(`"id": %q, `, id)
	}
	return `{` + idField + `"type": "secret", "value": "` + valueCanary + `", "mid": "mid_123456", "name": "k",
  "scopes": ["customers:read"], "created_at": "2024-11-16T12:00:00Z", "errors": []}`
}

var secretKey = flexapi.NewAPIKey{MID: exampleMID, Name: "contract-run-secret", Type: flexapi.NewAPIKeyTypeSecret, Scopes: []string{"customers:read"}}

func TestCreateListAndRevokeAgainstTheDouble(t *testing.T) {
	clock := flexapitest.NewFakeClock(time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC))
	srv := flexapitest.NewServer(flexapitest.WithClock(clock.Now))
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()

	for _, typ := range []flexapi.NewAPIKeyType{flexapi.NewAPIKeyTypeSecret, flexapi.NewAPIKeyTypePublic} {
		key, err := c.CreateAPIKey(ctx, flexapi.NewAPIKey{MID: exampleMID, Name: "contract-" + string(typ), Type: typ})
		if err != nil {
			t.Fatalf("CreateAPIKey(%s): %v", typ, err)
		}
		if key.ID == "" || key.MID != exampleMID || key.Type != flexapi.APIKeyType(typ) || !key.CreatedAt.Equal(clock.Now()) {
			t.Errorf("created %+v", key)
		}
		list, err := c.ListAPIKeys(ctx, exampleMID)
		if err != nil {
			t.Fatal(err)
		}
		last := list.Keys[len(list.Keys)-1]
		if last.Name != key.Name || last.LastFour != key.Value.LastFour() || last.LastUsed != nil {
			t.Errorf("listed %+v for a key whose value ends %q", last, key.Value.LastFour())
		}
		if err := c.RevokeAPIKey(ctx, key.ID); err != nil {
			t.Fatalf("RevokeAPIKey: %v", err)
		}
		if list, err := c.ListAPIKeys(ctx, exampleMID); err != nil || len(list.Keys) != 2 {
			t.Errorf("after revoke: %d keys, %v; want the two seeded", len(list.Keys), err)
		}
		var apiErr *flexapi.APIError
		err = c.RevokeAPIKey(ctx, key.ID)
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound || fmt.Sprint(apiErr.Messages) != "[Key not found.]" {
			t.Errorf("a second revoke: %v, want the 404 failure as an *APIError", err)
		}
	}
}

// TestKeyValuePrintsOnlyItsLastFour: no fmt verb, on the key, a pointer, a
// copy, a slice or a struct holding it in an unexported field, nor JSON,
// shows more than the last four characters; Reveal gives the value.
func TestKeyValuePrintsOnlyItsLastFour(t *testing.T) {
	k := newKeyServer(t)
	k.create = func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusCreated, createdBody("key_1"))
	}
	key, err := k.client(t).CreateAPIKey(context.Background(), secretKey)
	if err != nil {
		t.Fatal(err)
	}
	if key.Value.Reveal() != valueCanary || key.Value.LastFour() != "XYZw" {
		t.Fatalf("Reveal/LastFour do not give the value")
	}
	cp := *key
	type holder struct{ k flexapi.CreatedAPIKey }
	for _, v := range []any{key, *key, cp, key.Value, &key.Value, []flexapi.CreatedAPIKey{cp}, []*flexapi.CreatedAPIKey{key},
		map[string]flexapi.KeyValue{"k": key.Value}, holder{cp}, &holder{cp}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%T %d"} {
			if out := fmt.Sprintf(verb, v, v); strings.Contains(out, canaryPart) {
				t.Errorf("fmt %s of %T shows the value: %s", verb, v, out)
			}
		}
		b, _ := json.Marshal(v)
		if strings.Contains(string(b), canaryPart) {
			t.Errorf("JSON of %T shows the value: %s", v, b)
		}
	}
	if got := fmt.Sprint(key.Value); got != "[REDACTED]…XYZw" {
		t.Errorf("the value prints %q, want its last four behind a mask", got)
	}
}

// TestCreateIsNeverRetriedOnceSent: an answer that may come after the key
// was made ends the call with that answer; only a 401 (nothing made) is
// retried, with a new token.
func TestCreateIsNeverRetriedOnceSent(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(w http.ResponseWriter)
	}{
		{"429", func(w http.ResponseWriter) { writeJSON(w, 429, `{"errors": ["slow down"]}`) }},
		{"503 with Retry-After", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			writeJSON(w, 503, `{"errors": ["down"]}`)
		}},
		{"502", func(w http.ResponseWriter) { writeJSON(w, 502, `<html>bad gateway</html>`) }},
		{"a hang-up", hangUp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKeyServer(t)
			k.create = func(w http.ResponseWriter, _ *http.Request, n int) {
				if n == 1 {
					tc.fail(w)
					return
				}
				writeJSON(w, http.StatusCreated, createdBody("key_1"))
			}
			key, err := k.client(t, flexapi.WithMaxAttempts(5)).CreateAPIKey(context.Background(), secretKey)
			if err == nil || key != nil {
				t.Errorf("CreateAPIKey succeeded: it sent the request again")
			}
			if got := k.creates.Load(); got != 1 {
				t.Errorf("%d create requests, want 1", got)
			}
		})
	}
	t.Run("a 401 is tried once more with a new token", func(t *testing.T) {
		f := newFakeFF(t)
		var creates atomic.Int32
		mux := http.NewServeMux()
		mux.HandleFunc("POST /v1/oauth2/token", func(w http.ResponseWriter, r *http.Request) { f.issueToken(w, r, int(f.tokenCalls.Add(1))) })
		mux.HandleFunc("POST /v1/api-keys", func(w http.ResponseWriter, r *http.Request) {
			if creates.Add(1) == 1 || !f.authorized(r) {
				writeJSON(w, http.StatusUnauthorized, unauthorized)
				return
			}
			writeJSON(w, http.StatusCreated, createdBody("key_1"))
		})
		srv := httptest.NewServer(mux)
		defer srv.Close()
		c, err := flexapi.New(flexapi.WithBaseURL(srv.URL+"/v1"), flexapi.WithCredentials(appKey, appSecret), fastRetries)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		if _, err := c.CreateAPIKey(context.Background(), secretKey); err != nil {
			t.Errorf("CreateAPIKey: %v", err)
		}
		if creates.Load() != 2 || f.tokenCalls.Load() != 2 {
			t.Errorf("%d creates and %d token calls, want 2 and 2", creates.Load(), f.tokenCalls.Load())
		}
	})
}

func TestCreateFailuresAreAPIErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		messages   string
	}{
		{"the page's failure body", `{"type": null, "value": null, "name": null, "scopes": null, "created_at": null, "errors": ["The merchant was not found."]}`, 409, "[The merchant was not found.]"},
		{"the failure body at 200", `{"type": null, "value": null, "errors": ["No permission."]}`, 200, "[No permission.]"},
		{"success false at 201", `{"success": false, "errors": []}`, 201, "[]"},
		{"a failure that echoes the value", `{"value": "` + valueCanary + `", "errors": ["Duplicate key ` + valueCanary + `."]}`, 200, "[Duplicate key [REDACTED].]"},
		{"a ModelState 400", `{"title": "One or more validation errors occurred.", "errors": {"name": ["The name field must not contain < or >."]}}`, 400, "[One or more validation errors occurred.]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKeyServer(t)
			k.create = func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, tc.status, tc.body) }
			key, err := k.client(t).CreateAPIKey(context.Background(), secretKey)
			var apiErr *flexapi.APIError
			if key != nil || !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || fmt.Sprint(apiErr.Messages) != tc.messages {
				t.Fatalf("got %v, %v; want an *APIError %d with %s", key, err, tc.status, tc.messages)
			}
			assertNoSecret(t, err, canaryPart)
		})
	}
}

// TestCreateWithoutIDReturnsTheKey: the key exists but cannot be revoked;
// the caller gets what names it, and an error that says so.
func TestCreateWithoutIDReturnsTheKey(t *testing.T) {
	k := newKeyServer(t)
	k.create = func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, http.StatusOK, createdBody("")) }
	key, err := k.client(t).CreateAPIKey(context.Background(), secretKey)
	if !errors.Is(err, flexapi.ErrNoKeyID) || !errors.Is(err, flexapi.ErrMalformedResponse) {
		t.Fatalf("error %v: want ErrNoKeyID and ErrMalformedResponse", err)
	}
	if key == nil || key.ID != "" || key.Name != "k" || key.Value.LastFour() != "XYZw" {
		t.Errorf("key %v: want the key without id", key)
	}
	assertNoSecret(t, err, canaryPart)
}

func TestRevokeAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter)
		ok     bool
		status int
	}{
		{"the revoke page's 200", func(w http.ResponseWriter) {
			writeJSON(w, 200, `{"status": "SUCCESS", "success": true, "result": "Revoked.", "errors": []}`)
		}, true, 0},
		{"the errors page's 204", func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }, true, 0},
		{"a failure at 200", func(w http.ResponseWriter) {
			writeJSON(w, 200, `{"status": "FAILED", "success": false, "result": null, "errors": ["No permission."]}`)
		}, false, 200},
		{"a failure at 404", func(w http.ResponseWriter) {
			writeJSON(w, 404, `{"status": "FAILED", "success": false, "result": null, "errors": ["Key not found."]}`)
		}, false, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKeyServer(t)
			k.revoke = func(w http.ResponseWriter, r *http.Request, _ int) {
				if r.URL.EscapedPath() != "/v1/api-keys/key%2F1" {
					writeJSON(w, 400, `{"errors": ["wrong path"]}`)
					return
				}
				tc.answer(w)
			}
			err := k.client(t).RevokeAPIKey(context.Background(), "key/1")
			var apiErr *flexapi.APIError
			if tc.ok && err != nil || !tc.ok && (!errors.As(err, &apiErr) || apiErr.StatusCode != tc.status) {
				t.Errorf("error %v: want ok=%t or an *APIError %d", err, tc.ok, tc.status)
			}
		})
	}
	t.Run("an HTML 200 is a DecodeError", func(t *testing.T) {
		k := newKeyServer(t)
		k.revoke = func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.WriteHeader(200)
			_, _ = w.Write([]byte("<html>ok</html>"))
		}
		if err := k.client(t).RevokeAPIKey(context.Background(), "key_1"); !errors.Is(err, flexapi.ErrMalformedResponse) {
			t.Errorf("error %v, want ErrMalformedResponse", err)
		}
	})
	t.Run("a 200 over the cap is a DecodeError", func(t *testing.T) {
		k := newKeyServer(t)
		k.revoke = func(w http.ResponseWriter, _ *http.Request, _ int) {
			writeJSON(w, 200, `{"success": true, "result": "`+strings.Repeat("x", 2048)+`"}`)
		}
		err := k.client(t, flexapi.WithMaxBodyBytes(1024)).RevokeAPIKey(context.Background(), "key_1")
		var decErr *flexapi.DecodeError
		if !errors.As(err, &decErr) || !errors.Is(err, flexapi.ErrBodyTooLarge) || strings.Count(err.Error(), "flexapi:") != 1 {
			t.Errorf("error %v, want a *DecodeError that matches ErrBodyTooLarge", err)
		}
	})
}

// TestRevokeRetriesLikeTheList: a DELETE repeated leaves the key revoked,
// so transient failures are tried again.
func TestRevokeRetriesLikeTheList(t *testing.T) {
	k := newKeyServer(t)
	k.revoke = func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			writeJSON(w, 503, `{"errors": ["down"]}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	if err := k.client(t).RevokeAPIKey(context.Background(), "key_1"); err != nil || k.revokes.Load() != 2 {
		t.Errorf("error %v after %d revokes, want success after 2", err, k.revokes.Load())
	}
}

func TestInvalidKeyRequestsSendNothing(t *testing.T) {
	k := newKeyServer(t)
	c := k.client(t)
	ctx := context.Background()
	for _, tc := range []struct {
		key  flexapi.NewAPIKey
		want error
	}{
		{flexapi.NewAPIKey{MID: " ", Name: "k", Type: flexapi.NewAPIKeyTypeSecret}, flexapi.ErrInvalidMID},
		{flexapi.NewAPIKey{MID: exampleMID, Name: "<b>", Type: flexapi.NewAPIKeyTypeSecret}, flexapi.ErrInvalidKeyRequest},
		{flexapi.NewAPIKey{MID: exampleMID, Name: "", Type: flexapi.NewAPIKeyTypeSecret}, flexapi.ErrInvalidKeyRequest},
		{flexapi.NewAPIKey{MID: exampleMID, Name: "k", Type: "publishable"}, flexapi.ErrInvalidKeyRequest},
	} {
		if _, err := c.CreateAPIKey(ctx, tc.key); !errors.Is(err, tc.want) {
			t.Errorf("CreateAPIKey(%+v): %v, want %v", tc.key, err, tc.want)
		}
	}
	for _, id := range []string{"", " ", ".", "..", "a\nb"} {
		if err := c.RevokeAPIKey(ctx, id); !errors.Is(err, flexapi.ErrInvalidKeyID) {
			t.Errorf("RevokeAPIKey(%q): %v, want ErrInvalidKeyID", id, err)
		}
	}
	if _, err := c.CreateAPIKey(nil, secretKey); err == nil {
		t.Error("CreateAPIKey accepted a nil context")
	}
	if n := k.creates.Load() + k.revokes.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestCreateAndRevokeHaveTheListLimits: the size cap and the timeout bound
// both calls as they bound the list call.
func TestCreateAndRevokeHaveTheListLimits(t *testing.T) {
	k := newKeyServer(t)
	k.create = func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusCreated, `{"id": "key_1", "value": "`+strings.Repeat("x", 4096)+`"}`)
	}
	stall := make(chan struct{})
	defer close(stall)
	k.revoke = func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-stall:
		case <-r.Context().Done():
		}
	}
	c := k.client(t, flexapi.WithMaxBodyBytes(1024), flexapi.WithTimeout(200*time.Millisecond), flexapi.WithMaxAttempts(1))
	if _, err := c.CreateAPIKey(context.Background(), secretKey); !errors.Is(err, flexapi.ErrBodyTooLarge) {
		t.Errorf("create: %v, want ErrBodyTooLarge", err)
	}
	start := time.Now()
	if err := c.RevokeAPIKey(context.Background(), "key_1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("revoke: %v, want the deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("revoke took %s", d)
	}
}
