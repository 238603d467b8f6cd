package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/flexcontract/flexfactor-apikeys/internal/benchstat"
)

// The double's goals (issues 13, 18 and 25).
const (
	maxRSS30MB         = 64.0
	maxRSSGrowth       = 1.2 // RSS after 30 s over RSS after 5 s
	minPrismRatio      = 3.0 // list throughput, double over Prism
	minTokenSteadiness = 0.9 // token throughput, sixth window over first
	maxP99WithToken    = 2.0 // list p99 with token calls beside, over alone
)

// figures holds every sample of a run (server -> figure -> values, in the
// order printed) and the run's notes.
type figures struct {
	samples benchstat.Samples
	notes   []string
}

func parseFigures(r io.Reader) (*figures, error) {
	f := &figures{samples: benchstat.Samples{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if note, ok := strings.CutPrefix(line, "# "); ok {
			f.notes = append(f.notes, note)
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 4 || fields[0] != "figure" {
			continue
		}
		v, err := strconv.ParseFloat(fields[3], 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", line, err)
		}
		f.samples.Add(fields[1], fields[2], v)
	}
	return f, sc.Err()
}

// need returns a figure's median or records that it is missing.
func (f *figures) need(missing *[]string, server, name string) float64 {
	v, ok := f.samples.Median(server, name)
	if !ok {
		*missing = append(*missing, server+" "+name)
	}
	return v
}

// checkFigures prints the double's figures, the double beside Prism, and
// the goals, and reports whether every goal is met. A missing figure is an
// error.
func checkFigures(r io.Reader, w io.Writer) (bool, error) {
	f, err := parseFigures(r)
	if err != nil {
		return false, err
	}
	var missing []string
	for _, n := range f.notes {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| figure | double | per window (min / median / max) |")
	fmt.Fprintln(w, "|---|---:|---|")
	units := []struct{ name, label, format string }{
		{"req/s", "requests/s", "%.0f"},
		{"cpu-us", "CPU µs per request", "%.1f"},
		{"p50-us", "p50 latency µs", "%.0f"},
		{"p99-us", "p99 latency µs", "%.0f"},
	}
	for _, u := range units {
		name := "list-" + u.name
		fmt.Fprintf(w, "| list %s | "+u.format+" | %s |\n", u.label, f.need(&missing, "double", name), benchstat.Spread(u.format, f.samples.Of("double", name)))
	}
	p99With := f.need(&missing, "double", "list-p99-with-token-us")
	fmt.Fprintf(w, "| list p99 latency µs, token calls beside | %.0f | %s |\n", p99With, benchstat.Spread("%.0f", f.samples.Of("double", "list-p99-with-token-us")))
	rss5, rss30 := f.need(&missing, "double", "rss-5s-MB"), f.need(&missing, "double", "rss-30s-MB")
	fmt.Fprintf(w, "| RSS MB after 5 s of list load | %.1f | |\n", rss5)
	fmt.Fprintf(w, "| RSS MB after 30 s of list load | %.1f | |\n", rss30)
	tok1 := f.need(&missing, "double", "token-window1-req/s")
	tok6 := f.need(&missing, "double", fmt.Sprintf("token-window%d-req/s", windows))
	fmt.Fprintf(w, "| token requests/s, first window | %.0f | |\n", tok1)
	fmt.Fprintf(w, "| token requests/s, sixth window | %.0f | |\n", tok6)
	if pairs, ok := f.samples.Median("double", "create-revoke-req/s"); ok {
		cpu, _ := f.samples.Median("double", "create-revoke-cpu-us")
		p99, _ := f.samples.Median("double", "create-revoke-p99-us")
		rss, _ := f.samples.Median("double", "rss-after-create-revoke-MB")
		fmt.Fprintf(w, "| create + revoke pairs/s (CPU µs per pair, p99 µs) | %.0f (%.1f, %.0f) | |\n", pairs, cpu, p99)
		fmt.Fprintf(w, "| RSS MB after the creates and revokes | %.1f | |\n", rss)
	}
	prismRun := len(f.samples.Of("prism", "list-req/s")) > 0
	if prismRun {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| figure | double | Prism | double / Prism, per round (min / median / max) |")
		fmt.Fprintln(w, "|---|---:|---:|---|")
		for _, u := range units {
			name := "list-" + u.name
			d, p := f.need(&missing, "double", name), f.need(&missing, "prism", name)
			fmt.Fprintf(w, "| list %s | "+u.format+" | "+u.format+" | %s |\n", u.label, d, p, benchstat.Spread("%.2f", f.samples.Paired("double", "prism", name)))
		}
		prismRSS, _ := f.samples.Median("prism", "rss-list-MB")
		fmt.Fprintf(w, "| RSS MB after the list windows | %.1f | %s | |\n", rss30, orDash(prismRSS, "%.1f"))
	}
	if len(missing) > 0 {
		return false, fmt.Errorf("figures missing from the input: %s", strings.Join(missing, ", "))
	}

	p99Alone, _ := f.samples.Median("double", "list-p99-us")
	goals := []benchstat.Goal{
		{Text: fmt.Sprintf("RSS after 30 s of list load <= %.0f MB", maxRSS30MB), OK: rss30 <= maxRSS30MB, Seen: fmt.Sprintf("%.1f MB", rss30)},
		{Text: fmt.Sprintf("RSS after 30 s <= %.1fx RSS after 5 s", maxRSSGrowth), OK: rss30 <= maxRSSGrowth*rss5, Seen: fmt.Sprintf("%.2fx", rss30/rss5)},
		{Text: fmt.Sprintf("token throughput, sixth window >= %.1fx the first", minTokenSteadiness), OK: tok6 >= minTokenSteadiness*tok1, Seen: fmt.Sprintf("%.2fx", tok6/tok1)},
		{Text: fmt.Sprintf("list p99 with token calls beside <= %.0fx list p99 alone (medians of windows)", maxP99WithToken), OK: p99With <= maxP99WithToken*p99Alone, Seen: fmt.Sprintf("%.2fx", p99With/p99Alone)},
	}
	prismGoal := benchstat.Goal{Text: fmt.Sprintf("list throughput >= %.0fx Prism's (median of per-round ratios)", minPrismRatio)}
	if prismRun {
		r, _ := benchstat.Median(f.samples.Paired("double", "prism", "list-req/s"))
		prismGoal.OK, prismGoal.Seen = r >= minPrismRatio, fmt.Sprintf("%.2fx", r)
	} else {
		// Prism could not run: said once; no goal is judged on it.
		why := "no figures"
		for _, n := range f.notes {
			if rest, ok := strings.CutPrefix(n, "prism: not run: "); ok {
				why = rest
			}
		}
		prismGoal.NotJudged, prismGoal.Seen = true, fmt.Sprintf("Prism did not run (%s)", why)
	}
	return benchstat.Judge(w, "benchdouble", append(goals, prismGoal)), nil
}

func orDash(v float64, format string) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf(format, v)
}
