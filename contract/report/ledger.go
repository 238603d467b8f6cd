package report

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// A Discrepancy is one contradiction of FlexFactor's pages, as
// openapi.yaml's x-discrepancies extension lists it: {id: D1, title: Key
// type values, pages: The list page's field table says ..., resolution: ...}.
// Its id (D1, D2, ...) is stable: specs that settle it carry the id as a
// Ginkgo label.
type Discrepancy struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Pages is what the pages say.
	Pages string `json:"pages"`
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

// discrepanciesExtension is where openapi.yaml lists its discrepancies:
// an extension, not info.description, so that generated clients do not
// copy the list into every file.
const discrepanciesExtension = "x-discrepancies"

// Discrepancies reads the discrepancies of openapi.yaml's x-discrepancies.
// The n-th must carry the id D<n>.
func Discrepancies() ([]Discrepancy, error) {
	doc, err := spec.Doc()
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(doc.Extensions[discrepanciesExtension])
	if err != nil {
		return nil, fmt.Errorf("contract: openapi.yaml's %s: %w", discrepanciesExtension, err)
	}
	return parseDiscrepancies(string(raw))
}

// parseDiscrepancies decodes the extension's JSON and checks each entry.
func parseDiscrepancies(raw string) ([]Discrepancy, error) {
	var out []Discrepancy
	if err := json.Unmarshal([]byte(raw), &out); err != nil || len(out) == 0 {
		return nil, fmt.Errorf("contract: openapi.yaml's %s lists no discrepancy", discrepanciesExtension)
	}
	for i, d := range out {
		if want := fmt.Sprintf("D%d", i+1); d.ID != want {
			return nil, fmt.Errorf("contract: discrepancy %d of openapi.yaml carries the id %q, not %s", i+1, d.ID, want)
		}
		if d.Title == "" || d.Pages == "" {
			return nil, fmt.Errorf("contract: discrepancy %s of openapi.yaml has no title or no pages", d.ID)
		}
		out[i].Pages = strings.Join(strings.Fields(d.Pages), " ")
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
			return "type values: " + strings.Join(slices.Sorted(maps.Keys(o.Types)), ", ")
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
		for _, k := range slices.Sorted(maps.Keys(o.ErrorShapes)) {
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
		for _, k := range slices.Sorted(maps.Keys(o.Undocumented)) {
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
