// Package benchstat is the arithmetic the benchmark judges share
// (cmd/benchcheck for `make bench`, cmd/benchdouble for `make
// bench-double`): samples by name and unit, medians, ratios paired within a
// run, and the table of goals with their verdicts.
//
// Goals are judged on the median of paired ratios: the i-th sample of each
// side was measured in the same run (or round), one right after the other,
// so that a run slowed down by the machine's other work slows both, and
// one noisy run decides nothing alone. golang.org/x/perf's benchmath
// compares independent samples instead, which is not what these goals ask.
package benchstat

import (
	"fmt"
	"io"
	"slices"
)

// Samples holds every sample of every figure: name -> unit -> values, in
// the order they were added.
type Samples map[string]map[string][]float64

// Add appends one sample.
func (s Samples) Add(name, unit string, v float64) {
	if s[name] == nil {
		s[name] = map[string][]float64{}
	}
	s[name][unit] = append(s[name][unit], v)
}

// Of is a figure's samples, in the order added.
func (s Samples) Of(name, unit string) []float64 { return s[name][unit] }

// Median is the median of a figure's samples, and whether it has any.
func (s Samples) Median(name, unit string) (float64, bool) { return Median(s[name][unit]) }

// Paired is the ratio of a's samples to b's, sample by sample (the i-th of
// each from the same run), over as many as both have; a zero denominator
// is left out.
func (s Samples) Paired(a, b, unit string) []float64 { return Paired(s[a][unit], s[b][unit]) }

// Median of vs, and whether vs has any value. vs is not changed.
func Median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	vs = slices.Sorted(slices.Values(vs))
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

// Paired is as[i]/bs[i] for each i both have, leaving out a zero bs[i].
func Paired(as, bs []float64) []float64 {
	var out []float64
	for i := range min(len(as), len(bs)) {
		if bs[i] != 0 {
			out = append(out, as[i]/bs[i])
		}
	}
	return out
}

// Spread prints ratios as "min / median / max", each with format (%.2f,
// say); one ratio alone, and nothing for none.
func Spread(format string, rs []float64) string {
	if len(rs) == 0 {
		return ""
	}
	m, _ := Median(rs)
	if len(rs) == 1 {
		return fmt.Sprintf(format, m)
	}
	return fmt.Sprintf(format+" / "+format+" / "+format, slices.Min(rs), m, slices.Max(rs))
}

// Goal is one row of a verdict table: what is promised, what was seen, and
// whether it is met. A goal not judged (its figures could not be made)
// says why in Seen.
type Goal struct {
	Text string
	Seen string
	OK   bool
	// NotJudged marks a goal whose figures could not be made: it is shown
	// as "not judged" and counts as neither met nor missed.
	NotJudged bool
}

// WriteGoals prints the goals as a Markdown table (goal, seen, verdict)
// and reports whether every judged goal is met.
func WriteGoals(w io.Writer, goals []Goal) bool {
	fmt.Fprintln(w, "| goal | seen | verdict |")
	fmt.Fprintln(w, "|---|---:|---|")
	all := true
	for _, g := range goals {
		v := "MISSED"
		if g.OK {
			v = "met"
		}
		if g.NotJudged {
			v = "not judged"
		} else {
			all = all && g.OK
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", g.Text, g.Seen, v)
	}
	return all
}

// Judge prints the goals (WriteGoals) after a blank line, then the line
// that ends program's output: every goal met, or a goal MISSED. It reports
// whether every judged goal is met.
func Judge(w io.Writer, program string, goals []Goal) bool {
	fmt.Fprintln(w)
	all := WriteGoals(w, goals)
	fmt.Fprintln(w)
	if all {
		fmt.Fprintf(w, "%s: every goal met\n", program)
	} else {
		fmt.Fprintf(w, "%s: a goal was MISSED\n", program)
	}
	return all
}
