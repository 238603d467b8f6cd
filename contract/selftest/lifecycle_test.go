package selftest

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/contract"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// lifecycleOn is the environment of a live run that creates and revokes
// keys.
const lifecycleOn = "FLEXFACTOR_LIFECYCLE=1"

// mintedValue is the shape of a value the double mints: no output may
// show one.
var mintedValue = regexp.MustCompile(`(?:sk|pk|tk)_test_[A-Z2-7]{8,}`)

// keysLeft counts the keys of the double's merchant that a run created.
func keysLeft(t tb, srv *flexapitest.Server) int {
	t.Helper()
	return runKeys(t, srv.Data()[flexapitest.DefaultMID])
}

// runKeys counts the keys named like a run's among keys.
func runKeys(t tb, keys []json.RawMessage) int {
	t.Helper()
	n := 0
	for _, raw := range keys {
		var k struct{ Name string }
		if err := json.Unmarshal(raw, &k); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(k.Name, "contract-") {
			n++
		}
	}
	return n
}

// revokesSent counts the revoke requests srv received for keys, not
// counting the negative probes' of an id no key has.
func revokesSent(srv *flexapitest.Server) int {
	n := 0
	for _, req := range srv.Requests() {
		if req.Route == flexapitest.RouteRevoke && !strings.HasSuffix(req.Path, "-no-such-key") {
			n++
		}
	}
	return n
}

// failedWith reports whether one failed spec's name holds every part.
func failedWith(names []string, parts ...string) bool {
	for _, n := range names {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(n, p)
		}
		if all {
			return true
		}
	}
	return false
}

func TestTheLifecycleOnTheFaithfulDouble(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []flexapitest.Option
		listed string
	}{
		{"public keys listed as public", nil, "| public | public | null | yes | yes | yes |"},
		{"public keys listed as publishable", []flexapitest.Option{flexapitest.WithPublicTypeListedAs("publishable")}, "| public | publishable | null | yes | yes | yes |"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newCanaryDouble(t, tc.opts...)
			r, secrets := runSuite(t, srv, appCredentials, lifecycleOn)
			if r.exitCode != 0 {
				t.Fatalf("the suite failed on the faithful double (exit %d); failed: %q\n%s", r.exitCode, r.failed, r.output)
			}
			if first := firstLine(r.report); first != "# PASSED" {
				t.Errorf("the report's first line is %q, not PASSED", first)
			}
			for _, want := range []string{"## Ground truth from the keys this run created", tc.listed, "| secret | secret | null | yes | yes | yes |"} {
				if !strings.Contains(r.report, want) {
					t.Errorf("the report lacks %q:\n%s", want, r.report)
				}
			}
			if n := keysLeft(t, srv); n != 0 {
				t.Errorf("the run left %d keys on the double", n)
			}
			assertClean(t, r, secrets...)
			assertNoMintedValue(t, r)
		})
	}
}

// TestTheRunsKeysAreRevokedWhenNoSpecRevokesThem: with the lifecycle's
// specs filtered out, the suite-level cleanup alone revokes the keys the
// setup made (a --fail-fast run, or one whose revoke check timed out,
// relies on it the same way); with a budget the setup nearly uses up (the
// listing, two creates and the listing after them), the other specs run
// out of requests and the two the lifecycle reserved still revoke its keys.
func TestTheRunsKeysAreRevokedWhenNoSpecRevokesThem(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		env    string
		passes bool
		output string // the console says it
	}{
		{"the lifecycle's specs filtered out", []string{"-ginkgo.label-filter=!lifecycle"}, lifecycleOn, true, "lifecycle run id"},
		{"the budget used up", nil, "FLEXFACTOR_MAX_REQUESTS=6", false, "request budget is used up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newCanaryDouble(t)
			r, secrets := runSuiteArgs(t, srv, staticToken, tc.args, lifecycleOn, tc.env)
			if (r.exitCode == 0) != tc.passes || !strings.Contains(r.output, tc.output) {
				t.Fatalf("exit %d, want a run that passes: %v, saying %q; failed: %q\n%s", r.exitCode, tc.passes, tc.output, r.failed, r.output)
			}
			if failedWith(append(r.passed, r.failed...), "A key this run creates") != (tc.args == nil) {
				t.Errorf("the lifecycle's specs ran: %v, want %v", !(tc.args == nil), tc.args == nil)
			}
			if n := keysLeft(t, srv); n != 0 {
				t.Errorf("the run left %d keys on the double", n)
			}
			assertClean(t, r, secrets...)
		})
	}
}

func assertNoMintedValue(t tb, r run) {
	t.Helper()
	for name, text := range map[string]string{"output": r.output, "junit.xml": r.junit, "contract-report.md": r.report} {
		if m := mintedValue.FindString(text); m != "" {
			t.Errorf("%s carries a created key's value", name)
		}
	}
}

// TestARunThatProvedNothingIsNotGreen: a merchant without keys and the
// lifecycle off leave every per-key check without data: the run exits
// non-zero and its report says INCONCLUSIVE first. With the lifecycle on,
// the same merchant is checked on the keys the run makes, and it passes.
func TestARunThatProvedNothingIsNotGreen(t *testing.T) {
	const emptyMerchant = "FLEXFACTOR_MID=mid_with_no_keys_yet"
	t.Run("lifecycle off", func(t *testing.T) {
		t.Parallel()
		srv := newCanaryDouble(t)
		r, secrets := runSuite(t, srv, staticToken, emptyMerchant)
		if r.exitCode == 0 {
			t.Fatalf("the run passed with nothing to check:\n%s", r.output)
		}
		if first := firstLine(r.report); !strings.HasPrefix(first, "# INCONCLUSIVE: ") {
			t.Errorf("the report's first line is %q, not INCONCLUSIVE", first)
		}
		// Nothing failed: the report counts no failed check; junit.xml
		// alone, for CI, carries the verdict as a failure.
		if !strings.Contains(r.report, " 0 failed,") || strings.Contains(r.report, "| verdict |") || len(r.failed) != 1 {
			t.Errorf("junit.xml fails %q; the report:\n%s", r.failed, r.report)
		}
		assertClean(t, r, secrets...)
	})
	t.Run("lifecycle on", func(t *testing.T) {
		t.Parallel()
		srv := newCanaryDouble(t)
		r, secrets := runSuite(t, srv, staticToken, emptyMerchant, lifecycleOn)
		if r.exitCode != 0 || firstLine(r.report) != "# PASSED" {
			t.Fatalf("exit %d, first line %q; failed: %q\n%s", r.exitCode, firstLine(r.report), r.failed, r.output)
		}
		if !strings.Contains(r.output, "checked on the 2 keys listed after the lifecycle's creates") {
			t.Errorf("the per-key checks did not say they ran on the created keys")
		}
		if n := len(srv.Data()["mid_with_no_keys_yet"]); n != 0 {
			t.Errorf("the run left %d keys", n)
		}
		assertClean(t, r, secrets...)
	})
}

// TestASweepRevokesTheLeftoversThatCarryAnID: a double seeded with two
// leftovers of an earlier night, one listed with its id, one without: the
// run names both, a sweep revokes the first, and the second stays for a
// person.
func TestASweepRevokesTheLeftoversThatCarryAnID(t *testing.T) {
	srv := newCanaryDouble(t)
	seeded := srv.Data()[flexapitest.DefaultMID]
	keys := make([]any, 0, len(seeded)+2)
	for _, k := range seeded {
		keys = append(keys, json.RawMessage(k))
	}
	keys = append(keys,
		map[string]any{"name": "contract-20261125T031700Z-1a2b-secret", "id": "key_left1", "type": "secret",
			"created_at": "2026-11-25T03:17:00Z", "last_used": nil, "last_four": "ab12"},
		map[string]any{"name": "contract-20261125T031700Z-1a2b-public", "type": "public",
			"created_at": "2026-11-25T03:17:00Z", "last_used": nil, "last_four": "cd34"})
	if err := srv.SetKeys(flexapitest.DefaultMID, keys...); err != nil {
		t.Fatal(err)
	}
	r, secrets := runSuite(t, srv, staticToken, lifecycleOn, "FLEXFACTOR_SWEEP=1")
	if r.exitCode != 0 {
		t.Fatalf("exit %d; failed: %q\n%s", r.exitCode, r.failed, r.output)
	}
	for _, want := range []string{
		"**Leftovers of earlier runs:** contract-20261125T031700Z-1a2b-public, contract-20261125T031700Z-1a2b-secret",
		"**Swept (revoked) this run:** contract-20261125T031700Z-1a2b-secret",
	} {
		if !strings.Contains(r.report, want) {
			t.Errorf("the report lacks %q:\n%s", want, r.report)
		}
	}
	if !strings.Contains(r.output, "contract-20261125T031700Z-1a2b-public: the listing shows no id; remove it by hand") {
		t.Errorf("the run does not say which leftover needs a person")
	}
	left := srv.Data()[flexapitest.DefaultMID]
	if len(left) != len(seeded)+1 {
		t.Errorf("%d keys left, want the seeded ones and the leftover without id", len(left))
	}
	assertClean(t, r, secrets...)
}

// TestARevokeTheTargetIgnoresIsNotRecordedRevoked: a double whose revoke
// answers success and keeps the key. The record says the truth: the
// ground-truth table does not say revoked, the cleanup's hand-removal list
// names each key with its id, observations.json carries both under
// keysLeft, and the comparison with a faithful night (what contractdiff
// prints) names the change for each key.
func TestARevokeTheTargetIgnoresIsNotRecordedRevoked(t *testing.T) {
	t.Parallel()
	faithful, secrets := runSuite(t, newCanaryDouble(t), staticToken, lifecycleOn)
	if faithful.exitCode != 0 {
		t.Fatalf("the faithful run failed: %q\n%s", faithful.failed, faithful.output)
	}
	srv := newCanaryDouble(t, flexapitest.WithRevokeIgnored())
	r, secrets2 := runSuite(t, srv, staticToken, lifecycleOn)
	if r.exitCode == 0 {
		t.Fatalf("the run passed against a double that ignores revokes\n%s", r.output)
	}
	obs := readObservations(t, r)
	if len(obs.KeysLeft) != 2 {
		t.Fatalf("observations.json lists %d keys left, want 2: %+v", len(obs.KeysLeft), obs.KeysLeft)
	}
	for _, typ := range []string{"public", "secret"} {
		var left report.KeyLeft
		for _, l := range obs.KeysLeft {
			if l.Asked == typ {
				left = l
			}
		}
		if left.ID == "" || left.Reason != contract.StillListedProblem {
			t.Errorf("observations.json's key left of type %s is %+v, want its id and %q", typ, left, contract.StillListedProblem)
			continue
		}
		// The id the double made the key under: the hand-removal list, on
		// the console and in the report, names it.
		want := "-" + typ + " (id " + left.ID + "): " + contract.StillListedProblem
		for name, text := range map[string]string{"the console": r.output, "the report": r.report} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		if !strings.Contains(r.report, "| "+typ+" | ") || strings.Contains(r.report, "| "+typ+" | yes | yes | yes |") {
			t.Errorf("the ground-truth row of the %s key says it was revoked", typ)
		}
		fact := "ground truth: key created " + typ + ": revoked"
		if got := obs.GroundTruth["key created "+typ+": revoked"]; got != "no: "+contract.StillListedProblem {
			t.Errorf("%s is %q", fact, got)
		}
		found := false
		for _, c := range report.Diff(readObservations(t, faithful), obs) {
			if c.Fact == fact && c.Before == "yes" && c.After == "no: "+contract.StillListedProblem && c.Matters {
				found = true
			}
		}
		if !found {
			t.Errorf("the comparison with the faithful night does not name %q", fact)
		}
	}
	if !strings.Contains(r.report, "**Keys left on the target by this run (remove them by hand):**") {
		t.Errorf("the report has no hand-removal list")
	}
	if n := keysLeft(t, srv); n != 2 {
		t.Errorf("the double holds %d of the run's keys, want the 2 it kept", n)
	}
	assertClean(t, faithful, secrets...)
	assertClean(t, r, secrets2...)
}
