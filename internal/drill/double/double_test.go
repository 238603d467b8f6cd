// Package double_test holds the double's checks of the spec drill (see
// package drill): apart from the client's and the suite's, so that a
// double that no longer builds after a change leaves those to run.
package double_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
	"github.com/flexcontract/flexfactor-apikeys/internal/drill"
)

// fromFile starts the double on a data file holding k for drill.MID.
func fromFile(t *testing.T, k map[string]any) *flexapitest.Server {
	t.Helper()
	b, err := json.Marshal(map[string]any{drill.MID: []any{k}})
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
	f := drill.AddedOptional
	if f == "" {
		t.Skip("not this drill")
	}
	srv := fromFile(t, drill.Key(map[string]any{f: drill.Note}))
	if got := served(t, srv, drill.MID)[f]; got != drill.Note {
		t.Errorf("the double's listing from a data file drops %s (%v)", f, got)
	}
	keys, err := drill.List(t, flexapi.WithBaseURL(srv.URL), flexapi.WithToken(srv.IssueToken()), flexapi.WithHTTPClient(srv.HTTPClient()))
	if err != nil || keys[0][f] != drill.Note {
		t.Errorf("the client against the double: %v, %v", err, keys)
	}
}

func TestANewlyRequiredField(t *testing.T) {
	f := drill.AddedRequired
	if f == "" {
		t.Skip("not this drill")
	}
	t.Run("it refuses a data file without it", func(t *testing.T) {
		b, _ := json.Marshal(map[string]any{drill.MID: []any{drill.Key(nil)}})
		if _, err := flexapitest.ParseData("keys.json", b); err == nil {
			t.Errorf("the double's LoadData takes a key without the required %s", f)
		}
	})
	t.Run("it serves it from a data file", func(t *testing.T) {
		srv := fromFile(t, drill.Key(map[string]any{f: drill.Note}))
		if got := served(t, srv, drill.MID)[f]; got != drill.Note {
			t.Errorf("the double's listing from a data file drops %s (%v)", f, got)
		}
	})
	t.Run("it serves it or says it cannot", func(t *testing.T) {
		srv := flexapitest.NewServer()
		t.Cleanup(srv.Close)
		if v, _ := served(t, srv, flexapitest.DefaultMID)[f].(string); v == "" {
			t.Logf("%s %s: its default listing's first key has %s %q", drill.DoesNotServe, f, f, v)
		}
	})
}

func TestAFieldNoLongerRequired(t *testing.T) {
	f := drill.NoLongerRequired
	if f == "" {
		t.Skip("not this drill")
	}
	srv := fromFile(t, drill.Key(map[string]any{f: nil}))
	if got, ok := served(t, srv, drill.MID)[f]; ok {
		t.Errorf("the double's listing adds %s (%v) that the data file does not have", f, got)
	}
}

func TestAnAddedKeyType(t *testing.T) {
	typ := drill.AddedType
	if typ == "" {
		t.Skip("not this drill")
	}
	srv := flexapitest.NewServer()
	t.Cleanup(srv.Close)
	drill.CreateOfType(t, flexapitest.DefaultMID, typ, flexapi.WithBaseURL(srv.URL), flexapi.WithToken(srv.IssueToken()), flexapi.WithHTTPClient(srv.HTTPClient()))
}
