package selftest

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/contract"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// createPublicKey creates a public key on srv through its API, as a
// person would in the portal: how the listing then names its type is the
// double's option.
func createPublicKey(t *testing.T, srv *flexapitest.Server) {
	t.Helper()
	body := `{"mid":"` + flexapitest.DefaultMID + `","name":"Frontend ` + canaryName + `","type":"public"}`
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api-keys", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.IssueToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("creating a public key: %s", resp.Status)
	}
}

func readObservations(t *testing.T, r run) contract.Observations {
	t.Helper()
	o, err := contract.ReadObservations(r.observationsPath)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Two nights against doubles that differ in one option (a public key
// listed as "public", then as "publishable") differ in one fact, which
// carries discrepancy 1's id; the second night's report says so in its
// "since the previous run" section.
func TestTwoNightsDifferByOneLedgerFact(t *testing.T) {
	first := newCanaryDouble(t)
	createPublicKey(t, first)
	r1, secrets1 := runSuite(t, first, staticToken)

	second := newCanaryDouble(t, flexapitest.WithPublicTypeListedAs("publishable"))
	createPublicKey(t, second)
	r2, secrets2 := runSuite(t, second, staticToken, contract.EnvPreviousObservations+"="+r1.observationsPath)

	changes := contract.Diff(readObservations(t, r1), readObservations(t, r2))
	if len(changes) != 1 {
		t.Fatalf("%d changes, want 1: %v", len(changes), changes)
	}
	c := changes[0]
	if c.Fact != "key type values" || c.Ledger != "D1" || !c.Matters ||
		c.Before != "public, publishable, secret" || c.After != "publishable, secret" {
		t.Errorf("the change is %+v", c)
	}
	for _, want := range []string{"## Since the previous run", "1 change since the run of", "key type values [D1]: public, publishable, secret → publishable, secret **(matters)**"} {
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
	changes := contract.Diff(before, after)
	if len(changes) != 1 || changes[0].Fact != "key type values" || changes[0].Ledger != "D1" {
		t.Fatalf("the comparison lists %v, want only the key type values [D1]", changes)
	}
	got := contract.Compare(changes[0], contract.Side(before), contract.Side(after))
	if want := "key type values [D1]: the double answers publishable, secret; the live target answers public, secret"; got != want {
		t.Errorf("Compare = %q, want %q", got, want)
	}
	assertClean(t, r, secrets...)
}
