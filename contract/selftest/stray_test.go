package selftest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/contract"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// TestAStrayKeyTheListingCannotShowGoneIsLeft: a create probe the double
// accepts makes a key under another name (the name probe's, without < and
// >) or for another merchant (the probe without mid), and the double
// ignores the revoke of it. The listing of the run's merchant never shows
// that key by the name the probe sent, so its absence proves nothing: the
// key must be in observations.json's keysLeft and the hand-removal list,
// with its id.
func TestAStrayKeyTheListingCannotShowGoneIsLeft(t *testing.T) {
	for _, tc := range []struct {
		probe string
		field string
	}{
		{contract.ProbeCreateBadName, "name"},
		{contract.ProbeCreateNoMID, "mid"},
	} {
		t.Run(tc.probe, func(t *testing.T) {
			t.Parallel()
			srv := newCanaryDouble(t, flexapitest.WithRevokeIgnored())
			srv.Inject(flexapitest.RouteCreate, flexapitest.AcceptInvalidCreate(tc.field))
			r, secrets := runSuite(t, srv, staticToken, lifecycleOn)
			if r.exitCode == 0 {
				t.Fatalf("the run passed\n%s", r.output)
			}
			if n := runKeysLeft(t, srv); n != 3 {
				t.Fatalf("the double holds %d of the run's keys, want 3 (two of the lifecycle, the probe's)", n)
			}
			var stray *report.KeyLeft
			for _, l := range readObservations(t, r).KeysLeft {
				if l.Probe == tc.probe {
					stray = &l
				}
			}
			if stray == nil || stray.ID == "" {
				t.Fatalf("observations.json's keysLeft lacks the key %s made, with its id: %s", tc.probe, r.observations)
			}
			if !strings.Contains(r.report, "(id "+stray.ID+")") || !strings.Contains(r.output, "(id "+stray.ID+")") {
				t.Errorf("the hand-removal list does not name id %s", stray.ID)
			}
			assertClean(t, r, secrets...)
		})
	}
}

// TestALongKeyIDIsShownInTheHandRemovalList: the redactor hides runs of 32
// or more key characters, the shape of a key's value; an id the create call
// answered is no secret, and a key that is left must be named by it, however
// long. The double here answers every create with a 44-character id and
// fails every revoke, so both keys are left.
func TestALongKeyIDIsShownInTheHandRemovalList(t *testing.T) {
	id := "key_" + strings.Repeat("0123456789", 4)
	srv := newCanaryDouble(t)
	srv.Inject(flexapitest.RouteCreate, flexapitest.SetField("id", id).OnStatus(http.StatusOK, http.StatusCreated).Always())
	srv.Inject(flexapitest.RouteRevoke, flexapitest.InternalError().Always())
	r, secrets := runSuite(t, srv, staticToken, lifecycleOn)
	if r.exitCode == 0 {
		t.Fatalf("the run passed\n%s", r.output)
	}
	if !strings.Contains(r.report, "(id "+id+")") || !strings.Contains(r.output, "(id "+id+")") {
		t.Errorf("the hand-removal list does not name id %s:\n%s", id, r.report)
	}
	assertClean(t, r, secrets...)
}
