package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// The verdicts of a run, the first word of its report.
const (
	VerdictPassed       = "PASSED"
	VerdictFailed       = "FAILED"
	VerdictInconclusive = "INCONCLUSIVE"
	VerdictBroken       = "BROKEN TARGET"
)

// Report entries by which a spec tells the report what its outcome means,
// beyond Ginkgo's passed and skipped (see the suite's inconclusive and
// recorded helpers).
const (
	// EntryInconclusive marks a spec that could not prove what it checks
	// (no data to check it on): the run is INCONCLUSIVE unless something
	// failed. Its value says why.
	EntryInconclusive = "inconclusive"
	// EntryRecorded marks a spec that records an observation without
	// holding the target to it: the report says "recorded", not "passed".
	EntryRecorded = "recorded"
)

// NotRunPrefix starts the skip message of a spec not run because the
// target is broken.
const NotRunPrefix = "not run: "

// NotJudgedPrefix starts the skip message of a spec whose answer broke
// openapi.yaml: the check that owns that answer fails, once, naming the
// field, and this one says so instead of failing for the same cause.
const NotJudgedPrefix = "not judged: "

// The outcomes of a check as the report words them.
const (
	OutcomePassed       = "passed"
	OutcomeRecorded     = "recorded"
	OutcomeFailed       = "failed"
	OutcomeNotRun       = "not run"
	OutcomeNotJudged    = "not judged"
	OutcomeInconclusive = "inconclusive"
	OutcomeSkipped      = "skipped"
)

// NameSeparator joins the parts of a check's name: its containers and its
// own text.
const NameSeparator = " › "

// A CheckResult is one spec's outcome, as the report shows it.
type CheckResult struct {
	Name    string
	Labels  []string
	Outcome string
	// Detail is the failure or skip message, redacted by the caller.
	Detail string
}

// CheckName is a spec's full name with NameSeparator between its parts.
// The suite's one cleanup, which fails only naming the keys it could not
// revoke, is named for what it does.
func CheckName(s types.SpecReport) string {
	parts := slices.Clone(s.ContainerHierarchyTexts)
	if s.LeafNodeText != "" {
		parts = append(parts, s.LeafNodeText)
	}
	if len(parts) == 0 && s.LeafNodeType == types.NodeTypeCleanupAfterSuite {
		return "The run's cleanup" + NameSeparator + "revokes every key the run created"
	}
	if len(parts) == 0 {
		return s.LeafNodeType.String()
	}
	return strings.Join(parts, NameSeparator)
}

// Checks lists every spec of the run with its outcome, in a stable order
// (by name): setup failures (BeforeSuite and the like) first, then the
// specs.
func Checks(r types.Report) []CheckResult {
	var setup, specs []CheckResult
	for _, s := range r.SpecReports {
		isSpec := s.LeafNodeType == types.NodeTypeIt
		if !isSpec && !s.State.Is(types.SpecStateFailureStates) {
			continue
		}
		c := CheckResult{Name: CheckName(s), Labels: s.Labels(), Outcome: outcome(s)}
		switch c.Outcome {
		case OutcomeFailed, OutcomeSkipped, OutcomeInconclusive, OutcomeNotJudged:
			c.Detail = s.Failure.Message
			if s.State != types.SpecStateFailed && c.Outcome == OutcomeFailed {
				c.Detail = s.State.String() + ": " + c.Detail
			}
		case OutcomeNotRun:
			c.Detail = strings.TrimPrefix(s.Failure.Message, NotRunPrefix)
		case OutcomeRecorded:
			c.Detail = entryValue(s, EntryRecorded)
		}
		if isSpec {
			specs = append(specs, c)
		} else {
			setup = append(setup, c)
		}
	}
	slices.SortStableFunc(specs, func(a, b CheckResult) int { return strings.Compare(a.Name, b.Name) })
	return append(setup, specs...)
}

func outcome(s types.SpecReport) string {
	switch {
	case s.State.Is(types.SpecStateFailureStates):
		return OutcomeFailed
	case s.State == types.SpecStateSkipped && strings.HasPrefix(s.Failure.Message, NotRunPrefix):
		return OutcomeNotRun
	case s.State == types.SpecStateSkipped && strings.HasPrefix(s.Failure.Message, NotJudgedPrefix):
		return OutcomeNotJudged
	case hasEntry(s, EntryInconclusive):
		return OutcomeInconclusive
	case s.State == types.SpecStatePassed && hasEntry(s, EntryRecorded):
		return OutcomeRecorded
	case s.State == types.SpecStatePassed:
		return OutcomePassed
	}
	return OutcomeSkipped
}

func hasEntry(s types.SpecReport, name string) bool {
	return slices.ContainsFunc(s.ReportEntries, func(e types.ReportEntry) bool { return e.Name == name })
}

func entryValue(s types.SpecReport, name string) string {
	for _, e := range s.ReportEntries {
		if e.Name == name {
			return e.StringRepresentation()
		}
	}
	return ""
}

// A Verdict is the first thing a report says: what happened, in one line,
// and the one line a person should read first.
type Verdict struct {
	// Kind is VerdictPassed, VerdictFailed, VerdictInconclusive or
	// VerdictBroken.
	Kind string
	// Why completes the first line: the first failure's own words, the
	// cause, the reason.
	Why string
	// ReadFirst is the line to read first.
	ReadFirst string
	// Target is Broken.State on a broken target, else "".
	Target string
}

// Line is the verdict's first line: "PASSED", "FAILED: <what failed>",
// "INCONCLUSIVE: <why>", "BROKEN TARGET: <cause>".
func (v Verdict) Line() string {
	if v.Why == "" {
		return v.Kind
	}
	return v.Kind + ": " + v.Why
}

// Broken is a target that could not give the run a token or a listing:
// the cause in one sentence, and what to look at, or "".
type Broken struct {
	Cause, Hint string
	// State is TargetDown, TargetUnreachable or TargetTokenRefused when
	// the target could not be checked at all, "" when it answered in a
	// way that breaks the contract (a 404, a body that is not JSON).
	State string
}

// Why a target could not be checked: a night the history counts apart
// from the contract's failures.
const (
	TargetDown         = "down"
	TargetUnreachable  = "unreachable"
	TargetTokenRefused = "token refused"
)

// Tally counts the checks by outcome.
func Tally(checks []CheckResult) map[string]int {
	t := map[string]int{}
	for _, c := range checks {
		t[c.Outcome]++
	}
	return t
}

// Decide gives the run's verdict. In order: a misconfigured run
// (configErr) is INCONCLUSIVE, having checked nothing; a broken target is
// BROKEN TARGET with its cause; any failed check makes it FAILED; a run
// that proved nothing, or whose specs said they could not prove what they
// check, is INCONCLUSIVE; else PASSED.
func Decide(checks []CheckResult, configErr error, broken *Broken, suiteFailures []string) Verdict {
	t := Tally(checks)
	switch {
	case configErr != nil:
		return Verdict{Kind: VerdictInconclusive, Why: "the run is misconfigured, nothing was checked", ReadFirst: configErr.Error()}
	case broken != nil:
		read := broken.Hint
		if read == "" {
			read = fmt.Sprintf("%d checks were not run because of it", t[OutcomeNotRun])
		}
		return Verdict{Kind: VerdictBroken, Why: broken.Cause, ReadFirst: read, Target: broken.State}
	case t[OutcomeFailed] > 0:
		// The first line is the cause in the failure's words (it names the
		// field); the line to read first, the check that says it.
		i := slices.IndexFunc(checks, func(c CheckResult) bool { return c.Outcome == OutcomeFailed })
		read := "the check " + checks[i].Name
		if n := t[OutcomeFailed] - 1; n > 0 {
			read += fmt.Sprintf(" (and %s: see below)", plural(n, "other failed check"))
		}
		return Verdict{Kind: VerdictFailed, Why: headline(checks[i].Detail), ReadFirst: read}
	case len(suiteFailures) > 0:
		return Verdict{Kind: VerdictFailed, Why: "the run did not finish", ReadFirst: firstLine(suiteFailures[0])}
	case t[OutcomeInconclusive] > 0:
		var whys []string
		for _, c := range checks {
			if c.Outcome == OutcomeInconclusive {
				whys = append(whys, c.Name+": "+firstLine(c.Detail))
			}
		}
		return Verdict{Kind: VerdictInconclusive, Why: plural(len(whys), "check") + " could not prove anything", ReadFirst: whys[0]}
	case t[OutcomePassed] == 0:
		return Verdict{Kind: VerdictInconclusive, Why: "no check passed", ReadFirst: "nothing was proved: see the checks below"}
	}
	read := plural(t[OutcomePassed], "check") + " passed"
	if n := t[OutcomeRecorded]; n > 0 {
		read += fmt.Sprintf(", %d recorded what they observed", n)
	}
	if n := t[OutcomeSkipped]; n > 0 {
		read += fmt.Sprintf(", %d skipped (see why below)", n)
	}
	return Verdict{Kind: VerdictPassed, ReadFirst: read}
}

// Plural is "1 check", "2 checks".
func Plural(n int, noun string) string { return plural(n, noun) }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// headline is a failure's first line; a first line that introduces a
// list ("key values may be exposed:") gets the list's first item, and a
// count of the others, so that the line to read first says something.
func headline(s string) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	switch {
	case len(lines) == 0:
		return ""
	case len(lines) == 1 || !strings.HasSuffix(lines[0], ":"):
		return lines[0]
	case len(lines) == 2:
		return lines[0] + " " + lines[1]
	}
	return fmt.Sprintf("%s %s (and %d more)", lines[0], lines[1], len(lines)-2)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}
