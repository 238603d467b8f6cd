package contract

import (
	"testing"
	"time"
)

func observationsOf(t *testing.T, mode Mode, responses ...*Exchange) Observations {
	t.Helper()
	ob := NewObserver()
	for _, ex := range responses {
		ob.RecordResponse(ex)
	}
	d := ReportData{SpecVersion: "0.2.0", Observed: ob.Snapshot(), Verdict: Verdict{Kind: VerdictPassed}}
	return BuildObservations(d, mode, "sandbox", nil, time.Now())
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
	double := observationsOf(t, ModeDouble,
		answer(OpRevokeAPIKey, 200, "application/json", `{"status":"SUCCESS","success":true,"result":"x","errors":[]}`),
		answer(OpListAPIKeys, 200, "application/json", `{"keys":[]}`))
	live := observationsOf(t, ModeLive,
		answer(OpRevokeAPIKey, 204, "", ``),
		answer(OpListAPIKeys, 200, "application/json", `{"keys":[]}`))
	changes, notes := DiffTargets(double, live)
	if len(changes) != 1 || len(notes) != 0 {
		t.Fatalf("changes %v, notes %v; want one change", changes, notes)
	}
	want := "responses revokeApiKey [D14]: the double answers 200 application/json; the sandbox answers 204 (none)"
	if got := Compare(changes[0], Side(double), Side(live)); got != want {
		t.Errorf("Compare = %q, want %q", got, want)
	}
	// A create's failure body is discrepancy 13's, a list's 401 body 4's.
	withErrors := observationsOf(t, ModeLive,
		answer(OpCreateAPIKey, 400, "application/json", `{"errors":["x"]}`),
		answer(OpListAPIKeys, 401, "application/json", `{"errors":["x"]}`))
	facts := Facts(withErrors)
	if facts["error body createApiKey 400"].Ledger != "D13" || facts["error body listApiKeys 401"].Ledger != "D4" {
		t.Errorf("error body ledger ids: %+v", facts)
	}
}

// A key a run left on the target, a probe's included, is a change that
// matters and that names it, whatever its id.
func TestAKeyLeftOnTheTargetIsAChange(t *testing.T) {
	before := observationsOf(t, ModeLive)
	after := observationsOf(t, ModeLive)
	after.KeysLeft = []KeyLeft{{Asked: "public", Probe: ProbeCreateBadName, ID: "key_1", Reason: StillListedProblem}}
	var named []string
	for _, c := range Diff(before, after) {
		if c.Matters {
			named = append(named, c.String())
		}
	}
	want := "key left on the target: created public by the probe " + ProbeCreateBadName + ": absent → left"
	if len(named) != 1 || named[0] != want {
		t.Fatalf("changes that matter %q, want %q", named, want)
	}
	again := observationsOf(t, ModeLive)
	again.KeysLeft = []KeyLeft{{Asked: "public", Probe: ProbeCreateBadName, ID: "key_2", Reason: "another"}}
	if changes := Diff(after, again); len(changes) != 0 {
		t.Errorf("two nights that each left the key differ: %v", changes)
	}
}
