package flexapitest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// TestAcceptingFaults: each accepting fault serves the one kind of request
// it accepts as valid, leaves the others to the double (its request check
// and the faults that answer after it), and Times limits it.
func TestAcceptingFaults(t *testing.T) {
	srv := flexapitest.NewServer()
	defer srv.Close()
	json := http.Header{"Content-Type": {"application/json"}}
	authed := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + srv.IssueToken()}}
	create := func(h http.Header, body string) int {
		t.Helper()
		return do(t, srv, http.MethodPost, "/v1/api-keys", h, body).status
	}
	const valid = `{"mid":"mid_a","name":"n","type":"public"}`

	srv.Inject(flexapitest.RouteCreate, flexapitest.AcceptInvalidCreate("name"))
	if got := create(authed, `{"mid":"mid_a","name":"<n>","type":"public"}`); got != http.StatusCreated {
		t.Errorf("a name with < under AcceptInvalidCreate(name): %d, want 201", got)
	}
	if got := create(authed, `{"mid":"mid_a","name":"n","type":"admin"}`); got != http.StatusBadRequest {
		t.Errorf("an unlisted type under AcceptInvalidCreate(name): %d, want 400", got)
	}
	if got := create(json, `{"mid":"mid_a","name":"<n>","type":"public"}`); got != http.StatusUnauthorized {
		t.Errorf("a name with < and no token: %d, want 401", got)
	}
	// A fault after it still answers the requests it does not accept.
	srv.Inject(flexapitest.RouteCreate, flexapitest.InternalError().OnStatus(201).Once())
	if got := create(authed, valid); got != http.StatusInternalServerError {
		t.Errorf("a valid create with a 500 injected after the accepting fault: %d, want 500", got)
	}
	srv.ClearFaults()

	srv.Inject(flexapitest.RouteCreate, flexapitest.AcceptInvalidCreate("mid").Once())
	if got := create(authed, `{"name":"n","type":"public"}`); got != http.StatusCreated || len(srv.Data()[flexapitest.AcceptedWithoutMID]) != 1 {
		t.Errorf("a create without mid: %d, %d keys for %s; want 201 and 1", got, len(srv.Data()[flexapitest.AcceptedWithoutMID]), flexapitest.AcceptedWithoutMID)
	}
	if got := create(authed, `{"name":"n","type":"public"}`); got != http.StatusBadRequest || srv.PendingFaults(flexapitest.RouteCreate) != 0 {
		t.Errorf("a second create without mid after Once: %d, want 400 and no fault left", got)
	}

	srv.Inject(flexapitest.RouteCreate, flexapitest.AcceptWithoutToken())
	if got := create(json, valid); got != http.StatusCreated {
		t.Errorf("a create without a token under AcceptWithoutToken: %d, want 201", got)
	}
	srv.Inject(flexapitest.RouteRevoke, flexapitest.AcceptWithoutToken(), flexapitest.AcceptUnknownID())
	revoke := func(h http.Header, id string) (int, string) {
		t.Helper()
		e := do(t, srv, http.MethodDelete, "/v1/api-keys/"+id, h, "")
		return e.status, string(e.body)
	}
	if got, body := revoke(nil, "key_none"); got != http.StatusNotFound || !strings.Contains(body, `"success":false`) {
		t.Errorf("a revoke without a token of an unknown id under AcceptWithoutToken: %d %s, want the 404 failure", got, body)
	}
	if got, body := revoke(authed, "key_none"); got != http.StatusOK || !strings.Contains(body, `"success":true`) {
		t.Errorf("a revoke of an unknown id under AcceptUnknownID: %d %s, want 200 success", got, body)
	}
}
