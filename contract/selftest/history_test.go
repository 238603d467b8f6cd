package selftest

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/contract"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

func readObservations(t tb, r run) report.Observations {
	t.Helper()
	o, err := report.ReadObservations(r.observationsPath)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Two nights against doubles that differ in one option (a key created
// public listed as "public", then as "publishable") differ in one fact,
// the lifecycle's ground truth, which carries discrepancy 1's id; the
// second night's report says so in its "since the previous run" section.
func TestTwoNightsDifferByOneLedgerFact(t *testing.T) {
	r1, secrets1 := runSuite(t, newCanaryDouble(t), staticToken, lifecycleOn)
	second := newCanaryDouble(t, flexapitest.WithPublicTypeListedAs("publishable"))
	r2, secrets2 := runSuite(t, second, staticToken, lifecycleOn, contract.EnvPreviousObservations+"="+r1.observationsPath)

	changes := report.Diff(readObservations(t, r1), readObservations(t, r2))
	if len(changes) != 1 {
		t.Fatalf("%d changes, want 1: %v", len(changes), changes)
	}
	c := changes[0]
	if c.Fact != "ground truth: key created public: listed as" || c.Ledger != "D1" || !c.Matters ||
		c.Before != "public" || c.After != "publishable" {
		t.Errorf("the change is %+v", c)
	}
	for _, want := range []string{"## Since the previous run", "1 change since the run of",
		"ground truth: key created public: listed as [D1]: public → publishable **(matters)**"} {
		if !strings.Contains(r2.report, want) {
			t.Errorf("the second night's report lacks %q", want)
		}
	}
	if !strings.Contains(r1.report, "No previous observations were given") {
		t.Errorf("the first night's report does not say it had no history")
	}
	assertClean(t, r1, secrets1...)
	assertClean(t, r2, secrets2...)
}

// The in-process double (the default run) against a server that lists
// the page's public key as "public" (what `make mock` serves given such a
// data file): the comparison lists exactly that difference.
func TestTheDoubleComparedWithAnotherServerListsExactlyTheDifference(t *testing.T) {
	dir := t.TempDir()
	double := execSuite(t, dir, []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()})
	if double.exitCode != 0 {
		t.Fatalf("the double run failed\n%s", double.output)
	}

	data := flexapitest.DefaultData()
	keys := data[flexapitest.DefaultMID]
	var k map[string]any
	if err := json.Unmarshal(keys[1], &k); err != nil {
		t.Fatal(err)
	}
	k["type"] = "public"
	keys[1], _ = json.Marshal(k)
	live := newCanaryDouble(t)
	if err := live.SetKeys(flexapitest.DefaultMID, keys[0], keys[1]); err != nil {
		t.Fatal(err)
	}
	// The double's run creates and revokes keys by default; the live run
	// is asked to, so that only the listing differs.
	r, secrets := runSuite(t, live, appCredentials, lifecycleOn)

	before, after := readObservations(t, double), readObservations(t, r)
	changes := report.Diff(before, after)
	if len(changes) != 1 || changes[0].Fact != "key type values" || changes[0].Ledger != "D1" {
		t.Fatalf("the comparison lists %v, want only the key type values [D1]", changes)
	}
	got := report.Compare(changes[0], report.Side(before), report.Side(after))
	if want := "key type values [D1]: the double answers publishable, secret; the live target answers public, secret"; got != want {
		t.Errorf("Compare = %q, want %q", got, want)
	}
	assertClean(t, r, secrets...)
}

// Whatever a failing check judged is in observations.json, so that the
// comparison with a faithful night names what changed, not only the
// verdict and the ledger: a field gone from the listing, a created_at
// outside the run's window, a refusal's status, a 401 body's shape, a
// last_four that is not the value's.
func TestContractdiffNamesWhatChangedForAFailingCheck(t *testing.T) {
	faithful, _ := runSuite(t, newCanaryDouble(t), appCredentials, lifecycleOn)
	before := readObservations(t, faithful)
	for name, tc := range map[string]struct {
		route flexapitest.Route
		fault flexapitest.Fault
		want  string // the start of the fact that must change
	}{
		"the listed keys lack last_used": {flexapitest.RouteList, flexapitest.RemoveField("keys/*/last_used"), "judged: listApiKeys 200 matches openapi.yaml"},
		"a created key's created_at outside the window": {flexapitest.RouteList, flexapitest.SetField("keys/3/created_at", "2020-01-01T00:00:00Z"),
			"judged: key created secret: created_at against the run's window"},
		"a create without a token accepted": {flexapitest.RouteCreate, flexapitest.AcceptWithoutToken(), "judged: probe " + contract.ProbeCreateNoToken + ": answered"},
		"a 401 of another shape": {flexapitest.RouteList, flexapitest.JSONBody(401, map[string]any{"title": "Unauthorized " + canaryBreak}).OnStatus(401),
			"error body listApiKeys 401"},
		"last_four not the value's": {flexapitest.RouteList, flexapitest.SetField("keys/2/last_four", "zzzz"), "ground truth: key created public: last_four is the value's"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newCanaryDouble(t)
			srv.Inject(tc.route, tc.fault.Always())
			r, secrets := runSuite(t, srv, appCredentials, lifecycleOn)
			assertClean(t, r, secrets...)
			after := readObservations(t, r)
			if after.Verdict.Kind != report.VerdictFailed {
				t.Fatalf("the run is %s, not FAILED", after.Verdict.Line)
			}
			var named []string
			for _, c := range report.Diff(before, after) {
				if strings.HasPrefix(c.Fact, tc.want) && c.Matters {
					return
				}
				named = append(named, c.String())
			}
			t.Errorf("no change of %q; the changes:\n%s", tc.want, strings.Join(named, "\n"))
		})
	}
}
