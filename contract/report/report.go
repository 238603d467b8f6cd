package report

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// ReportFile is the name of the report written for a person.
const ReportFile = "contract-report.md"

// ReportData is what the report says beyond the specs' results.
type ReportData struct {
	Target      string
	Host        string
	SpecVersion string
	Strict      bool
	Stats       Requests
	Observed    Observed
	// SpecTypes are the type values openapi.yaml declares; TableTypes
	// those the list page's field table documents.
	SpecTypes, TableTypes []string
	Notes                 []string
	// Verdict is the run's verdict (Decide).
	Verdict Verdict
	// Ledger is what the run says of each discrepancy of the pages.
	Ledger []LedgerEntry
	// Since compares the run with the previous one; nil without
	// FLEXFACTOR_PREVIOUS_OBSERVATIONS.
	Since *SinceSection
	// Lifecycle is what the keys this run created showed, nil when it
	// created none.
	Lifecycle *LifecycleReport
	// Reproductions are how a person sees each failed check fail again.
	Reproductions []Reproduction
	// History is the last MaxNights runs, this one last (Carry).
	History []Night
}

// SinceSection is what changed since the previous run.
type SinceSection struct {
	PreviousTime string
	Changes      []Change
}

// ContactedHost is the target's host when it answered, else "".
func (d ReportData) ContactedHost() string {
	if d.Stats.Sent > d.Stats.TransportErrors {
		return d.Host
	}
	return ""
}

// WriteReportFile writes the report to dir/contract-report.md.
func WriteReportFile(dir string, r types.Report, d ReportData, red Redactor) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("contract: report dir: %w", err)
	}
	path := filepath.Join(dir, ReportFile)
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("contract: report: %w", err)
	}
	w := bufio.NewWriter(f)
	WriteMarkdown(w, r, d, red)
	if err := w.Flush(); err != nil {
		f.Close()
		return "", fmt.Errorf("contract: report: %w", err)
	}
	return path, f.Close()
}

// WriteMarkdown renders the report for a person. Its first line is the
// verdict, its second the line to read first. Every string passes through
// red.
func WriteMarkdown(w io.Writer, r types.Report, d ReportData, red Redactor) {
	p := func(format string, args ...any) { fmt.Fprintf(w, "%s", red.Redact(fmt.Sprintf(format, args...))) }
	checks := Checks(r)
	t := Tally(checks)

	p("# %s\n\n", oneLine(d.Verdict.Line()))
	p("**Read first:** %s\n\n", oneLine(d.Verdict.ReadFirst))
	p("## FlexFactor contract report\n\n")
	p("- **Checks:** %d passed, %d recorded, %d failed, %d not judged, %d inconclusive, %d not run, %d skipped\n",
		t[OutcomePassed], t[OutcomeRecorded], t[OutcomeFailed], t[OutcomeNotJudged], t[OutcomeInconclusive], t[OutcomeNotRun], t[OutcomeSkipped])
	p("- **Target:** %s\n", d.Target)
	p("- **Spec:** openapi.yaml version %s\n", orDash(d.SpecVersion))
	mode := "default (undocumented fields and type values are reported, not failed)"
	if d.Strict {
		mode = "strict (FLEXFACTOR_STRICT_DOCS=1: only the field table's types, no undocumented fields)"
	}
	p("- **Docs mode:** %s\n", mode)
	p("- **Run:** %s, %s\n", r.StartTime.UTC().Format(time.RFC3339), r.RunTime.Round(time.Millisecond))
	p("- **Requests:** %d sent of a budget of %d; retries: %d; refused by the budget: %d; transport errors: %d\n",
		d.Stats.Sent, d.Stats.Budget, d.Stats.Retries, d.Stats.Refused, d.Stats.TransportErrors)
	for _, n := range d.Notes {
		p("- **Note:** %s\n", n)
	}
	for _, reason := range r.SpecialSuiteFailureReasons {
		p("- **Suite failure:** %s\n", cell(reason))
	}

	p("\n## Since the previous run\n\n")
	switch {
	case d.Since == nil:
		p("No previous observations were given (FLEXFACTOR_PREVIOUS_OBSERVATIONS).\n")
	case len(d.Since.Changes) == 0:
		p("Nothing changed since the run of %s.\n", d.Since.PreviousTime)
	default:
		p("%s since the run of %s (%s):\n\n", plural(len(d.Since.Changes), "change"), d.Since.PreviousTime, ThatMatter(Mattering(d.Since.Changes)))
		for _, c := range d.Since.Changes {
			mark := ""
			if c.Matters {
				mark = " **(matters)**"
			}
			p("- %s%s\n", oneLine(c.String()), mark)
		}
	}

	p("\n## The last %d nights\n\n", ShownNights)
	var history strings.Builder
	WriteHistory(&history, d.History)
	p("%s", history.String())

	p("\n## Checks\n\n| Check | Labels | Result | Detail |\n|---|---|---|---|\n")
	for _, c := range checks {
		p("| %s | %s | %s | %s |\n", cell(c.Name), cell(strings.Join(c.Labels, ", ")), c.Outcome, cell(c.Detail))
	}

	writeReproductions(p, d.Reproductions)

	o := d.Observed
	p("\n## Documented vs observed\n\n| What | Documented | Observed |\n|---|---|---|\n")
	p("| key `type` values | field table: %s; page example: secret, publishable; openapi.yaml: %s | %s |\n",
		strings.Join(d.TableTypes, ", "), strings.Join(d.SpecTypes, ", "), typesObserved(o, d))
	p("| `last_used` null | field table: DateTime only; page example: null for a never-used key | %s |\n", nullObserved(o))
	p("| undocumented fields | none (clients must tolerate added fields) | %s |\n", undocumentedObserved(o))
	p("| host | endpoint tables: api-sandbox.flex-charge.com / api.flex-charge.com; curl example: api-sandbox.flexfactor.com; auth page: flexfactor.io | %s |\n", hostObserved(d))
	p("| response media types | application/json | %s |\n", mediaTypesObserved(o))
	p("| (name, last_four) pairs | \"use last_four and name to identify keys\" | %s |\n", pairsObserved(o))

	p("\n## Ledger of the documentation's contradictions\n\n")
	p("Ids as in openapi.yaml's description; the checks that settle one carry its id as a label.\n\n")
	p("| Id | Discrepancy | The pages say | This run observed | Verdict | Since |\n|---|---|---|---|---|---|\n")
	for _, e := range d.Ledger {
		p("| %s | %s | %s | %s | %s | %s |\n", e.ID, cell(e.Title), cell(e.Pages), cell(e.Observed), e.Verdict, orDash(e.Since))
	}
	writeLifecycle(p, d.Lifecycle)
}

// oneLine keeps a verdict line on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func hostObserved(d ReportData) string {
	switch {
	case d.Stats.Sent == 0:
		return "not contacted"
	case d.ContactedHost() == "":
		return "not observed: no response came back"
	}
	return cell(d.Host)
}

func mediaTypesObserved(o Observed) string {
	if len(o.MediaTypes) == 0 {
		return "not observed (no response was checked)"
	}
	return countsCell(o.MediaTypes)
}

func typesObserved(o Observed, d ReportData) string {
	if !o.ListingSeen {
		return "not observed (no listing succeeded)"
	}
	if len(o.Types) == 0 {
		return "no keys listed"
	}
	s := countsCell(o.Types)
	if outside := TypesOutside(o.Types, d.TableTypes); len(outside) > 0 {
		s += "; not in the field table: " + strings.Join(outside, ", ")
	}
	if undeclared := TypesOutside(o.Types, d.SpecTypes); len(undeclared) > 0 {
		s += "; not in openapi.yaml: " + strings.Join(undeclared, ", ")
	}
	return cell(s)
}

// TypesOutside returns the observed type values that allowed lacks, sorted.
func TypesOutside(observed map[string]int, allowed []string) []string {
	var out []string
	for t := range observed {
		if !slices.Contains(allowed, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

func nullObserved(o Observed) string {
	switch {
	case !o.ListingSeen:
		return "not observed (no listing succeeded)"
	case o.NullLastUsed == 0:
		return fmt.Sprintf("not observed: none of %d keys had a null last_used", o.Keys)
	}
	return fmt.Sprintf("%d of %d keys never used (null)", o.NullLastUsed, o.Keys)
}

func undocumentedObserved(o Observed) string {
	switch {
	case o.Checked == 0:
		return "not observed (no response was checked)"
	case len(o.Undocumented) == 0:
		return fmt.Sprintf("none in %s", plural(o.Checked, "response"))
	}
	return countsCell(o.Undocumented)
}

func pairsObserved(o Observed) string {
	switch {
	case !o.ListingSeen:
		return "not observed"
	case o.DuplicatePairs == 0:
		return fmt.Sprintf("unique across %d keys", o.Keys)
	}
	return fmt.Sprintf("%d pairs shared by more than one key", o.DuplicatePairs)
}

func countsCell(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return cell(strings.Join(parts, ", "))
}

// cell makes s fit one Markdown table cell.
func cell(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.ReplaceAll(s, "\n", "<br>")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
