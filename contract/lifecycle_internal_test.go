package contract

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

// TestLeftoversAreFoundAndSweptWhereTheListingShowsAnID: keys named like
// an earlier run's are leftovers (this run's own are not); the sweep
// revokes those the listing gives an id for and says the others need a
// person.
func TestLeftoversAreFoundAndSweptWhereTheListingShowsAnID(t *testing.T) {
	const ours = "20261126T070000Z-abcd"
	var revoked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v1/api-keys/m":
			_, _ = w.Write([]byte(`{"keys": [
  {"name": "contract-20261125T031700Z-1a2b-secret", "id": "key_old1", "type": "secret", "created_at": "2026-11-25T03:17:00Z", "last_used": null, "last_four": "ab12"},
  {"name": "contract-20261125T031700Z-1a2b-public", "type": "public", "created_at": "2026-11-25T03:17:00Z", "last_used": null, "last_four": "cd34"},
  {"name": "contract-` + ours + `-public", "id": "key_ours", "type": "public", "created_at": "2026-11-26T07:00:00Z", "last_used": null, "last_four": "ef56"},
  {"name": "contract-tomorrow-secret", "type": "secret", "created_at": "2026-11-26T07:00:00Z", "last_used": null, "last_four": "gh78"},
  {"name": "My API Key", "type": "secret", "created_at": "2024-11-16T12:00:00Z", "last_used": null, "last_four": "7dc0"}]}`))
		case r.Method == http.MethodDelete && r.URL.Path == "/v1/api-keys/key_old1":
			revoked.Add(1)
			_, _ = w.Write([]byte(`{"status": "SUCCESS", "success": true, "result": "revoked", "errors": []}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"errors": ["no"]}`))
		}
	}))
	defer srv.Close()
	r, err := newRun(config{Mode: modeLive, BaseURL: srv.URL + "/v1", Token: "token_for_the_test", MID: "m", MaxRequests: 5, RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Wire.Close()
	if err := r.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ex, err := r.Listing(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r.lifecycle = &keyLifecycle{RunID: ours}
	found := r.lifecycle.FindLeftovers(ex)
	want := []string{"contract-20261125T031700Z-1a2b-public", "contract-20261125T031700Z-1a2b-secret"}
	if !slices.Equal(r.lifecycle.Leftovers, want) {
		t.Fatalf("leftovers %q, want %q", r.lifecycle.Leftovers, want)
	}
	left := r.Sweep(context.Background(), found)
	if revoked.Load() != 1 || !slices.Equal(r.lifecycle.Swept, want[1:]) {
		t.Errorf("%d revokes, swept %q; want the one with an id", revoked.Load(), r.lifecycle.Swept)
	}
	if len(left) != 1 || !strings.Contains(left[0], want[0]) || !strings.Contains(left[0], "by hand") {
		t.Errorf("not swept: %q", left)
	}
}

// TestValueInFindsTheValueWhereverTheListingHidesIt: in a string, in a
// member's name, and in the raw bytes only (a number the decoder does not
// walk as a string).
func TestValueInFindsTheValueWhereverTheListingHidesIt(t *testing.T) {
	v := "20261126070000"
	k := &createdKey{Name: "n", value: redact.NewKeyValue(v)}
	for body, want := range map[string]string{
		`{"keys":[{"name":"n","note":"copy ` + v + `"}]}`:     "/keys/0/note",
		`{"keys":[{"name":"n","k` + v + `":true}]}`:           "/keys/0/k" + v + " (a member name)",
		`{"keys":[{"name":"n","serial":` + v + `}]}`:          "/",
		`{"keys":[{"name":"n","last_four":"0000"}]}`:          "",
		`{"keys":[{"name":"n","note":"copy ` + v[1:] + `"}]}`: "",
	} {
		got := strings.Join(valueIn(&Exchange{Status: 200, Body: []byte(body)}, k), ", ")
		if got != want {
			t.Errorf("ValueIn(%s) = %q, want %q", body, got, want)
		}
	}
}
