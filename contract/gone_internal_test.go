package contract

import (
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

// TestAKeyIsShownByAnyMarkOfItsIdentity: the listing after the revokes
// still shows a key listed by the name sent, by the name the create
// answered, by its id, or by its last four with a created_at of this run
// (a name the target changed without saying so); an older key that shares
// the last four is another key.
func TestAKeyIsShownByAnyMarkOfItsIdentity(t *testing.T) {
	start := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	lc := &keyLifecycle{Start: start}
	k := &createdKey{Name: "contract-x-probe-<name>", ID: "key_1", value: redact.NewKeyValue("sk_test_0123456789wxyz")}
	k.identity.names = []string{k.Name, "contract-x-probe-name"}
	listing := func(member string) *Exchange {
		return &Exchange{Status: 200, Body: []byte(`{"keys": [` + member + `]}`)}
	}
	for _, tc := range []struct {
		name, member string
		shown        bool
	}{
		{"the name sent", `{"name": "contract-x-probe-<name>", "last_four": "0000"}`, true},
		{"the name answered", `{"name": "contract-x-probe-name", "last_four": "0000"}`, true},
		{"the id", `{"name": "renamed", "id": "key_1", "last_four": "0000"}`, true},
		{"the last four, created during the run", `{"name": "renamed", "last_four": "wxyz", "created_at": "2026-12-04T03:00:05Z"}`, true},
		{"the last four, no readable created_at", `{"NAME": "renamed", "last_four": "wxyz"}`, true},
		{"the last four of an older key", `{"name": "old", "last_four": "wxyz", "created_at": "2026-11-01T00:00:00Z"}`, false},
		{"another key", `{"name": "other", "id": "key_2", "last_four": "0000", "created_at": "2026-12-04T03:00:05Z"}`, false},
	} {
		if got := lc.shownBy(listing(tc.member), k); got != tc.shown {
			t.Errorf("%s: shown %v, want %v", tc.name, got, tc.shown)
		}
	}
	if !lc.shownBy(&Exchange{Status: 200, Body: []byte(`{"data": []}`)}, k) {
		t.Errorf("a listing without keys proves the key gone")
	}
}
