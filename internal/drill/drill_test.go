// Package drill_test holds the checks of the spec drill (drill_test.go at
// the module's root). The drill copies the module, changes openapi.yaml,
// runs go generate, and runs these checks in the copy with the change named
// in the environment; they are written against behaviour (a JSON round trip
// of what the client returns, the raw bytes the double serves, the suite's
// wire validation), with the field names the change gives, so that no check
// knows a field of the spec by heart. Outside the drill they skip.
package drill_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/contract"
	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// The change under drill, one at a time: the name of a string property
// the drill added to APIKey as optional, added as required (with
// minLength 1), or took out of APIKey's required list.
var (
	addedOptional    = os.Getenv("DRILL_ADDED_OPTIONAL")
	addedRequired    = os.Getenv("DRILL_ADDED_REQUIRED")
	noLongerRequired = os.Getenv("DRILL_NO_LONGER_REQUIRED")
)

const (
	mid       = "mid_drill"
	drillNote = "drill-value-1"
)

// key is a listed key as the spec before the change requires it, plus
// with's members; a nil value in with drops the member.
func key(with map[string]any) map[string]any {
	k := map[string]any{"name": "drill key", "type": "secret", "created_at": "2026-01-02T03:04:05Z",
		"last_used": nil, "last_four": "7dc0"}
	for name, v := range with {
		if v == nil {
			delete(k, name)
		} else {
			k[name] = v
		}
	}
	return k
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

// clientList lists mid at base with the client; each key comes back as the
// JSON object json.Marshal makes of it.
func clientList(t *testing.T, base string, opts ...flexapi.Option) ([]map[string]any, error) {
	t.Helper()
	if len(opts) == 0 {
		opts = []flexapi.Option{flexapi.WithBaseURL(base), flexapi.WithToken("drill-token-0123456789")}
	}
	c, err := flexapi.New(append(opts, flexapi.WithoutRetries())...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, err := c.ListAPIKeys(ctx, mid)
	if err != nil {
		return nil, err
	}
	var out struct {
		Keys []map[string]any `json:"keys"`
	}
	b, err := json.Marshal(list)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil || len(out.Keys) == 0 {
		t.Fatalf("the listing ListAPIKeys returned does not round-trip through JSON to its keys: %v, %s", err, b)
	}
	return out.Keys, nil
}

// suiteFailures is what the suite's wire validation says of the listing of
// mid at base.
func suiteFailures(t *testing.T, base, token string) []contract.Failure {
	t.Helper()
	return suiteFailuresOf(t, base, token, mid)
}

// suiteFailuresOf is suiteFailures for merchant m.
func suiteFailuresOf(t *testing.T, base, token, m string) []contract.Failure {
	t.Helper()
	v, err := contract.NewValidator(base)
	if err != nil {
		t.Fatal(err)
	}
	wire := contract.NewWireClient(base, 10*time.Second, 5)
	defer wire.Close()
	ex, err := wire.ListAPIKeys(context.Background(), m, contract.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return v.Validate(context.Background(), ex)
}

// suiteAccepts fails t unless the suite takes the listing at base as the
// spec describes it: its wire validation, its count of undocumented
// members, and its comparison with what the generated client decodes.
func suiteAccepts(t *testing.T, base, what string) {
	t.Helper()
	if failures := suiteFailures(t, base, "t"); len(failures) > 0 {
		t.Errorf("the suite's wire check fails a listing %s: %v", what, failures)
	}
	v, err := contract.NewValidator(base)
	if err != nil {
		t.Fatal(err)
	}
	wire := contract.NewWireClient(base, 10*time.Second, 5)
	defer wire.Close()
	ex, err := wire.ListAPIKeys(context.Background(), mid, contract.Bearer("t"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := contract.DecodeJSON(ex.Body)
	if err != nil {
		t.Fatal(err)
	}
	if u := contract.UndocumentedFields(v.ResponseSchema(contract.OpListAPIKeys, 200), body); len(u) > 0 {
		t.Errorf("the suite counts members of a listing %s as undocumented: %v", what, u)
	}
	if losses := contract.DecodingLosses(ex); len(losses) > 0 {
		t.Errorf("the suite finds decoding losses in a listing %s: %v", what, losses)
	}
}

// doubleFromFile starts the double on a data file holding k for mid.
func doubleFromFile(t *testing.T, k map[string]any) *flexapitest.Server {
	t.Helper()
	b, err := json.Marshal(map[string]any{mid: []any{k}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := flexapitest.LoadData(path)
	if err != nil {
		t.Fatalf("the double refuses a data file with a key the changed spec allows: %v", err)
	}
	srv := flexapitest.NewServer(flexapitest.WithData(d))
	t.Cleanup(srv.Close)
	return srv
}

// served is the first key of the listing the double serves for m, as sent.
func served(t *testing.T, srv *flexapitest.Server, m string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api-keys/"+m, nil)
	req.Header.Set("Authorization", "Bearer "+srv.IssueToken())
	req.Header.Set("Accept", "application/json")
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Keys []map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != 200 || len(list.Keys) == 0 {
		t.Fatalf("the double's listing of %s: status %d, %d keys, %v", m, resp.StatusCode, len(list.Keys), err)
	}
	return list.Keys[0]
}

func TestAnAddedOptionalField(t *testing.T) {
	f := addedOptional
	if f == "" {
		t.Skip("not this drill")
	}
	t.Run("the client returns it", func(t *testing.T) {
		keys, err := clientList(t, serve(t, key(map[string]any{f: drillNote})))
		if err != nil {
			t.Fatalf("ListAPIKeys of a key with the new optional %s: %v", f, err)
		}
		if got := keys[0][f]; got != drillNote {
			t.Errorf("ListAPIKeys returned the key without its %s (%v): the client does not decode what the spec added", f, got)
		}
	})
	t.Run("the client accepts a key without it", func(t *testing.T) {
		if _, err := clientList(t, serve(t, key(nil))); err != nil {
			t.Errorf("ListAPIKeys of a key without the optional %s: %v", f, err)
		}
	})
	t.Run("the double serves it from a data file", func(t *testing.T) {
		srv := doubleFromFile(t, key(map[string]any{f: drillNote}))
		if got := served(t, srv, mid)[f]; got != drillNote {
			t.Errorf("the double's listing drops %s (%v)", f, got)
		}
		if failures := suiteFailures(t, srv.URL, srv.IssueToken()); len(failures) > 0 {
			t.Errorf("the suite's wire check fails the double's listing with %s: %v", f, failures)
		}
		keys, err := clientList(t, "", flexapi.WithBaseURL(srv.URL), flexapi.WithToken(srv.IssueToken()), flexapi.WithHTTPClient(srv.HTTPClient()))
		if err != nil || keys[0][f] != drillNote {
			t.Errorf("the client against the double: %v, %s = %v", err, f, keys)
		}
	})
	t.Run("the suite accepts it", func(t *testing.T) {
		suiteAccepts(t, serve(t, key(map[string]any{f: drillNote})), "with the optional "+f)
	})
}

func TestANewlyRequiredField(t *testing.T) {
	f := addedRequired
	if f == "" {
		t.Skip("not this drill")
	}
	t.Run("the client rejects a key without it", func(t *testing.T) {
		_, err := clientList(t, serve(t, key(nil)))
		var de *flexapi.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("ListAPIKeys of a key without the required %s: %v, want a *flexapi.DecodeError", f, err)
		}
	})
	t.Run("the client returns it", func(t *testing.T) {
		keys, err := clientList(t, serve(t, key(map[string]any{f: drillNote})))
		if err != nil || keys[0][f] != drillNote {
			t.Errorf("ListAPIKeys of a key with the required %s: %v, %v", f, err, keys)
		}
	})
	t.Run("the suite flags a listing without it", func(t *testing.T) {
		failures := suiteFailures(t, serve(t, key(nil)), "t")
		found := false
		for _, fl := range failures {
			found = found || strings.Contains(fl.String(), f)
		}
		if !found {
			t.Errorf("the suite's wire check of a listing without the required %s: %v, want a failure naming it", f, failures)
		}
	})
	t.Run("the suite accepts a listing with it", func(t *testing.T) {
		suiteAccepts(t, serve(t, key(map[string]any{f: drillNote})), "with the required "+f)
	})
	t.Run("the double refuses a data file without it", func(t *testing.T) {
		b, _ := json.Marshal(map[string]any{mid: []any{key(nil)}})
		if _, err := flexapitest.ParseData("keys.json", b); err == nil {
			t.Errorf("the double's LoadData takes a key without the required %s", f)
		}
	})
	t.Run("the double serves it or says it cannot", func(t *testing.T) {
		srv := flexapitest.NewServer()
		t.Cleanup(srv.Close)
		if failures := suiteFailuresOf(t, srv.URL, srv.IssueToken(), flexapitest.DefaultMID); len(failures) > 0 {
			// The root test then runs the double's own tests, which must
			// fail naming f; this line (its start) tells it to.
			t.Logf("DRILL: the double does not serve %s: %v", f, failures)
		}
	})
}

func TestAFieldNoLongerRequired(t *testing.T) {
	f := noLongerRequired
	if f == "" {
		t.Skip("not this drill")
	}
	t.Run("the client accepts a key without it", func(t *testing.T) {
		keys, err := clientList(t, serve(t, key(map[string]any{f: nil})))
		if err != nil {
			t.Fatalf("ListAPIKeys of a key without %s, no longer required: %v", f, err)
		}
		if _, ok := keys[0][f]; ok && keys[0][f] != "" && keys[0][f] != nil {
			t.Errorf("ListAPIKeys made up a %s: %v", f, keys[0][f])
		}
	})
	t.Run("the suite accepts a key without it", func(t *testing.T) {
		suiteAccepts(t, serve(t, key(map[string]any{f: nil})), "without "+f+", no longer required")
	})
	t.Run("the double serves a key without it from a data file", func(t *testing.T) {
		srv := doubleFromFile(t, key(map[string]any{f: nil}))
		if got, ok := served(t, srv, mid)[f]; ok {
			t.Errorf("the double's listing adds %s (%v) that the data file does not have", f, got)
		}
		if failures := suiteFailures(t, srv.URL, srv.IssueToken()); len(failures) > 0 {
			t.Errorf("the suite's wire check fails the double's listing without %s: %v", f, failures)
		}
	})
}
