package contract

import (
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

func observationsOf(t *testing.T, mode targetMode, responses ...*Exchange) report.Observations {
	t.Helper()
	ob := NewObserver()
	for _, ex := range responses {
		ob.RecordResponse(ex)
	}
	d := report.ReportData{SpecVersion: "0.2.0", Observed: ob.Snapshot(), Verdict: report.Verdict{Kind: report.VerdictPassed}}
	return report.BuildObservations(d, mode.String(), "sandbox", nil, time.Now())
}

func answer(op string, status int, mediaType, body string) *Exchange {
	ex := &Exchange{Operation: op, Status: status, Header: map[string][]string{}, Body: []byte(body)}
	if mediaType != "" {
		ex.Header.Set("Content-Type", mediaType)
	}
	return ex
}

// Revoke answered the revoke page's way on one side and the errors page's
// on the other is one difference, with discrepancy 14's id.
func TestARevokeStatusIsOneDifference(t *testing.T) {
	double := observationsOf(t, modeDouble,
		answer(report.OpRevokeAPIKey, 200, "application/json", `{"status":"SUCCESS","success":true,"result":"x","errors":[]}`),
		answer(report.OpListAPIKeys, 200, "application/json", `{"keys":[]}`))
	live := observationsOf(t, modeLive,
		answer(report.OpRevokeAPIKey, 204, "", ``),
		answer(report.OpListAPIKeys, 200, "application/json", `{"keys":[]}`))
	changes, notes := report.DiffTargets(double, live)
	if len(changes) != 1 || len(notes) != 0 {
		t.Fatalf("changes %v, notes %v; want one change", changes, notes)
	}
	want := "responses revokeApiKey [D14]: the double answers 200 application/json; the sandbox answers 204 (none)"
	if got := report.Compare(changes[0], report.Side(double), report.Side(live)); got != want {
		t.Errorf("Compare = %q, want %q", got, want)
	}
	// A create's failure body is discrepancy 13's, a list's 401 body 4's.
	withErrors := observationsOf(t, modeLive,
		answer(report.OpCreateAPIKey, 400, "application/json", `{"errors":["x"]}`),
		answer(report.OpListAPIKeys, 401, "application/json", `{"errors":["x"]}`))
	facts := report.Facts(withErrors)
	if facts["error body createApiKey 400"].Ledger != "D13" || facts["error body listApiKeys 401"].Ledger != "D4" {
		t.Errorf("error body ledger ids: %+v", facts)
	}
}

// A key a run left on the target, a probe's included, is a change that
// matters and that names it, whatever its id.
func TestAKeyLeftOnTheTargetIsAChange(t *testing.T) {
	before := observationsOf(t, modeLive)
	after := observationsOf(t, modeLive)
	after.KeysLeft = []report.KeyLeft{{Asked: "public", Probe: ProbeCreateBadName, ID: "key_1", Reason: StillListedProblem}}
	var named []string
	for _, c := range report.Diff(before, after) {
		if c.Matters {
			named = append(named, c.String())
		}
	}
	want := "key left on the target: created public by the probe " + ProbeCreateBadName + ": absent → left"
	if len(named) != 1 || named[0] != want {
		t.Fatalf("changes that matter %q, want %q", named, want)
	}
	again := observationsOf(t, modeLive)
	again.KeysLeft = []report.KeyLeft{{Asked: "public", Probe: ProbeCreateBadName, ID: "key_2", Reason: "another"}}
	if changes := report.Diff(after, again); len(changes) != 0 {
		t.Errorf("two nights that each left the key differ: %v", changes)
	}
}
