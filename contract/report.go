package contract

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// ReportFile is the name of the report written for a person.
const ReportFile = "contract-report.md"

// Redactor replaces known secrets in text. Every string the suite writes
// to a report goes through one, as a last line of defence: the checks
// themselves never put a value from a response into a message.
type Redactor struct{ secrets []string }

// NewRedactor redacts the given secrets; empty ones are ignored.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add registers more secrets, such as a token obtained during the run.
func (r *Redactor) Add(secrets ...string) {
	for _, s := range secrets {
		if len(s) >= 4 && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	// Longest first, so that a secret containing another is hidden whole.
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

// Redact returns s with every secret replaced by [REDACTED].
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "[REDACTED]")
	}
	return s
}

// ReportData is what the report says beyond the specs' results.
type ReportData struct {
	Target      string
	Host        string
	SpecVersion string
	Strict      bool
	Stats       Stats
	Observed    Observed
	// SpecTypes are the type values openapi.yaml declares.
	SpecTypes []string
	Notes     []string
}

// ReportDir is where the reports of a run go: FLEXFACTOR_REPORT_DIR as
// lookup finds it, else the directory of the JUnit report the ginkgo CLI was
// asked for, else "" (a plain `go test` run writes no report).
func ReportDir(junitReport string, lookup func(string) (string, bool)) string {
	if d, _ := lookup(EnvReportDir); d != "" {
		return d
	}
	if junitReport != "" {
		return filepath.Dir(junitReport)
	}
	return ""
}

// WriteReportFile writes the report to dir/contract-report.md.
func WriteReportFile(dir string, r types.Report, d ReportData, red *Redactor) (string, error) {
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

// A CheckResult is one spec's outcome, as the report shows it.
type CheckResult struct {
	Name   string
	Labels []string
	State  string
	Detail string
}

// Checks lists every spec of the run with its outcome; setup failures
// (BeforeSuite) come first.
func Checks(r types.Report) []CheckResult {
	var out []CheckResult
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt && !s.State.Is(types.SpecStateFailureStates) {
			continue
		}
		name := s.FullText()
		if name == "" {
			name = s.LeafNodeType.String()
		}
		c := CheckResult{Name: name, Labels: s.Labels(), State: s.State.String()}
		if s.State.Is(types.SpecStateFailureStates) || s.State == types.SpecStateSkipped {
			c.Detail = s.Failure.Message
		}
		out = append(out, c)
	}
	return out
}

// WriteMarkdown renders the report for a person. Every string passes
// through red.
func WriteMarkdown(w io.Writer, r types.Report, d ReportData, red *Redactor) {
	p := func(format string, args ...any) { fmt.Fprintf(w, "%s", red.Redact(fmt.Sprintf(format, args...))) }
	checks := Checks(r)
	passed, failed, skipped := 0, 0, 0
	for _, c := range checks {
		switch {
		case c.State == types.SpecStatePassed.String():
			passed++
		case c.State == types.SpecStateSkipped.String() || c.State == types.SpecStatePending.String():
			skipped++
		default:
			failed++
		}
	}
	result := "PASSED"
	if !r.SuiteSucceeded {
		result = "FAILED"
	}

	p("# FlexFactor contract report\n\n")
	p("- **Result:** %s: %d passed, %d failed, %d skipped\n", result, passed, failed, skipped)
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

	p("\n## Checks\n\n| Check | Labels | Result | Detail |\n|---|---|---|---|\n")
	for _, c := range checks {
		p("| %s | %s | %s | %s |\n", cell(c.Name), cell(strings.Join(c.Labels, ", ")), c.State, cell(c.Detail))
	}

	o := d.Observed
	p("\n## Documented vs observed\n\n| What | Documented | Observed |\n|---|---|---|\n")
	p("| key `type` values | field table: %s; page example: secret, publishable; openapi.yaml: %s | %s |\n",
		strings.Join(TableTypes, ", "), strings.Join(d.SpecTypes, ", "), typesObserved(o, d.SpecTypes))
	p("| `last_used` null | field table: DateTime only; page example: null for a never-used key | %s |\n", nullObserved(o))
	p("| undocumented fields | none (clients must tolerate added fields) | %s |\n", undocumentedObserved(o))
	p("| host | endpoint tables: api-sandbox.flex-charge.com / api.flex-charge.com; curl example: api-sandbox.flexfactor.com; auth page: flexfactor.io | %s |\n", cell(d.Host))
	p("| response media types | application/json | %s |\n", countsCell(o.MediaTypes))
	p("| (name, last_four) pairs | \"use last_four and name to identify keys\" | %s |\n", pairsObserved(o))
}

func typesObserved(o Observed, specTypes []string) string {
	if !o.ListingSeen {
		return "not observed (no listing succeeded)"
	}
	if len(o.Types) == 0 {
		return "no keys listed"
	}
	s := countsCell(o.Types)
	if outside := TypesOutside(o.Types, TableTypes); len(outside) > 0 {
		s += "; not in the field table: " + strings.Join(outside, ", ")
	}
	if undeclared := TypesOutside(o.Types, specTypes); len(undeclared) > 0 {
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
	if len(o.Undocumented) == 0 {
		return "none"
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
	for _, k := range sortedKeys(m) {
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
