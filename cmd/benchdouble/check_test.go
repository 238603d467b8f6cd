package main

import (
	"strings"
	"testing"
	"time"
)

// sample is a run's figures; the {...} are the figures the tests change.
const sample = `# machine: test
figure	double	rss-5s-MB	{rss5}
figure	double	token-window1-req/s	5000
figure	double	token-window2-req/s	4000
figure	double	token-window3-req/s	4000
figure	double	token-window4-req/s	4000
figure	double	token-window5-req/s	4000
figure	double	token-window6-req/s	{tok6}
figure	double	rss-60s-MB	{rss60}
figure	double	list-req/s	30000
figure	double	list-cpu-us	24.2
figure	double	list-p50-us	200
figure	double	list-p99-us	1000
figure	bare	list-req/s	33000
figure	bare	list-cpu-us	20
figure	bare	list-p50-us	180
figure	bare	list-p99-us	900
figure	bare	list-req/s	33000
figure	bare	list-cpu-us	10
figure	bare	list-p50-us	180
figure	bare	list-p99-us	900
figure	double	list-req/s	30000
figure	double	list-cpu-us	{cpu2}
figure	double	list-p50-us	200
figure	double	list-p99-us	1000
figure	double	list-req/s	30000
figure	double	list-cpu-us	30
figure	double	list-p50-us	200
figure	double	list-p99-us	1000
figure	bare	list-req/s	33000
figure	bare	list-cpu-us	25
figure	bare	list-p50-us	180
figure	bare	list-p99-us	900
figure	bare	rss-list-MB	12
figure	double	401-req/s	40000
figure	double	401-cpu-us	18
figure	double	401-p50-us	150
figure	double	401-p99-us	800
figure	bare	401-req/s	41000
figure	bare	401-cpu-us	17
figure	bare	401-p50-us	150
figure	bare	401-p99-us	800
figure	double	token-req/s	9000
figure	double	token-cpu-us	50
figure	double	token-p50-us	400
figure	double	token-p99-us	3000
figure	bare	token-req/s	30000
figure	bare	token-cpu-us	20
figure	bare	token-p50-us	200
figure	bare	token-p99-us	1000
figure	double	list-p99-with-token-us	{p99with}
figure	double	create-revoke-req/s	5000
figure	double	create-revoke-cpu-us	80
figure	double	create-revoke-p50-us	1500
figure	double	create-revoke-p99-us	3000
figure	double	rss-after-create-revoke-MB	21
figure	bare	list-p99-with-token-us	1500
`

// figuresWith is sample with the goals' figures just within their goals,
// but those changed by kv ("{rss60}", "65", ...).
func figuresWith(kv ...string) string {
	base := map[string]string{"{rss5}": "20", "{rss60}": "24", "{tok6}": "4500", "{cpu2}": "12", "{p99with}": "2000"}
	for i := 0; i+1 < len(kv); i += 2 {
		base[kv[i]] = kv[i+1]
	}
	var pairs []string
	for k, v := range base {
		pairs = append(pairs, k, v)
	}
	return strings.NewReplacer(pairs...).Replace(sample)
}

func check(t *testing.T, kv ...string) (bool, string) {
	t.Helper()
	var out strings.Builder
	ok, err := checkFigures(strings.NewReader(figuresWith(kv...)), &out)
	if err != nil {
		t.Fatal(err)
	}
	return ok, out.String()
}

func TestEveryGoalMet(t *testing.T) {
	// List CPU ratios per pair: 24.2/20, 12/10, 30/25 = 1.21, 1.20, 1.20.
	ok, out := check(t)
	for _, want := range []string{
		"machine: test",
		"| list CPU µs per request | 24.2 | 20.0 | 1.20 / 1.20 / 1.21 |",
		"| RSS MB after 60 s of list load | 24.0 | — | |",
		"| token requests/s, sixth 5 s window | 4500 | — | |",
		"| create + revoke pairs/s (CPU µs per pair, p99 µs) | 5000 (80.0, 3000) | — | |",
		"| RSS MB after the creates and revokes | 21.0 | — | |",
		"benchdouble: every goal met",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if !ok {
		t.Errorf("a goal missed:\n%s", out)
	}
}

func TestEachGoalCanBeMissed(t *testing.T) {
	for name, tc := range map[string]struct {
		kv     []string
		missed string
	}{
		"memory over 64 MB":      {[]string{"{rss5}", "60", "{rss60}", "64.1"}, "| RSS after 60 s of list load <= 64 MB | 64.1 MB | MISSED |"},
		"memory grew over 1.2x":  {[]string{"{rss60}", "24.1"}, "| RSS after 60 s <= 1.2x RSS after 5 s | 1.21x | MISSED |"},
		"token throughput fell":  {[]string{"{tok6}", "4499"}, "| token throughput, sixth window >= 0.9x the first | 0.90x | MISSED |"},
		"list CPU over 1.2x":     {[]string{"{cpu2}", "12.2"}, "the bare handler's (median of paired ratios) | 1.21x | MISSED |"},
		"p99 beside tokens > 2x": {[]string{"{p99with}", "2001"}, "| list p99 with token calls beside <= 2x list p99 alone | 2.00x | MISSED |"},
	} {
		t.Run(name, func(t *testing.T) {
			ok, out := check(t, tc.kv...)
			if ok || !strings.Contains(out, tc.missed) || !strings.Contains(out, "a goal was MISSED") {
				t.Errorf("ok=%t, want %q in:\n%s", ok, tc.missed, out)
			}
			if strings.Count(out, "MISSED |") != 1 {
				t.Errorf("more than one goal missed:\n%s", out)
			}
		})
	}
}

func TestMissingFigureIsAnError(t *testing.T) {
	in := strings.ReplaceAll(figuresWith(), "rss-60s-MB", "other")
	_, err := checkFigures(strings.NewReader(in), &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "double rss-60s-MB") {
		t.Errorf("err = %v, want the missing figure named", err)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	h := new(histogram)
	for i := range 1000 {
		h.add(durationMicros(i + 1)) // 1..1000 µs
	}
	h.add(durationMicros(50_000))
	if got := h.quantile(0.5); got != 501 {
		t.Errorf("p50 = %v µs, want 501", got)
	}
	if got := h.quantile(0.99); got != 991 {
		t.Errorf("p99 = %v µs, want 991", got)
	}
	// Past 1024 µs, buckets are 0.2% wide: the bucket's lower bound is
	// within that of the value.
	if got := h.quantile(1); got > 50_000 || got < 50_000*0.998 {
		t.Errorf("max = %v µs, want 50000 within 0.2%%", got)
	}
}

func durationMicros(us int) time.Duration { return time.Duration(us) * time.Microsecond }
