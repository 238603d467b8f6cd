// Command benchcheck reads `go test -bench` output of the flexapi
// benchmarks and compares the client with what a user would otherwise build
// from the same libraries, the do-it-yourself path (the raw generated
// client plus kin-openapi's openapi3filter.ValidateResponse of each answer),
// against the project's goals: within 1.25x of its time at every size, at
// most 8 bytes allocated per byte of a costly body, and linear in the
// number of keys. An ogen client, which validates in generated code, is
// shown beside them, not judged. It also reports what checking a key
// against openapi.yaml costs, in µs per key. It prints Markdown tables and
// exits 1 when a goal is missed.
//
//	go test -run '^$' -bench . ./flexapi | go run ./cmd/benchcheck
//
// Several runs may be concatenated. Time is judged on paired ratios: the
// client's time over the do-it-yourself path's within each run (make bench
// reverses their order between runs), their median against the goal, min
// and max beside it, so that one noisy run on a shared machine decides
// nothing alone. Other figures are the median of their samples.
//
// Why not golang.org/x/perf: its benchmath summarises and compares
// independent samples (a median's confidence interval, a Mann-Whitney U
// test), while these goals are judged on ratios paired within a run, which
// it does not compute; and its benchfmt would replace the thirty lines of
// parse below with a dependency. The medians, paired ratios and verdicts
// are internal/benchstat's, shared with cmd/benchdouble.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/flexcontract/flexfactor-apikeys/internal/benchstat"
)

// The goals.
const (
	// maxTimeRatio bounds the client's time over the do-it-yourself path's,
	// on the median of the per-run ratios, at every size: both check every
	// answer against the spec, so the bound is on the client's own cost
	// (auth, retries, limits, redaction, typed errors).
	maxTimeRatio = 1.25
	// maxMarginalGrowth bounds the cost of one more key at the largest
	// size over its cost at the middle size: linear means it does not grow.
	maxMarginalGrowth = 1.25
	// maxAllocPerBodyByte is the limits promise (flexapi's
	// TestAllocationIsBoundedByTheBodySize): the bytes a list call
	// allocates per byte of a costly 2xx body under the cap.
	maxAllocPerBodyByte = 8
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: go test -bench . ./flexapi | benchcheck [file ...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	var in io.Reader = os.Stdin
	if flag.NArg() > 0 {
		var readers []io.Reader
		for _, name := range flag.Args() {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintln(os.Stderr, "benchcheck:", err)
				os.Exit(2)
			}
			defer f.Close()
			readers = append(readers, f)
		}
		in = io.MultiReader(readers...)
	}
	res, err := parse(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcheck:", err)
		os.Exit(2)
	}
	ok, err := report(os.Stdout, res)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcheck:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// results holds every sample of every metric: name -> unit -> values; cpu
// is the cpu: line of the output.
type results struct {
	samples benchstat.Samples
	cpu     string
}

// benchLine matches "BenchmarkX/keys=1/client-2   1000   123 ns/op ...".
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

func parse(r io.Reader) (*results, error) {
	res := &results{samples: benchstat.Samples{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cpu, ok := strings.CutPrefix(line, "cpu:"); ok {
			res.cpu = strings.TrimSpace(cpu)
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fields := strings.Fields(m[2])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", line, err)
			}
			res.samples.Add(m[1], fields[i+1], v)
		}
	}
	return res, sc.Err()
}

// get is the median of a metric, and whether there was any sample.
func (r *results) get(name, unit string) (float64, bool) { return r.samples.Median(name, unit) }

// paired is the ratio of a to b in each run (benchstat.Paired); each run
// must have both.
func (r *results) paired(a, b, unit string) ([]float64, error) {
	as, bs := r.samples.Of(a, unit), r.samples.Of(b, unit)
	if len(as) != len(bs) || len(as) == 0 {
		return nil, fmt.Errorf("%d runs of the client and %d of the do-it-yourself path: each run must have both", len(as), len(bs))
	}
	return benchstat.Paired(as, bs), nil
}

func (r *results) runs(name string) int { return len(r.samples.Of(name, "ns/op")) }

var sizeName = regexp.MustCompile(`^BenchmarkListAPIKeys/keys=(\d+)/client$`)

// sizes are the key counts benchmarked, ascending.
func (r *results) sizes() []int {
	var sizes []int
	for name := range r.samples {
		if m := sizeName.FindStringSubmatch(name); m != nil {
			n, _ := strconv.Atoi(m[1])
			sizes = append(sizes, n)
		}
	}
	slices.Sort(sizes)
	return sizes
}

// report prints the tables and the goals, and reports whether every goal
// is met.
func report(w io.Writer, r *results) (bool, error) {
	sizes := r.sizes()
	if len(sizes) == 0 {
		return false, fmt.Errorf("no BenchmarkListAPIKeys/keys=N/client results in the input")
	}
	var goals []benchstat.Goal
	if r.cpu != "" {
		fmt.Fprintf(w, "cpu: %s\n\n", r.cpu)
	}
	fmt.Fprintf(w, "ListAPIKeys against the do-it-yourself path (raw generated client + openapi3filter.ValidateResponse), ogen beside it (%d runs; times are judged on the ratio of client to do-it-yourself within each run, min / median / max)\n\n",
		r.runs(fmt.Sprintf("BenchmarkListAPIKeys/keys=%d/client", sizes[0])))
	fmt.Fprintln(w, "| keys | client ns/op | diy ns/op | time ratio to diy per run: min / median / max | ogen ns/op | time ratio to ogen (shown) | client B/op | diy B/op | client allocs/op | diy allocs/op |")
	fmt.Fprintln(w, "|---:|---:|---:|---|---:|---|---:|---:|---:|---:|")
	client := map[int][3]float64{}
	for _, n := range sizes {
		name := func(who string) string { return fmt.Sprintf("BenchmarkListAPIKeys/keys=%d/%s", n, who) }
		var c, d [3]float64
		for i, unit := range []string{"ns/op", "B/op", "allocs/op"} {
			var ok1, ok2 bool
			c[i], ok1 = r.get(name("client"), unit)
			d[i], ok2 = r.get(name("diy"), unit)
			if !ok1 || !ok2 {
				return false, fmt.Errorf("keys=%d: no %s for the client or the do-it-yourself path (run with -benchmem)", n, unit)
			}
		}
		ogen, ogenRatio := "-", "-"
		if o, ok := r.get(name("ogen"), "ns/op"); ok {
			ogen = fmt.Sprintf("%.0f", o)
			ogenRatio = benchstat.Spread("%.3f", r.samples.Paired(name("client"), name("ogen"), "ns/op"))
		}
		client[n] = c
		ratios, err := r.paired(name("client"), name("diy"), "ns/op")
		if err != nil {
			return false, fmt.Errorf("keys=%d: %w", n, err)
		}
		tr, _ := benchstat.Median(ratios)
		goals = append(goals, benchstat.Goal{Text: fmt.Sprintf("%d keys: client time <= %.2fx the do-it-yourself path's (median of per-run ratios)", n, maxTimeRatio),
			Seen: fmt.Sprintf("%.3fx", tr), OK: tr <= maxTimeRatio})
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %s | %s | %s | %.0f | %.0f | %.0f | %.0f |\n",
			n, c[0], d[0], benchstat.Spread("%.3f", ratios), ogen, ogenRatio, c[1], d[1], c[2], d[2])
	}

	if len(sizes) >= 3 {
		lo, mid, hi := sizes[0], sizes[len(sizes)-2], sizes[len(sizes)-1]
		fmt.Fprintf(w, "\nLinearity of the client: the cost of one more key between %d and %d keys over its cost between %d and %d\n\n",
			mid, hi, lo, mid)
		fmt.Fprintln(w, "| metric | per key, small | per key, large | growth |")
		fmt.Fprintln(w, "|---|---:|---:|---:|")
		for i, unit := range []string{"ns/op", "B/op", "allocs/op"} {
			small := (client[mid][i] - client[lo][i]) / float64(mid-lo)
			large := (client[hi][i] - client[mid][i]) / float64(hi-mid)
			growth := large / small
			fmt.Fprintf(w, "| %s | %.2f | %.2f | %.3f |\n", unit, small, large, growth)
			// B/op is shown, not a goal: encoding/json grows the keys
			// slice by half again each time, so the bytes allocated per
			// key swing with where the last growth lands, for any decoder.
			if unit != "B/op" {
				goals = append(goals, benchstat.Goal{Text: fmt.Sprintf("linear: %s of one more key at %d-%d keys <= %.2fx at %d-%d", unit, mid, hi, maxMarginalGrowth, lo, mid),
					Seen: fmt.Sprintf("%.3fx", growth), OK: small > 0 && growth <= maxMarginalGrowth})
			}
		}
	}

	reportValidationCost(w, r)
	return benchstat.Judge(w, "benchcheck", append(goals, costlyBodies(r)...)), nil
}

// reportValidationCost prints what checking the keys against openapi.yaml
// costs (BenchmarkDecode): the client's decoding of a list answer less the
// generated client's, per key.
func reportValidationCost(w io.Writer, r *results) {
	var rows []string
	for _, n := range r.sizes() {
		c, ok1 := r.get(fmt.Sprintf("BenchmarkDecode/keys=%d/client", n), "ns/op")
		g, ok2 := r.get(fmt.Sprintf("BenchmarkDecode/keys=%d/generated", n), "ns/op")
		if ok1 && ok2 {
			rows = append(rows, fmt.Sprintf("| %d | %.0f | %.0f | %.2f |", n, c, g, (c-g)/float64(n)/1000))
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "\nThe schema's cost: decoding one list answer, the client's decoder (every key checked against openapi.yaml) against encoding/json into the generated types (shown, not a goal)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| keys | client ns/op | generated ns/op | validation µs per key |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|")
	for _, row := range rows {
		fmt.Fprintln(w, row)
	}
}

// costlyBodies are the goals on the allocation per body byte of each
// costly body (BenchmarkCostlyBodies).
func costlyBodies(r *results) []benchstat.Goal {
	var goals []benchstat.Goal
	for _, name := range slices.Sorted(maps.Keys(r.samples)) {
		if v, ok := r.get(name, "B/body-byte"); ok && strings.HasPrefix(name, "BenchmarkCostlyBodies/") {
			goals = append(goals, benchstat.Goal{Text: fmt.Sprintf("a costly 9 MiB chunked body, %s: bytes allocated per body byte <= %d", strings.TrimPrefix(name, "BenchmarkCostlyBodies/"), maxAllocPerBodyByte),
				Seen: fmt.Sprintf("%.2f", v), OK: v <= maxAllocPerBodyByte})
		}
	}
	return goals
}
