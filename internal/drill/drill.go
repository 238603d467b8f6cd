// Package drill holds the checks of the spec drill: TestSpecDrill, at the
// module's root, copies the module, changes openapi.yaml, runs go generate,
// and runs these checks in the copy with the change named in the
// environment. The client's and the suite's checks are this package's
// tests, the double's are in drill/double, so that a double that no longer
// builds after a change (which is how it may say it cannot follow one)
// leaves the others to run. The checks are written against behaviour (a
// JSON round trip of what the client returns, the bytes the double serves,
// the suite's wire validation), with the field names the change gives, so
// that none knows a field of the spec by heart. Outside the drill they
// skip: the spec they check for is not this tree's.
package drill

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// The change under drill, one at a time: the name of a string property
// the drill added to APIKey as optional, added as required (with
// minLength 1), or took out of APIKey's required list; a key type the
// drill added to the enums of APIKeyType and NewAPIKeyType; or the names
// of the optional string properties it added to the create call's answer
// (CreatedAPIKey) and request (CreateAPIKeyRequest), together.
var (
	AddedOptional    = os.Getenv("DRILL_ADDED_OPTIONAL")
	AddedRequired    = os.Getenv("DRILL_ADDED_REQUIRED")
	NoLongerRequired = os.Getenv("DRILL_NO_LONGER_REQUIRED")
	AddedType        = os.Getenv("DRILL_ADDED_TYPE")
	CreatedOptional  = os.Getenv("DRILL_CREATED_OPTIONAL")
	RequestOptional  = os.Getenv("DRILL_REQUEST_OPTIONAL")
)

// Created is the create call's answer for a key of type typ, as the spec
// before the change requires it.
func Created(typ string) map[string]any {
	return map[string]any{"id": "key_drill", "mid": MID, "name": "drill key", "type": typ,
		"value": "drill_value_0123456789abcdef", "created_at": "2026-01-02T03:04:05Z", "errors": []any{}}
}

const (
	// MID is the merchant the checks list.
	MID = "mid_drill"
	// Note is the value the checks give the field under drill.
	Note = "drill-value-1"
)

// DoesNotServe starts the line the double's checks log when its default
// listing lacks a newly required field: the root test then runs the
// double's own tests, which must fail naming it. This package imports
// neither the double nor the suite, so that either failing to build after
// a change leaves the other's checks to run.
const DoesNotServe = "DRILL: the double does not serve"

// Key is a listed key as the spec before the change requires it, plus
// with's members; a nil value in with drops the member.
func Key(with map[string]any) map[string]any {
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

// List lists MID with a client made of opts; each key comes back as the
// JSON object json.Marshal makes of it.
func List(t testing.TB, opts ...flexapi.Option) ([]map[string]any, error) {
	t.Helper()
	c, ctx := client(t, opts)
	list, err := c.ListAPIKeys(ctx, MID)
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

// CreateOfType creates a key of type typ for mid with a client made of opts
// and fails t unless the client returns it with that type.
func CreateOfType(t testing.TB, mid, typ string, opts ...flexapi.Option) {
	t.Helper()
	key, err := Create(t, map[string]any{"mid": mid, "type": typ}, opts...)
	if err != nil || key["type"] != typ {
		t.Errorf("CreateAPIKey of a key of the new type %s: %v, %v", typ, err, key)
	}
}

// Create creates a key for MID with a client made of opts: a secret key
// named "drill key", with's members set on the flexapi.NewAPIKey (through
// JSON, so that no check names a field by heart). The key comes back as
// the JSON object json.Marshal makes of it.
func Create(t testing.TB, with map[string]any, opts ...flexapi.Option) (map[string]any, error) {
	t.Helper()
	asked := map[string]any{"mid": MID, "name": "drill key", "type": "secret"}
	maps.Copy(asked, with)
	var key flexapi.NewAPIKey
	if b, err := json.Marshal(asked); err != nil || json.Unmarshal(b, &key) != nil {
		t.Fatalf("flexapi.NewAPIKey does not take %v", asked)
	}
	c, ctx := client(t, opts)
	created, err := c.CreateAPIKey(ctx, key)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	b, err := json.Marshal(created)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		t.Fatalf("the key CreateAPIKey returned does not round-trip through JSON: %v", err)
	}
	return out, nil
}

// client is a client made of opts, without retries, and a context of ten
// seconds for its call; both end with t.
func client(t testing.TB, opts []flexapi.Option) (*flexapi.Client, context.Context) {
	t.Helper()
	c, err := flexapi.New(append(opts, flexapi.WithMaxAttempts(1))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c, ctx
}
