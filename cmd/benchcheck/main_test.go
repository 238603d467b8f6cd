package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
cpu: Test CPU
BenchmarkListAPIKeys/keys=1/client-2     100  1200 ns/op  10 B/op  12 allocs/op
BenchmarkListAPIKeys/keys=1/diy-2        100  1000 ns/op   9 B/op  10 allocs/op
BenchmarkListAPIKeys/keys=100/client-2   100  %s ns/op  100 B/op  110 allocs/op
BenchmarkListAPIKeys/keys=100/diy-2      100  10000 ns/op 90 B/op  100 allocs/op
BenchmarkListAPIKeys/keys=10000/client-2   10  1100000 ns/op 9000 B/op 10010 allocs/op
BenchmarkListAPIKeys/keys=10000/diy-2      10  1000000 ns/op 9000 B/op 10000 allocs/op
BenchmarkListAPIKeys/keys=1/ogen-2       100   600 ns/op   8 B/op   9 allocs/op
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
	ok, out := run(t, "12000")
	if !ok || !strings.Contains(out, "| 1 | 1200 | 1000 | 1.200 | 600 | 2.000 | 10 | 9 | 12 | 10 |") || !strings.Contains(out, "cpu: Test CPU") ||
		!strings.Contains(out, "| 1 keys: client time <= 1.25x the do-it-yourself path's (median of per-run ratios) | 1.200x | met |") ||
		!strings.Contains(out, "| linear: allocs/op of one more key at 100-10000 keys <= 1.25x at 1-100 | 1.010x | met |") ||
		!strings.HasSuffix(out, "benchcheck: every goal met\n") {
		t.Errorf("ok=%t:\n%s", ok, out)
	}
	if !strings.Contains(out, "| 100 | 12000 | 10000 | 1.200 | - | - |") {
		t.Errorf("a size without ogen figures:\n%s", out)
	}
	if !strings.Contains(out, "| 10000 | 50000000 | 16000000 | 3.40 |") {
		t.Errorf("validation cost per key missing:\n%s", out)
	}
}

func TestSlowerThanTheGoalFails(t *testing.T) {
	ok, out := run(t, "13000") // 1.3x the do-it-yourself path at 100 keys
	if ok || !strings.Contains(out, "| 100 keys: client time <= 1.25x the do-it-yourself path's (median of per-run ratios) | 1.300x | MISSED |") ||
		strings.Count(out, "MISSED |") != 1 || !strings.HasSuffix(out, "benchcheck: a goal was MISSED\n") {
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
			b.WriteString("BenchmarkListAPIKeys/keys=1/diy-2 100 " + base[i] + " ns/op 10 B/op 10 allocs/op\n")
		}
		return b.String()
	}
	// Ratios 1.20, 1.90 (a run slow for the client alone), 1.01.
	if ok, out := check(t, runs("1200", "1900", "3030")); !ok || !strings.Contains(out, "| 1.010 / 1.200 / 1.900 |") || !strings.Contains(out, "| 1.200x | met |") {
		t.Errorf("ok=%t:\n%s", ok, out)
	}
	// Ratios 1.30, 1.90, 1.01: the median misses.
	if ok, out := check(t, runs("1300", "1900", "3030")); ok || !strings.Contains(out, "| 1.010 / 1.300 / 1.900 |") || !strings.Contains(out, "| 1.300x | MISSED |") {
		t.Errorf("ok=%t:\n%s", ok, out)
	}
	// A run with the client but not the do-it-yourself path cannot be paired.
	res, _ := parse(strings.NewReader(runs("1000") + "BenchmarkListAPIKeys/keys=1/client-2 100 1000 ns/op 10 B/op 10 allocs/op\n"))
	if _, err := report(&strings.Builder{}, res); err == nil || !strings.Contains(err.Error(), "2 runs of the client and 1 of the do-it-yourself path") {
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
		{"5.67", true, "| a costly 9 MiB chunked body, huge_field: bytes allocated per body byte <= 8 | 5.67 | met |"},
		{"9.50", false, "| a costly 9 MiB chunked body, huge_field: bytes allocated per body byte <= 8 | 9.50 | MISSED |"},
	} {
		ok, out := run(t, "12000", "BenchmarkCostlyBodies/huge_field-2 3 100 ns/op "+tt.figure+" B/body-byte 10 B/op 1 allocs/op\n")
		if ok != tt.ok || !strings.Contains(out, tt.row) {
			t.Errorf("%s B/body-byte: ok=%t, want %t and the row %q:\n%s", tt.figure, ok, tt.ok, tt.row, out)
		}
	}
}
