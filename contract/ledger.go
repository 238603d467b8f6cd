package contract

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	apikeys "github.com/flexcontract/flexfactor-apikeys"
)

// A Discrepancy is one numbered contradiction of FlexFactor's pages, as
// openapi.yaml's info.description lists it: "1. **(D1) Key type values.**
// The list page's field table says ...". Its id (D1, D2, ...) is stable:
// specs that settle it carry the id as a Ginkgo label.
type Discrepancy struct {
	ID    string
	Title string
	// Pages is the entry's first sentence: what the pages say.
	Pages string
}

// The ledger's verdicts.
const (
	LedgerConfirmed    = "confirmed"
	LedgerContradicted = "contradicted"
	LedgerNotObserved  = "not observed"
)

// A LedgerEntry is what one run says of one discrepancy.
type LedgerEntry struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Pages    string `json:"pages"`
	Observed string `json:"observed"`
	// Verdict is confirmed (the checks that settle it passed: the target
	// follows openapi.yaml's resolution), contradicted (one failed) or
	// not observed (none ran).
	Verdict string `json:"verdict"`
	// Since is when this verdict was first seen, given the previous
	// run's observations; empty without history.
	Since string `json:"since,omitempty"`
}

var discrepancyItem = regexp.MustCompile(`^(\d+)\. \*\*\((D\d+)\) ([^*]+?)\.?\*\*\s*(.*)$`)

var numberedItem = regexp.MustCompile(`^(\d+)\. \*\*`)

// Discrepancies parses the numbered discrepancies of openapi.yaml's
// description. Each must carry the id D<n> of its number n.
func Discrepancies() ([]Discrepancy, error) {
	doc, err := apikeys.LoadSpec(context.Background())
	if err != nil {
		return nil, err
	}
	return parseDiscrepancies(doc.Info.Description)
}

func parseDiscrepancies(description string) ([]Discrepancy, error) {
	var out []Discrepancy
	var body []string
	flush := func() {
		if len(out) > 0 {
			text := strings.Join(strings.Fields(strings.Join(body, " ")), " ")
			first, _, _ := strings.Cut(text, ". ")
			out[len(out)-1].Pages = strings.TrimSuffix(first, ".") + "."
		}
		body = nil
	}
	inItem := false
	for _, line := range strings.Split(description, "\n") {
		if m := discrepancyItem.FindStringSubmatch(line); m != nil {
			flush()
			if m[2] != "D"+m[1] {
				return nil, fmt.Errorf("contract: discrepancy %s of openapi.yaml carries the id %s, not D%s", m[1], m[2], m[1])
			}
			out = append(out, Discrepancy{ID: m[2], Title: m[3]})
			body, inItem = []string{m[4]}, true
			continue
		}
		if m := numberedItem.FindStringSubmatch(line); m != nil {
			return nil, fmt.Errorf("contract: discrepancy %s of openapi.yaml has no id: write it as %s. **(D%s) Title.**", m[1], m[1], m[1])
		}
		if strings.TrimSpace(line) == "" {
			inItem = false
		}
		if inItem {
			body = append(body, line)
		}
	}
	flush()
	if len(out) == 0 {
		return nil, fmt.Errorf("contract: openapi.yaml's description lists no discrepancy with an id")
	}
	return out, nil
}

// BuildLedger says, for each discrepancy, what this run observed and the
// verdict of the checks labelled with its id.
func BuildLedger(ds []Discrepancy, checks []CheckResult, o Observed, host string) []LedgerEntry {
	out := make([]LedgerEntry, 0, len(ds))
	for _, d := range ds {
		e := LedgerEntry{ID: d.ID, Title: d.Title, Pages: d.Pages, Verdict: LedgerNotObserved}
		ran, failed := 0, 0
		for _, c := range checks {
			if !slices.Contains(c.Labels, d.ID) {
				continue
			}
			switch c.Outcome {
			case OutcomePassed, OutcomeRecorded:
				ran++
			case OutcomeFailed:
				ran++
				failed++
			}
		}
		switch {
		case failed > 0:
			e.Verdict = LedgerContradicted
		case ran > 0:
			e.Verdict = LedgerConfirmed
		}
		e.Observed = ledgerObserved(d.ID, o, host, ran, failed)
		out = append(out, e)
	}
	return out
}

// ledgerObserved words what the run saw that bears on a discrepancy.
func ledgerObserved(id string, o Observed, host string, ran, failed int) string {
	switch id {
	case "D1":
		if o.ListingSeen && len(o.Types) > 0 {
			return "type values: " + strings.Join(sortedKeys(o.Types), ", ")
		}
	case "D2":
		if host != "" {
			return "host: " + host
		}
	case "D3":
		if o.ListingSeen {
			return fmt.Sprintf("%d of %d keys with a null last_used", o.NullLastUsed, o.Keys)
		}
	case "D4", "D9":
		var shapes []string
		for _, k := range sortedKeys(o.ErrorShapes) {
			if id == "D9" && !strings.HasPrefix(k, OpCreateToken+" 401") {
				continue
			}
			shapes = append(shapes, k+": "+o.ErrorShapes[k])
		}
		if len(shapes) > 0 {
			return "error bodies: " + strings.Join(shapes, "; ")
		}
	case "D8":
		var fields []string
		for _, k := range sortedKeys(o.Undocumented) {
			if strings.HasPrefix(k, OpCreateToken+" ") {
				fields = append(fields, strings.TrimPrefix(k, OpCreateToken+" "))
			}
		}
		if len(fields) > 0 {
			return "undocumented token fields: " + strings.Join(fields, ", ")
		}
		if ran > 0 {
			return "no undocumented token field"
		}
	}
	switch {
	case ran == 0:
		return "not observed"
	case failed > 0:
		return fmt.Sprintf("%d of %s settling it failed", failed, plural(ran, "check"))
	}
	return fmt.Sprintf("%s settling it held", plural(ran, "check"))
}

// CarrySince fills each entry's Since from the previous run's ledger: a
// verdict unchanged keeps its date, a new one starts at now.
func CarrySince(ledger []LedgerEntry, prev *Observations, now string) {
	for i, e := range ledger {
		ledger[i].Since = now
		if prev == nil {
			ledger[i].Since = ""
			continue
		}
		for _, p := range prev.Ledger {
			if p.ID == e.ID && p.Verdict == e.Verdict {
				ledger[i].Since = p.Since
				if p.Since == "" {
					ledger[i].Since = prev.Time
				}
			}
		}
	}
}
