package drill_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/contract"
	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/internal/drill"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// listing is the suite's capture of the listing of mid at base.
func listing(t testing.TB, base, token, mid string) *contract.Exchange {
	t.Helper()
	wire := contract.NewWireClient(base, 10*time.Second, 5)
	defer wire.Close()
	ex, err := wire.ListAPIKeys(context.Background(), mid, contract.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// suiteFailuresOf is what the suite's wire validation says of the listing
// of mid at base.
func suiteFailuresOf(t testing.TB, base, token, mid string) []contract.Failure {
	t.Helper()
	v, err := contract.NewValidator(base)
	if err != nil {
		t.Fatal(err)
	}
	return v.Validate(context.Background(), listing(t, base, token, mid))
}

// serve answers every list call with {"keys":[k]} and returns the base URL,
// /v1 included.
func serve(t *testing.T, k map[string]any) string {
	t.Helper()
	body, err := json.Marshal(map[string]any{"keys": []any{k}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// list lists the key k with the client.
func list(t *testing.T, k map[string]any) ([]map[string]any, error) {
	t.Helper()
	return drill.List(t, flexapi.WithBaseURL(serve(t, k)), flexapi.WithToken("drill-token-0123456789"))
}

// suiteFailures is what the suite's wire validation says of a listing of k.
func suiteFailures(t *testing.T, k map[string]any) []contract.Failure {
	t.Helper()
	return suiteFailuresOf(t, serve(t, k), "t", drill.MID)
}

// suiteAccepts fails t unless the suite takes a listing of k as the spec
// describes it: its wire validation, its count of undocumented members,
// and its comparison with what the generated client decodes.
func suiteAccepts(t *testing.T, k map[string]any, what string) {
	t.Helper()
	base := serve(t, k)
	if failures := suiteFailuresOf(t, base, "t", drill.MID); len(failures) > 0 {
		t.Errorf("the suite's wire check fails a listing %s: %v", what, failures)
	}
	v, err := contract.NewValidator(base)
	if err != nil {
		t.Fatal(err)
	}
	ex := listing(t, base, "t", drill.MID)
	body, err := contract.DecodeJSON(ex.Body)
	if err != nil {
		t.Fatal(err)
	}
	if u := contract.UndocumentedFields(v.ResponseSchema(report.OpListAPIKeys, 200), body); len(u) > 0 {
		t.Errorf("the suite counts members of a listing %s as undocumented: %v", what, u)
	}
	if losses := contract.DecodingLosses(ex); len(losses) > 0 {
		t.Errorf("the suite finds decoding losses in a listing %s: %v", what, losses)
	}
}

// clientReturns fails t unless ListAPIKeys returns the field f that a
// listed key carries.
func clientReturns(t *testing.T, f string) {
	t.Helper()
	keys, err := list(t, drill.Key(map[string]any{f: drill.Note}))
	if err != nil {
		t.Fatalf("ListAPIKeys of a key with the new %s: %v", f, err)
	}
	if got := keys[0][f]; got != drill.Note {
		t.Errorf("ListAPIKeys returned the key without its %s (%v): the client does not decode what the spec added", f, got)
	}
}

func TestAnAddedOptionalField(t *testing.T) {
	f := drill.AddedOptional
	if f == "" {
		t.Skip("not this drill")
	}
	t.Run("the client returns it", func(t *testing.T) { clientReturns(t, f) })
	t.Run("the client accepts a key without it", func(t *testing.T) {
		if _, err := list(t, drill.Key(nil)); err != nil {
			t.Errorf("ListAPIKeys of a key without the optional %s: %v", f, err)
		}
	})
	t.Run("the suite accepts it", func(t *testing.T) {
		suiteAccepts(t, drill.Key(map[string]any{f: drill.Note}), "with the optional "+f)
	})
}

func TestANewlyRequiredField(t *testing.T) {
	f := drill.AddedRequired
	if f == "" {
		t.Skip("not this drill")
	}
	t.Run("the client rejects a key without it", func(t *testing.T) {
		_, err := list(t, drill.Key(nil))
		var de *flexapi.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("ListAPIKeys of a key without the required %s: %v, want a *flexapi.DecodeError", f, err)
		}
	})
	t.Run("the client returns it", func(t *testing.T) { clientReturns(t, f) })
	t.Run("the suite flags a listing without it", func(t *testing.T) {
		failures := suiteFailures(t, drill.Key(nil))
		found := false
		for _, fl := range failures {
			found = found || strings.Contains(fl.String(), f)
		}
		if !found {
			t.Errorf("the suite's wire check of a listing without the required %s: %v, want a failure naming it", f, failures)
		}
	})
	t.Run("the suite accepts a listing with it", func(t *testing.T) {
		suiteAccepts(t, drill.Key(map[string]any{f: drill.Note}), "with the required "+f)
	})
}

func TestAFieldNoLongerRequired(t *testing.T) {
	f := drill.NoLongerRequired
	if f == "" {
		t.Skip("not this drill")
	}
	t.Run("the client accepts a key without it", func(t *testing.T) {
		keys, err := list(t, drill.Key(map[string]any{f: nil}))
		if err != nil {
			t.Fatalf("ListAPIKeys of a key without %s, no longer required: %v", f, err)
		}
		if v, ok := keys[0][f]; ok && v != "" && v != nil {
			t.Errorf("ListAPIKeys made up a %s: %v", f, v)
		}
	})
	t.Run("the suite accepts a key without it", func(t *testing.T) {
		suiteAccepts(t, drill.Key(map[string]any{f: nil}), "without "+f+", no longer required")
	})
}

func TestAnAddedKeyType(t *testing.T) {
	typ := drill.AddedType
	if typ == "" {
		t.Skip("not this drill")
	}
	base, _ := serveCreated(t, drill.Created(typ))
	t.Run("the client creates a key of it", func(t *testing.T) {
		drill.CreateOfType(t, drill.MID, typ, flexapi.WithBaseURL(base), flexapi.WithToken("drill-token-0123456789"))
	})
	t.Run("the suite takes it as a known type the Key Security note does not cover", func(t *testing.T) {
		if !slices.Contains(contract.NonSecretTypes, typ) {
			t.Errorf("contract.NonSecretTypes %v lacks the new type %s", contract.NonSecretTypes, typ)
		}
	})
	t.Run("the suite accepts a key created with it", func(t *testing.T) {
		suiteAcceptsCreated(t, base, typ, "with the new type "+typ)
	})
}

// serveCreated answers every create call with created, and returns the
// base URL, /v1 included, and the last request body it received.
func serveCreated(t *testing.T, created map[string]any) (string, func() map[string]any) {
	t.Helper()
	body, err := json.Marshal(created)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var last map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		_ = json.NewDecoder(r.Body).Decode(&last)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1", func() map[string]any { mu.Lock(); defer mu.Unlock(); return last }
}

// suiteAcceptsCreated fails t unless the suite's wire check passes the
// create answer served at base, asked for a key of type typ.
func suiteAcceptsCreated(t *testing.T, base, typ, what string) {
	t.Helper()
	wire := contract.NewWireClient(base, 10*time.Second, 5)
	defer wire.Close()
	ex, err := wire.CreateAPIKey(context.Background(), drill.MID, "drill key", typ, contract.Bearer("t"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := contract.NewValidator(base)
	if err != nil {
		t.Fatal(err)
	}
	if failures := v.Validate(context.Background(), ex); len(failures) > 0 {
		t.Errorf("the suite's wire check fails a key created %s: %v", what, failures)
	}
}

// TestAddedCreateFields: an optional field the spec adds to the create
// call's answer reaches the key CreateAPIKey returns, and one it adds to
// the request can be set on flexapi.NewAPIKey and is sent.
func TestAddedCreateFields(t *testing.T) {
	answer, request := drill.CreatedOptional, drill.RequestOptional
	if answer == "" || request == "" {
		t.Skip("not this drill")
	}
	created := drill.Created("secret")
	created[answer] = drill.Note
	base, sent := serveCreated(t, created)
	opts := []flexapi.Option{flexapi.WithBaseURL(base), flexapi.WithToken("drill-token-0123456789")}
	t.Run("the client returns the answer's and sends the request's", func(t *testing.T) {
		key, err := drill.Create(t, map[string]any{request: drill.Note}, opts...)
		if err != nil {
			t.Fatalf("CreateAPIKey with the new %s, answered with the new %s: %v", request, answer, err)
		}
		if key[answer] != drill.Note {
			t.Errorf("CreateAPIKey returned the key without its %s (%v): the client does not decode what the spec added", answer, key[answer])
		}
		if got := sent()[request]; got != drill.Note {
			t.Errorf("CreateAPIKey sent no %s set on flexapi.NewAPIKey (%v): the request is not the spec's", request, got)
		}
	})
	t.Run("the client accepts an answer without it", func(t *testing.T) {
		delete(created, answer)
		base, _ := serveCreated(t, created)
		if _, err := drill.Create(t, nil, flexapi.WithBaseURL(base), flexapi.WithToken("drill-token-0123456789")); err != nil {
			t.Errorf("CreateAPIKey answered without the optional %s: %v", answer, err)
		}
	})
	t.Run("the suite accepts it", func(t *testing.T) {
		suiteAcceptsCreated(t, base, "secret", "with the optional "+answer)
	})
}
