package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
cpu: Test CPU
BenchmarkListAPIKeys/keys=1/client-2     100  1400 ns/op  10 B/op  12 allocs/op
BenchmarkListAPIKeys/keys=1/generated-2  100  1000 ns/op   9 B/op  10 allocs/op
BenchmarkListAPIKeys/keys=1/baseline-2   100   900 ns/op   9 B/op  10 allocs/op
BenchmarkListAPIKeys/keys=100/client-2   100  %s ns/op  100 B/op  110 allocs/op
BenchmarkListAPIKeys/keys=100/generated-2 100  10000 ns/op 90 B/op  100 allocs/op
BenchmarkListAPIKeys/keys=100/baseline-2 100  9000 ns/op 90 B/op  100 allocs/op
BenchmarkListAPIKeys/keys=10000/client-2   10  2500000 ns/op 9000 B/op 10010 allocs/op
BenchmarkListAPIKeys/keys=10000/generated-2 10  1000000 ns/op 9000 B/op 10000 allocs/op
BenchmarkListAPIKeys/keys=10000/baseline-2 10  900000 ns/op 9000 B/op 10000 allocs/op
BenchmarkWireValidation/keys=1-2 100 500 ns/op 5 B/op 5 allocs/op
BenchmarkDecode/keys=10000/client-2 10 50000000 ns/op 9000 B/op 10010 allocs/op
BenchmarkDecode/keys=10000/generated-2 10 16000000 ns/op 9000 B/op 10010 allocs/op
`

// run checks sample, with ns100 as the client's time at 100 keys and extra
// lines after it.
func run(t *testing.T, ns100 string, extra ...string) (bool, string) {
	t.Helper()
	return check(t, strings.Replace(sample, "%s", ns100, 1)+strings.Join(extra, ""))
}

// check parses in and reports on it.
func check(t *testing.T, in string) (bool, string) {
	t.Helper()
	res, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	ok, err := report(&out, res)
	if err != nil {
		t.Fatal(err)
	}
	return ok, out.String()
}

func TestGoalsMet(t *testing.T) {
	ok, out := run(t, "25000")
	if !ok || !strings.Contains(out, "| 1 | 1400 | 1000 | 900 | 1.400 / 1.400 / 1.400 | <= 1.50 met |") || !strings.Contains(out, "cpu: Test CPU") {
		t.Errorf("ok=%t:\n%s", ok, out)
	}
	if !strings.Contains(out, "| 1 | 500 | 5 | 5 | 0.36 |") {
		t.Errorf("wire validation row missing:\n%s", out)
	}
	if !strings.Contains(out, "| 10000 | 50000000 | 16000000 | 3.40 |") {
		t.Errorf("validation cost per key missing:\n%s", out)
	}
}

func TestSlowerThanTheGoalFails(t *testing.T) {
	ok, out := run(t, "31000") // 3.1x the generated client at 100 keys
	if ok || !strings.Contains(out, "| 100 | 31000 | 10000 | 9000 | 3.100 / 3.100 / 3.100 | <= 3.00 MISSED |") {
		t.Errorf("ok=%t:\n%s", ok, out)
	}
}

// Time is judged on the median of per-run ratios: a run slow for both (the
// third) does not count against the client, and one slow for the client
// alone (the second) does not decide. The ratio of the medians (1900 over
// 1000) would miss the goal in the first case.
func TestTimeJudgedOnPairedRatios(t *testing.T) {
	runs := func(clientNs ...string) string {
		var b strings.Builder
		base := []string{"1000", "1000", "3000"}
		for i, c := range clientNs {
			b.WriteString("BenchmarkListAPIKeys/keys=1/client-2 100 " + c + " ns/op 10 B/op 10 allocs/op\n")
			b.WriteString("BenchmarkListAPIKeys/keys=1/generated-2 100 " + base[i] + " ns/op 10 B/op 10 allocs/op\n")
		}
		return b.String()
	}
	// Ratios 1.45, 1.90 (a run slow for the client alone), 1.01.
	if ok, out := check(t, runs("1450", "1900", "3030")); !ok || !strings.Contains(out, "| 1.010 / 1.450 / 1.900 | <= 1.50 met |") {
		t.Errorf("ok=%t:\n%s", ok, out)
	}
	// Ratios 1.55, 1.90, 1.01: the median misses.
	if ok, out := check(t, runs("1550", "1900", "3030")); ok || !strings.Contains(out, "| 1.010 / 1.550 / 1.900 | <= 1.50 MISSED |") {
		t.Errorf("ok=%t:\n%s", ok, out)
	}
	// A run with the client but not the baseline cannot be paired.
	res, _ := parse(strings.NewReader(runs("1000") + "BenchmarkListAPIKeys/keys=1/client-2 100 1000 ns/op 10 B/op 10 allocs/op\n"))
	if _, err := report(&strings.Builder{}, res); err == nil || !strings.Contains(err.Error(), "2 runs of the client and 1 of the generated client") {
		t.Errorf("err = %v, want the unpaired run named", err)
	}
}

func TestMedianOfRuns(t *testing.T) {
	res, err := parse(strings.NewReader("BenchmarkX-2 1 5 ns/op\nBenchmarkX-2 1 1 ns/op\nBenchmarkX-2 1 100 ns/op\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := res.get("BenchmarkX", "ns/op"); v != 5 {
		t.Errorf("median %v, want 5", v)
	}
}

func TestCostlyBodiesAreHeldToThePromise(t *testing.T) {
	for _, tt := range []struct {
		figure string
		ok     bool
		row    string
	}{
		{"5.67", true, "| huge_field | 5.67 | met |"},
		{"9.50", false, "| huge_field | 9.50 | MISSED |"},
	} {
		ok, out := run(t, "25000", "BenchmarkCostlyBodies/huge_field-2 3 100 ns/op "+tt.figure+" B/body-byte 10 B/op 1 allocs/op\n")
		if ok != tt.ok || !strings.Contains(out, tt.row) {
			t.Errorf("%s B/body-byte: ok=%t, want %t and the row %q:\n%s", tt.figure, ok, tt.ok, tt.row, out)
		}
	}
}
