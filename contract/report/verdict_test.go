package report

import (
	"errors"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func specReport(containers []string, text string, state types.SpecState, message string, entries ...string) types.SpecReport {
	s := types.SpecReport{ContainerHierarchyTexts: containers, LeafNodeText: text, LeafNodeType: types.NodeTypeIt, State: state}
	s.Failure.Message = message
	for _, e := range entries {
		s.ReportEntries = append(s.ReportEntries, types.ReportEntry{Name: e})
	}
	return s
}

func TestChecksAreStableAndNamedWithSeparators(t *testing.T) {
	a := specReport([]string{"Listing", "when x"}, "answers 200", types.SpecStatePassed, "")
	b := specReport([]string{"Auth"}, "answers 401", types.SpecStateFailed, "expected 401")
	c := specReport(nil, "", types.SpecStateFailed, "misconfigured")
	c.LeafNodeType = types.NodeTypeBeforeSuite
	// The suite's cleanup revokes the run's keys: a person reads what it
	// does, not Ginkgo's "DeferCleanup (Suite)".
	d := specReport(nil, "", types.SpecStateFailed, "2 keys this run created are still on the target")
	d.LeafNodeType = types.NodeTypeCleanupAfterSuite
	one := Checks(types.Report{SpecReports: []types.SpecReport{a, b, c, d}})
	two := Checks(types.Report{SpecReports: []types.SpecReport{b, c, d, a}})
	var names []string
	for i := range one {
		if one[i].Name != two[i].Name {
			t.Fatalf("the order depends on the run's order: %v vs %v", one, two)
		}
		names = append(names, one[i].Name)
	}
	want := []string{"BeforeSuite", "The run's cleanup › revokes every key the run created", "Auth › answers 401", "Listing › when x › answers 200"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("names %q, want %q", names, want)
	}
}

func TestDecide(t *testing.T) {
	passed := specReport([]string{"A"}, "passes", types.SpecStatePassed, "")
	rec := specReport([]string{"A"}, "records", types.SpecStatePassed, "", EntryRecorded)
	failed := specReport([]string{"B"}, "fails", types.SpecStateFailed, "GET /v1/x -> 500; expected 200\nmore")
	notRun := specReport([]string{"C"}, "not run", types.SpecStateSkipped, NotRunPrefix+"the target is broken")
	inc := specReport([]string{"D"}, "no data", types.SpecStateSkipped, "mid m has no keys", EntryInconclusive)
	checks := func(s ...types.SpecReport) []CheckResult { return Checks(types.Report{SpecReports: s}) }
	tests := []struct {
		name            string
		checks          []CheckResult
		cfgErr          error
		broken          *Broken
		line, readFirst string
	}{
		{"misconfigured", nil, errors.New("missing FLEXFACTOR_MID"), nil,
			"INCONCLUSIVE: the run is misconfigured, nothing was checked", "missing FLEXFACTOR_MID"},
		{"broken target", checks(notRun, failed), nil, &Broken{Cause: "token rejected: the listing answered 401", Hint: "check FLEXFACTOR_TOKEN"},
			"BROKEN TARGET: token rejected: the listing answered 401", "check FLEXFACTOR_TOKEN"},
		{"a failed check", checks(passed, failed, inc), nil, nil, "FAILED: GET /v1/x -> 500; expected 200", "the check B › fails"},
		{"two failed checks", checks(failed, specReport([]string{"C"}, "fails too", types.SpecStateFailed, "another")), nil, nil,
			"FAILED: GET /v1/x -> 500; expected 200", "the check B › fails (and 1 other failed check: see below)"},
		{"a failure whose first line introduces a list", checks(specReport([]string{"E"}, "keys", types.SpecStateFailed, "key values may be exposed:\n  body /keys/0/api_key: a member named api_key\n  body /keys/1/api_key: the same")), nil, nil,
			"FAILED: key values may be exposed: body /keys/0/api_key: a member named api_key (and 1 more)", "the check E › keys"},
		{"an inconclusive check", checks(passed, inc), nil, nil, "INCONCLUSIVE: 1 check could not prove anything", "D › no data: mid m has no keys"},
		{"only recordings", checks(rec), nil, nil, "INCONCLUSIVE: no check passed", "nothing was proved: see the checks below"},
		{"green", checks(passed, rec), nil, nil, "PASSED", "1 check passed, 1 recorded what they observed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Decide(tt.checks, tt.cfgErr, tt.broken, nil)
			if v.Line() != tt.line || v.ReadFirst != tt.readFirst {
				t.Errorf("Decide = %q / %q, want %q / %q", v.Line(), v.ReadFirst, tt.line, tt.readFirst)
			}
		})
	}
}

func TestTheReportIsHonestWhenNothingWasObserved(t *testing.T) {
	var b strings.Builder
	d := ReportData{Host: "127.0.0.1:1", SpecVersion: "0.1.0", Stats: Requests{Budget: 20},
		Verdict: Verdict{Kind: VerdictInconclusive, Why: "the run is misconfigured, nothing was checked", ReadFirst: "missing FLEXFACTOR_MID"}}
	WriteMarkdown(&b, types.Report{}, d, noRedaction{})
	got := b.String()
	for _, want := range []string{
		"# INCONCLUSIVE: the run is misconfigured, nothing was checked\n\n**Read first:** missing FLEXFACTOR_MID\n",
		"openapi.yaml version 0.1.0", "0 sent of a budget of 20",
		"| undocumented fields | none (clients must tolerate added fields) | not observed (no response was checked) |",
		"| not contacted |", "| application/json | not observed (no response was checked) |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the report lacks %q:\n%s", want, got)
		}
	}
	d.Stats.Sent, d.Stats.TransportErrors = 1, 1
	b.Reset()
	WriteMarkdown(&b, types.Report{}, d, noRedaction{})
	if strings.Contains(b.String(), "127.0.0.1:1") {
		t.Errorf("the report names a host that never answered:\n%s", b.String())
	}
}

// TestDecideSaysARunThatDidNotFinish: no check failed, but Ginkgo ended
// the suite early (an interrupt, a timeout): the run is not green.
func TestDecideSaysARunThatDidNotFinish(t *testing.T) {
	passed := specReport([]string{"A"}, "passes", types.SpecStatePassed, "")
	v := Decide(Checks(types.Report{SpecReports: []types.SpecReport{passed}}), nil, nil, []string{"interrupted by a signal\nmore"})
	if v.Line() != "FAILED: the run did not finish" || v.ReadFirst != "interrupted by a signal" {
		t.Errorf("Decide = %q / %q", v.Line(), v.ReadFirst)
	}
}

// noRedaction is a Redactor that hides nothing.
type noRedaction struct{}

func (noRedaction) Redact(s string) string { return s }
