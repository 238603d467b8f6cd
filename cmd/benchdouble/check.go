package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/flexcontract/flexfactor-apikeys/internal/benchstat"
)

// The double's goals (issues 13 and 18).
const (
	maxRSS30MB         = 64.0
	maxRSSGrowth       = 1.2 // RSS after 30 s over RSS after 5 s
	minPrismRatio      = 3.0 // list throughput, double over Prism
	minTokenSteadiness = 0.9 // token throughput, sixth window over first
	maxListCPURatio    = 1.2 // CPU per list request, double over bare
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

// checkFigures prints the side-by-side table and the goals, and reports
// whether every goal is met. A missing figure is an error.
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
	fmt.Fprintln(w, "| figure | double | bare | double / bare, per round (min / median / max) |")
	fmt.Fprintln(w, "|---|---:|---:|---|")
	units := []struct{ name, label, format string }{
		{"req/s", "requests/s", "%.0f"},
		{"cpu-us", "CPU µs per request", "%.1f"},
		{"p50-us", "p50 latency µs", "%.0f"},
		{"p99-us", "p99 latency µs", "%.0f"},
	}
	for _, path := range []string{"list", "token", "401"} {
		for _, u := range units {
			name := path + "-" + u.name
			d, b := f.need(&missing, "double", name), f.need(&missing, "bare", name)
			fmt.Fprintf(w, "| %s %s | "+u.format+" | "+u.format+" | %s |\n", path, u.label, d, b, benchstat.Spread("%.2f", f.samples.Paired("double", "bare", name)))
		}
	}
	p99With := f.need(&missing, "double", "list-p99-with-token-us")
	bareWith, _ := f.samples.Median("bare", "list-p99-with-token-us")
	fmt.Fprintf(w, "| list p99 latency µs, token calls beside | %.0f | %.0f | %s |\n", p99With, bareWith, benchstat.Spread("%.2f", f.samples.Paired("double", "bare", "list-p99-with-token-us")))
	rss5, rss30 := f.need(&missing, "double", "rss-5s-MB"), f.need(&missing, "double", "rss-30s-MB")
	bareRSS, _ := f.samples.Median("bare", "rss-list-MB")
	fmt.Fprintf(w, "| RSS MB after 5 s of list load (bare: after its list windows) | %.1f | %s | |\n", rss5, orDash(bareRSS, "%.1f"))
	fmt.Fprintf(w, "| RSS MB after 30 s of list load | %.1f | — | |\n", rss30)
	if pairs, ok := f.samples.Median("double", "create-revoke-req/s"); ok {
		cpu, _ := f.samples.Median("double", "create-revoke-cpu-us")
		p99, _ := f.samples.Median("double", "create-revoke-p99-us")
		rss, _ := f.samples.Median("double", "rss-after-create-revoke-MB")
		fmt.Fprintf(w, "| create + revoke pairs/s (CPU µs per pair, p99 µs) | %.0f (%.1f, %.0f) | — | |\n", pairs, cpu, p99)
		fmt.Fprintf(w, "| RSS MB after the creates and revokes | %.1f | — | |\n", rss)
	}
	tok1 := f.need(&missing, "double", "token-window1-req/s")
	tok6 := f.need(&missing, "double", fmt.Sprintf("token-window%d-req/s", windows))
	fmt.Fprintf(w, "| token requests/s, first window | %.0f | — | |\n", tok1)
	fmt.Fprintf(w, "| token requests/s, sixth window | %.0f | — | |\n", tok6)
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
	cpu, _ := benchstat.Median(f.samples.Paired("double", "bare", "list-cpu-us"))
	goals := []benchstat.Goal{
		{Text: fmt.Sprintf("RSS after 30 s of list load <= %.0f MB", maxRSS30MB), OK: rss30 <= maxRSS30MB, Seen: fmt.Sprintf("%.1f MB", rss30)},
		{Text: fmt.Sprintf("RSS after 30 s <= %.1fx RSS after 5 s", maxRSSGrowth), OK: rss30 <= maxRSSGrowth*rss5, Seen: fmt.Sprintf("%.2fx", rss30/rss5)},
		{Text: fmt.Sprintf("token throughput, sixth window >= %.1fx the first", minTokenSteadiness), OK: tok6 >= minTokenSteadiness*tok1, Seen: fmt.Sprintf("%.2fx", tok6/tok1)},
		{Text: fmt.Sprintf("CPU per list request <= %.1fx the bare handler's (median of paired ratios)", maxListCPURatio), OK: cpu <= maxListCPURatio, Seen: fmt.Sprintf("%.2fx", cpu)},
		{Text: fmt.Sprintf("list p99 with token calls beside <= %.0fx list p99 alone", maxP99WithToken), OK: p99With <= maxP99WithToken*p99Alone, Seen: fmt.Sprintf("%.2fx", p99With/p99Alone)},
	}
	prismGoal := benchstat.Goal{Text: fmt.Sprintf("list throughput >= %.0fx Prism's (median of per-round ratios)", minPrismRatio)}
	if prismRun {
		r, _ := benchstat.Median(f.samples.Paired("double", "prism", "list-req/s"))
		prismGoal.OK, prismGoal.Seen = r >= minPrismRatio, fmt.Sprintf("%.2fx", r)
	} else {
		// Prism could not run: said once, and the bare handler shown
		// instead; no goal is judged on it.
		why := "no figures"
		for _, n := range f.notes {
			if rest, ok := strings.CutPrefix(n, "prism: not run: "); ok {
				why = rest
			}
		}
		r, _ := benchstat.Median(f.samples.Paired("double", "bare", "list-req/s"))
		prismGoal.NotJudged, prismGoal.Seen = true, fmt.Sprintf("Prism did not run (%s); list throughput %.2fx the bare handler's", why, r)
	}
	fmt.Fprintln(w)
	all := benchstat.WriteGoals(w, append(goals, prismGoal))
	fmt.Fprintln(w)
	if all {
		fmt.Fprintln(w, "benchdouble: every goal met")
	} else {
		fmt.Fprintln(w, "benchdouble: a goal was MISSED")
	}
	return all, nil
}

func orDash(v float64, format string) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf(format, v)
}
