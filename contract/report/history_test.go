package report

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// night is a night of the history, n days after 2026-11-01.
func night(n int, verdict, target string, d3 string) Night {
	t := time.Date(2026, 11, 1, 3, 17, 0, 0, time.UTC).AddDate(0, 0, n)
	return Night{Time: t.Format(time.RFC3339), Run: fmt.Sprintf("https://github.test/o/r/actions/runs/%d", 100+n), Verdict: verdict, Target: target,
		Groups: map[string]string{"Listing": OutcomePassed}, Ledger: map[string]string{"D1": LedgerConfirmed, "D3": d3}}
}

func TestTheHistoryKeepsTheLastNinetyNights(t *testing.T) {
	prev := &Observations{}
	// 90, not MaxNights: the number, which the constant must hold.
	for i := range 95 {
		prev.History = append(prev.History, night(i, VerdictPassed, "", LedgerConfirmed))
	}
	this := night(95, VerdictFailed, "", LedgerContradicted)
	h := Carry(prev, this)
	if len(h) != 90 || h[len(h)-1].Time != this.Time || h[0].Time != prev.History[6].Time {
		t.Errorf("%d nights from %s to %s; want the last 90, this one last", len(h), h[0].Time, h[len(h)-1].Time)
	}
	if h := Carry(nil, this); len(h) != 1 {
		t.Errorf("without previous observations: %d nights, want this one", len(h))
	}
}

func TestTheReportShowsTheLastFourteenNights(t *testing.T) {
	var h []Night
	for i := range 20 {
		switch {
		case i == 12:
			h = append(h, night(i, VerdictBroken, TargetDown, LedgerNotObserved))
		case i == 13:
			h = append(h, night(i, VerdictBroken, TargetTokenRefused, LedgerNotObserved))
		case i == 14:
			h = append(h, night(i, VerdictBroken, "", LedgerNotObserved)) // a 404: the contract
		case i >= 16:
			h = append(h, night(i, VerdictFailed, "", LedgerContradicted))
		default:
			h = append(h, night(i, VerdictPassed, "", LedgerConfirmed))
		}
	}
	h[0].Ledger["D3"] = LedgerNotObserved
	// A night the target could not be checked observes no discrepancy:
	// D1 does not change by it.
	for i := 12; i <= 14; i++ {
		h[i].Ledger["D1"] = LedgerNotObserved
	}
	var b strings.Builder
	WriteHistory(&b, h)
	got := b.String()
	header, _, _ := strings.Cut(got[strings.Index(got, "| |"):], "\n")
	if n := strings.Count(header, "](https://github.test/o/r/actions/runs/"); n != ShownNights {
		t.Errorf("the table names %d nights, want %d:\n%s", n, ShownNights, got)
	}
	for _, want := range []string{
		"Of the last 20 nights: 13 green, 5 failed the contract, 0 inconclusive; the target was down once, unreachable 0 times, refused the token once.",
		"| [2026-11-07](https://github.test/o/r/actions/runs/106) |", // the first shown
		"| [2026-11-20](https://github.test/o/r/actions/runs/119) |", // the last
		"| **verdict** |", "target down", "target token refused",
		// D3 first observed on the second night; last changed when the
		// sandbox started contradicting it.
		"| D3 | contradicted | [2026-11-02](https://github.test/o/r/actions/runs/101) | [2026-11-17](https://github.test/o/r/actions/runs/116) |",
		"| D1 | confirmed | [2026-11-01](https://github.test/o/r/actions/runs/100) | [2026-11-01](https://github.test/o/r/actions/runs/100) |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the history lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(header, "2026-11-06") {
		t.Errorf("the table shows a night older than the last %d:\n%s", ShownNights, header)
	}
}

func TestANightIsItsWorstCheckPerGroup(t *testing.T) {
	obs := Observations{Time: "2026-11-26T03:17:00Z", Verdict: ObservedVerdict{Kind: VerdictFailed, Line: "FAILED: body /keys/0/last_used: missing"},
		Ledger: []LedgerEntry{{ID: "D3", Verdict: LedgerContradicted}}}
	checks := []CheckResult{
		{Name: "Listing › answers 200", Outcome: OutcomePassed},
		{Name: "Listing › matches the spec", Outcome: OutcomeFailed},
		{Name: "Auth › refuses", Outcome: OutcomeNotJudged},
		{Name: "Auth › accepts bearer", Outcome: OutcomePassed},
	}
	n := NightOf(obs, checks, "https://github.test/run/1")
	if n.Groups["Listing"] != OutcomeFailed || n.Groups["Auth"] != OutcomeNotJudged || n.Cause != "body /keys/0/last_used: missing" ||
		n.Ledger["D3"] != LedgerContradicted || n.Run != "https://github.test/run/1" {
		t.Errorf("%+v", n)
	}
}
