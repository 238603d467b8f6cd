package main

import (
	"strings"
	"testing"
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
figure	double	rss-30s-MB	{rss30}
figure	double	list-req/s	30000
figure	double	list-cpu-us	24.2
figure	double	list-p50-us	200
figure	double	list-p99-us	1000
figure	double	list-req/s	30000
figure	double	list-cpu-us	{cpu2}
figure	double	list-p50-us	200
figure	double	list-p99-us	1000
figure	double	list-req/s	30000
figure	double	list-cpu-us	30
figure	double	list-p50-us	200
figure	double	list-p99-us	1000
figure	double	list-p99-with-token-us	{p99with}
figure	double	create-revoke-req/s	5000
figure	double	create-revoke-cpu-us	80
figure	double	create-revoke-p50-us	1500
figure	double	create-revoke-p99-us	3000
figure	double	rss-after-create-revoke-MB	21
figure	prism	list-req/s	9000
figure	prism	list-cpu-us	200
figure	prism	list-p50-us	900
figure	prism	list-p99-us	5000
figure	prism	list-req/s	{prism2}
figure	prism	list-cpu-us	200
figure	prism	list-p50-us	900
figure	prism	list-p99-us	5000
figure	prism	list-req/s	11000
figure	prism	list-cpu-us	200
figure	prism	list-p50-us	900
figure	prism	list-p99-us	5000
figure	prism	rss-list-MB	120
`

// figuresWith is sample with the goals' figures just within their goals,
// but those changed by kv ("{rss30}", "65", ...).
func figuresWith(kv ...string) string {
	// Double over Prism per round: 30000/9000, 30000/{prism2}, 30000/11000: {prism2} is the median.
	base := map[string]string{"{prism2}": "10000", "{rss5}": "20", "{rss30}": "24", "{tok6}": "4500", "{cpu2}": "12", "{p99with}": "2000"}
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
	ok, out := check(t)
	for _, want := range []string{
		"machine: test",
		"| list CPU µs per request | 24.2 | 12.0 / 24.2 / 30.0 |",
		"| RSS MB after 30 s of list load | 24.0 | |",
		"| token requests/s, sixth window | 4500 | |",
		"| create + revoke pairs/s (CPU µs per pair, p99 µs) | 5000 (80.0, 3000) | |",
		"| RSS MB after the creates and revokes | 21.0 | |",
		"| list requests/s | 30000 | 10000 | 2.73 / 3.00 / 3.33 |",
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
		"memory over 64 MB":      {[]string{"{rss5}", "60", "{rss30}", "64.1"}, "| RSS after 30 s of list load <= 64 MB | 64.1 MB | MISSED |"},
		"memory grew over 1.2x":  {[]string{"{rss30}", "24.1"}, "| RSS after 30 s <= 1.2x RSS after 5 s | 1.21x | MISSED |"},
		"token throughput fell":  {[]string{"{tok6}", "4499"}, "| token throughput, sixth window >= 0.9x the first | 0.90x | MISSED |"},
		"p99 beside tokens > 2x": {[]string{"{p99with}", "2001"}, "| list p99 with token calls beside <= 2x list p99 alone (medians of windows) | 2.00x | MISSED |"},
		"under 3x Prism's":       {[]string{"{prism2}", "10001"}, "| list throughput >= 3x Prism's (median of per-round ratios) | 3.00x | MISSED |"},
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

// Without Prism's figures the run says why, once, and judges every other
// goal.
func TestPrismNotRunIsSaidNotJudged(t *testing.T) {
	var kept []string
	for line := range strings.SplitSeq(figuresWith(), "\n") {
		if !strings.Contains(line, "\tprism\t") {
			kept = append(kept, line)
		}
	}
	in := strings.Join(kept, "\n") + "# prism: not run: node is too old\n"
	var out strings.Builder
	ok, err := checkFigures(strings.NewReader(in), &out)
	if err != nil {
		t.Fatal(err)
	}
	want := "| list throughput >= 3x Prism's (median of per-round ratios) | Prism did not run (node is too old) | not judged |"
	if !ok || !strings.Contains(out.String(), want) || strings.Count(out.String(), "node is too old") != 2 {
		t.Errorf("ok=%t, want %q (and the note once) in:\n%s", ok, want, out.String())
	}
}

func TestMissingFigureIsAnError(t *testing.T) {
	in := strings.ReplaceAll(figuresWith(), "rss-30s-MB", "other")
	_, err := checkFigures(strings.NewReader(in), &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "double rss-30s-MB") {
		t.Errorf("err = %v, want the missing figure named", err)
	}
}
