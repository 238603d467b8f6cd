package report

import (
	"fmt"
	"strings"
	"testing"
)

func TestEveryDiscrepancyOfTheSpecHasItsStableID(t *testing.T) {
	ds, err := Discrepancies()
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) < 15 {
		t.Fatalf("%d discrepancies parsed, want every numbered one (15 or more)", len(ds))
	}
	for i, d := range ds {
		if want := fmt.Sprintf("D%d", i+1); d.ID != want || d.Title == "" || !strings.HasSuffix(d.Pages, ".") {
			t.Errorf("discrepancy %d = %+v, want id %s, a title and a sentence", i+1, d, want)
		}
	}
	if ds[0].Title != "Key type values" {
		t.Errorf("D1 is %q", ds[0].Title)
	}
	for _, bad := range []string{`[{"id":"D2","title":"Wrong","pages":"text."}]`, `[{"id":"D1","title":"Right","pages":"text."},{"title":"No id","pages":"text."}]`, `[{"id":"D1","pages":"No title."}]`, `{}`} {
		if _, err := parseDiscrepancies(bad); err == nil {
			t.Errorf("%q passed", bad)
		}
	}
}

func TestBuildLedger(t *testing.T) {
	ds := []Discrepancy{{ID: "D1", Title: "Key type values"}, {ID: "D3", Title: "last_used"}, {ID: "D14", Title: "Revoke's status"},
		{ID: "D15", Title: "Name rule"}}
	o := Observed{ListingSeen: true, Keys: 2, Types: map[string]int{"secret": 1, "publishable": 1}, NullLastUsed: 1}
	checks := []CheckResult{
		{Name: "a", Labels: []string{"D1"}, Outcome: OutcomePassed},
		{Name: "b", Labels: []string{"D1"}, Outcome: OutcomeRecorded},
		{Name: "c", Labels: []string{"D3"}, Outcome: OutcomeFailed},
		{Name: "d", Labels: []string{"D14"}, Outcome: OutcomeNotRun},
		// A check whose answer broke openapi.yaml for another check's
		// promise observed nothing of its own discrepancy.
		{Name: "e", Labels: []string{"D15"}, Outcome: OutcomeNotJudged},
	}
	got := BuildLedger(ds, checks, o, "h")
	want := []struct{ verdict, observed string }{
		{LedgerConfirmed, "type values: publishable, secret"},
		{LedgerContradicted, "1 of 2 keys with a null last_used"},
		{LedgerNotObserved, "not observed"},
		{LedgerNotObserved, "not observed"},
	}
	for i, w := range want {
		if got[i].Verdict != w.verdict || got[i].Observed != w.observed {
			t.Errorf("%s: %q / %q, want %q / %q", got[i].ID, got[i].Verdict, got[i].Observed, w.verdict, w.observed)
		}
	}
	prev := &Observations{Time: "2026-11-25T03:17:00Z", Ledger: []LedgerEntry{{ID: "D1", Verdict: LedgerConfirmed}, {ID: "D3", Verdict: LedgerConfirmed}}}
	CarrySince(got, prev, "2026-11-26T03:17:00Z")
	if got[0].Since != "2026-11-25T03:17:00Z" || got[1].Since != "2026-11-26T03:17:00Z" {
		t.Errorf("since: D1 %q (unchanged), D3 %q (flipped)", got[0].Since, got[1].Since)
	}
}
