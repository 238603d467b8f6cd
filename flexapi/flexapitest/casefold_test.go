package flexapitest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// The request check reads member names as the spec writes them and
// encoding/json does not: {"name": "ok", "NAME": "<b>"} passes the check
// (an undeclared member is allowed) and would store "<b>". The double acts
// on the members the check saw, so a case variant reaches no key.
func TestACaseVariantMemberReachesNoKey(t *testing.T) {
	srv, _ := newFake(t, flexapitest.WithResponseValidation())
	h := bearer(srv.IssueToken())
	h.Set("Content-Type", "application/json")
	e := do(t, srv, http.MethodPost, "/v1/api-keys", h, `{"mid":"mid_fold","name":"ok","type":"secret","NAME":"<b>","TYPE":"bogus"}`)
	if e.status != http.StatusCreated {
		t.Fatalf("create: %s %s", e, e.body)
	}
	if strings.Contains(string(e.body), "<b>") || strings.Contains(string(e.body), "bogus") {
		t.Errorf("the created key holds a case variant's value: %s", e.body)
	}
	l := do(t, srv, http.MethodGet, "/v1/api-keys/mid_fold", bearer(srv.IssueToken()), "")
	if l.status != http.StatusOK || !strings.Contains(string(l.body), `"name":"ok"`) {
		t.Errorf("list: %s %s", l, l.body)
	}
}
