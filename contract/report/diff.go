package report

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// A Fact is one thing a run observed, flattened for comparison: a name,
// a value, the ledger id it bears on, and whether a change of it matters
// (counts and times do not; a new type value does).
type Fact struct {
	Name    string
	Value   string
	Ledger  string
	Matters bool
}

// judgedPrefix starts the name of a fact of Observations.Judged.
const judgedPrefix = "judged: "

// Absent is the value of a fact one side did not observe.
const Absent = "absent"

// Facts flattens observations into facts, by name.
func Facts(o Observations) map[string]Fact {
	facts := map[string]Fact{}
	add := func(name, value, ledger string, matters bool) {
		facts[name] = Fact{Name: name, Value: value, Ledger: ledger, Matters: matters}
	}
	add("verdict", o.Verdict.Kind, "", true)
	add("spec version", o.SpecVersion, "", false)
	if o.Listing == nil {
		add("key type values", "not observed", "D1", true)
		add("null last_used", "not observed", "D3", true)
	} else {
		add("key type values", strings.Join(o.Listing.typeValues(), ", "), "D1", true)
		null := "not seen"
		if o.Listing.NullLastUsed > 0 {
			null = "seen"
		}
		add("null last_used", null, "D3", true)
	}
	for _, f := range o.Undocumented {
		ledger := ""
		if f.Operation == OpCreateToken {
			ledger = "D8"
		}
		add(fmt.Sprintf("undocumented field %s %d %s", f.Operation, f.Status, f.Pointer), "present", ledger, true)
	}
	// One fact per operation: the statuses it answered, each with its
	// media type, so that a status answered another way (revoke's 200 or
	// 204) is one change.
	answers := map[string][]string{}
	for _, r := range o.Responses {
		key := r.Operation + " " + strconv.Itoa(r.Status)
		answers[r.Operation] = append(answers[r.Operation], strconv.Itoa(r.Status)+" "+r.MediaType)
		if r.BodyShape != "" {
			ledger := "D4"
			switch {
			case r.Operation == OpCreateToken && r.Status == 401:
				ledger = "D9"
			case r.Operation == OpCreateAPIKey || r.Operation == OpRevokeAPIKey:
				ledger = "D13"
			}
			add("error body "+key, r.BodyShape, ledger, true)
		}
	}
	for op, list := range answers {
		slices.Sort(list)
		add("responses "+op, strings.Join(slices.Compact(list), ", "), operationLedger[op], true)
	}
	for k, v := range o.GroundTruth {
		add("ground truth: "+k, v, groundTruthLedger(k), true)
	}
	for k, v := range o.Judged {
		op, _, _ := strings.Cut(k, " ")
		add(judgedPrefix+k, v, operationLedger[op], true)
	}
	for _, e := range o.Ledger {
		add("ledger "+e.ID, e.Verdict, e.ID, true)
	}
	// Present or not, not why or by which id: both change every night.
	for _, l := range o.KeysLeft {
		name := "key left on the target: created " + l.Asked
		if l.Probe != "" {
			name += " by the probe " + l.Probe
		}
		add(name, "left", "", true)
	}
	return facts
}

// A Change is a fact that differs between two observation files.
type Change struct {
	Fact          string
	Before, After string
	Ledger        string
	Matters       bool
}

// String is "key type values [D1]: public, secret → publishable, secret".
func (c Change) String() string {
	id := ""
	if c.Ledger != "" {
		id = " [" + c.Ledger + "]"
	}
	return fmt.Sprintf("%s%s: %s → %s", c.Fact, id, c.Before, c.After)
}

// Diff lists the facts that appeared, disappeared or changed from before
// to after, sorted by fact.
func Diff(before, after Observations) []Change {
	a, b := Facts(before), Facts(after)
	names := map[string]bool{}
	for n := range a {
		names[n] = true
	}
	for n := range b {
		names[n] = true
	}
	var out []Change
	for _, n := range slices.Sorted(maps.Keys(names)) {
		fa, inA := a[n]
		fb, inB := b[n]
		if inA && inB && fa.Value == fb.Value {
			continue
		}
		c := Change{Fact: n, Before: Absent, After: Absent}
		if inA {
			c.Before, c.Ledger, c.Matters = fa.Value, fa.Ledger, fa.Matters
		}
		if inB {
			c.After, c.Ledger, c.Matters = fb.Value, fb.Ledger, c.Matters || fb.Matters
		}
		if strings.HasPrefix(n, judgedPrefix) && (!inA || !inB) {
			// A judged fact one run has and the other lacks was judged in
			// one run only (a check not run, a file older than the fact):
			// the verdict and the ledger say what matters of that.
			c.Matters = false
		}
		out = append(out, c)
	}
	return out
}

// ThatMatter words a count of changes that matter: "1 change that
// matters", "2 changes that matter".
func ThatMatter(n int) string {
	if n == 1 {
		return "1 change that matters"
	}
	return plural(n, "change") + " that matter"
}

// Mattering counts the changes that matter.
func Mattering(changes []Change) int {
	n := 0
	for _, c := range changes {
		if c.Matters {
			n++
		}
	}
	return n
}

// Side names a target in a comparison: "the double", "the sandbox", or
// "the live target".
func Side(o Observations) string {
	switch {
	case o.Target.Kind == TargetDouble:
		return "the double"
	case o.Target.Environment != "":
		return "the " + o.Target.Environment
	}
	return "the live target"
}

// Compare words a change between two targets: "key type values [D1]: the
// double answers public, secret; the sandbox answers publishable, secret".
func Compare(c Change, left, right string) string {
	id := ""
	if c.Ledger != "" {
		id = " [" + c.Ledger + "]"
	}
	return fmt.Sprintf("%s%s: %s answers %s; %s answers %s", c.Fact, id, left, c.Before, right, c.After)
}

// operationLedger is the discrepancy an operation's statuses and media
// types settle.
var operationLedger = map[string]string{OpRevokeAPIKey: "D14", OpCreateAPIKey: "D13"}

// groundTruthLedger is the discrepancy a ground-truth fact settles.
func groundTruthLedger(fact string) string {
	switch {
	case strings.HasSuffix(fact, GroundTruthListedAs):
		return "D1"
	case strings.HasSuffix(fact, GroundTruthLastUsed):
		return "D3"
	case strings.HasSuffix(fact, GroundTruthLastFour):
		return "D10"
	}
	return ""
}

// DiffTargets is Diff for two targets of one night. Ground truth is
// compared only when both runs made keys: a side that did not (its
// lifecycle off) has nothing to compare, which is not a difference in
// behaviour; a note says so.
func DiffTargets(left, right Observations) (changes []Change, notes []string) {
	for _, side := range []struct {
		o    Observations
		name string
	}{{left, Side(left)}, {right, Side(right)}} {
		if len(side.o.GroundTruth) == 0 && (len(left.GroundTruth) > 0 || len(right.GroundTruth) > 0) {
			notes = append(notes, "ground truth not compared: "+side.name+"'s run made no keys (FLEXFACTOR_LIFECYCLE was not set)")
		}
	}
	for _, c := range Diff(left, right) {
		if len(notes) > 0 && (strings.HasPrefix(c.Fact, "ground truth: ") || strings.HasPrefix(c.Fact, judgedPrefix+"key created ")) {
			continue
		}
		changes = append(changes, c)
	}
	return changes, notes
}
