package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// How much history a run keeps and shows.
const (
	// MaxNights is how many runs observations.json carries from night to
	// night, this one included.
	MaxNights = 90
	// ShownNights is how many of them the report shows.
	ShownNights = 14
)

// A Night is one run as the history keeps it: what it found, no values.
type Night struct {
	Time string `json:"time"`
	// Run links to the run (FLEXFACTOR_RUN_URL); "" when not given.
	Run     string `json:"run,omitempty"`
	Verdict string `json:"verdict"`
	// Cause is the verdict's first line without its kind: the first
	// cause, in words; "" on a green night.
	Cause string `json:"cause,omitempty"`
	// Target is why the target could not be checked (TargetDown,
	// TargetUnreachable, TargetTokenRefused), "" when it answered.
	Target string `json:"target,omitempty"`
	// Groups is each check group's outcome (the first part of a check's
	// name), the worst of its checks'.
	Groups map[string]string `json:"groups,omitempty"`
	// Ledger is each discrepancy's verdict, by id.
	Ledger map[string]string `json:"ledger,omitempty"`
}

// NightOf is this run as the history keeps it.
func NightOf(obs Observations, checks []CheckResult, runURL string) Night {
	n := Night{Time: obs.Time, Run: runURL, Verdict: obs.Verdict.Kind, Target: obs.Verdict.Target,
		Groups: map[string]string{}, Ledger: map[string]string{}}
	if _, why, ok := strings.Cut(obs.Verdict.Line, ": "); ok && obs.Verdict.Kind != VerdictPassed {
		n.Cause = why
	}
	for _, c := range checks {
		group, _, _ := strings.Cut(c.Name, NameSeparator)
		if old, ok := n.Groups[group]; !ok || severity(c.Outcome) > severity(old) {
			n.Groups[group] = c.Outcome
		}
	}
	for _, e := range obs.Ledger {
		n.Ledger[e.ID] = e.Verdict
	}
	return n
}

// severity orders outcomes: a group shows its worst check's.
func severity(outcome string) int {
	return slices.Index([]string{OutcomeSkipped, OutcomeRecorded, OutcomePassed, OutcomeNotJudged, OutcomeNotRun, OutcomeInconclusive, OutcomeFailed}, outcome)
}

// Carry is the history after this night: the previous run's, then this
// night, the last MaxNights of them.
func Carry(prev *Observations, this Night) []Night {
	var h []Night
	if prev != nil {
		h = slices.Clone(prev.History)
	}
	h = append(h, this)
	if len(h) > MaxNights {
		h = h[len(h)-MaxNights:]
	}
	return h
}

// WriteHistory renders the last ShownNights nights of h: per check group
// and per discrepancy, each night's outcome, each night named by its date
// and linked to its run; then how many nights of h were green, failed
// the contract, or found the target down, unreachable or refusing the
// token; and per discrepancy the night it was first observed and the
// night its verdict last changed.
func WriteHistory(w io.Writer, h []Night) {
	if len(h) == 0 {
		fmt.Fprintf(w, "No history: the previous observations carried none.\n")
		return
	}
	fmt.Fprintf(w, "%s\n\n", tallyNights(h))
	shown := h[max(0, len(h)-ShownNights):]
	header := "| |"
	rule := "|---|"
	for _, n := range shown {
		header += " " + nightName(n, shown) + " |"
		rule += "---|"
	}
	fmt.Fprintf(w, "%s\n%s\n", header, rule)
	row := func(name string, outcome func(Night) string) {
		fmt.Fprintf(w, "| %s |", cell(name))
		for _, n := range shown {
			fmt.Fprintf(w, " %s |", outcome(n))
		}
		fmt.Fprintln(w)
	}
	row("**verdict**", func(n Night) string {
		if n.Target != "" {
			return "target " + n.Target
		}
		return mark(n.Verdict)
	})
	for _, g := range keysOf(shown, func(n Night) map[string]string { return n.Groups }) {
		row(g, func(n Night) string { return mark(n.Groups[g]) })
	}
	ids := keysOf(h, func(n Night) map[string]string { return n.Ledger })
	slices.SortFunc(ids, compareIDs)
	for _, id := range ids {
		row(id, func(n Night) string { return mark(n.Ledger[id]) })
	}
	fmt.Fprintf(w, "\n✓ passed, confirmed; ✗ failed, contradicted; ? inconclusive; · not run, not judged or not observed; blank: not in that run.\n\n")
	fmt.Fprintf(w, "| Discrepancy | Now | First observed | Last changed |\n|---|---|---|---|\n")
	for _, id := range ids {
		first, changed := FirstAndChanged(h, id)
		now := h[len(h)-1].Ledger[id]
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", id, orDash(now), nightLink(first, h), nightLink(changed, h))
	}
}

// FirstAndChanged are, for discrepancy id, the night of h that first
// observed it (confirmed or contradicted) and the night its observed
// verdict last changed (the first observation when it never did); nil
// when none. A night that did not observe it (the target down, the check
// not run) changes nothing.
func FirstAndChanged(h []Night, id string) (first, changed *Night) {
	for i := range h {
		v := h[i].Ledger[id]
		if v == "" || v == LedgerNotObserved {
			continue
		}
		if first == nil {
			first = &h[i]
		}
		if changed == nil || v != changed.Ledger[id] {
			changed = &h[i]
		}
	}
	return first, changed
}

// tallyNights counts the nights of h by what they found.
func tallyNights(h []Night) string {
	var green, failed, inconclusive int
	broken := map[string]int{}
	for _, n := range h {
		switch {
		case n.Target != "":
			broken[n.Target]++
		case n.Verdict == VerdictPassed:
			green++
		case n.Verdict == VerdictInconclusive:
			inconclusive++
		default:
			failed++
		}
	}
	s := fmt.Sprintf("Of the last %s: %d green, %d failed the contract, %d inconclusive; the target was down %s, unreachable %s, refused the token %s.",
		plural(len(h), "night"), green, failed, inconclusive, times(broken[TargetDown]), times(broken[TargetUnreachable]), times(broken[TargetTokenRefused]))
	return s
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// nightName names a night by its date, and its time when another shown
// night has the same date, linked to its run.
func nightName(n Night, shown []Night) string {
	t, err := time.Parse(time.RFC3339, n.Time)
	if err != nil {
		return cell(n.Time)
	}
	name := t.UTC().Format(time.DateOnly)
	same := 0
	for _, o := range shown {
		if strings.HasPrefix(o.Time, name) {
			same++
		}
	}
	if same > 1 {
		name += " " + t.UTC().Format("15:04")
	}
	if n.Run != "" {
		return "[" + name + "](" + n.Run + ")"
	}
	return name
}

func nightLink(n *Night, h []Night) string {
	if n == nil {
		return "-"
	}
	return nightName(*n, h)
}

// mark is an outcome or a ledger verdict as one character.
func mark(outcome string) string {
	switch outcome {
	case OutcomePassed, OutcomeRecorded, LedgerConfirmed, VerdictPassed:
		return "✓"
	case OutcomeFailed, LedgerContradicted, VerdictFailed, VerdictBroken:
		return "✗"
	case OutcomeInconclusive, VerdictInconclusive:
		return "?"
	case "":
		return ""
	}
	return "·"
}

// keysOf is every key of the nights' maps, sorted.
func keysOf(h []Night, m func(Night) map[string]string) []string {
	var out []string
	for _, n := range h {
		for k := range m(n) {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// compareIDs orders D2 before D10.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
