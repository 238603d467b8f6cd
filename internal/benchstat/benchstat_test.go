package benchstat

import (
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
		ok   bool
	}{
		{nil, 0, false},
		{[]float64{3}, 3, true},
		{[]float64{5, 1, 3}, 3, true},
		{[]float64{4, 1, 3, 2}, 2.5, true},
	} {
		in := append([]float64(nil), c.in...)
		got, ok := Median(in)
		if got != c.want || ok != c.ok {
			t.Errorf("Median(%v) = %v, %t; want %v, %t", c.in, got, ok, c.want, c.ok)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Errorf("Median(%v) reordered its input to %v", c.in, in)
			}
		}
	}
}

func TestPairedRatiosAreTakenRunByRun(t *testing.T) {
	s := Samples{}
	for _, v := range []float64{10, 20, 30} {
		s.Add("a", "ns/op", v)
	}
	for _, v := range []float64{5, 0} {
		s.Add("b", "ns/op", v)
	}
	got := s.Paired("a", "b", "ns/op")
	if len(got) != 1 || got[0] != 2 {
		t.Errorf("Paired = %v, want [2]: the second run's zero left out, the third unpaired", got)
	}
	if m, ok := s.Median("a", "ns/op"); !ok || m != 20 {
		t.Errorf("Median = %v, %t", m, ok)
	}
	if _, ok := s.Median("c", "ns/op"); ok {
		t.Error("a figure without samples has a median")
	}
}

func TestSpread(t *testing.T) {
	if got := Spread("%.2f", []float64{1.5, 1, 3}); got != "1.00 / 1.50 / 3.00" {
		t.Errorf("Spread = %q", got)
	}
	if got := Spread("%.1f", []float64{2}); got != "2.0" {
		t.Errorf("Spread of one = %q", got)
	}
	if got := Spread("%.1f", nil); got != "" {
		t.Errorf("Spread of none = %q", got)
	}
}

func TestWriteGoals(t *testing.T) {
	var b strings.Builder
	ok := WriteGoals(&b, []Goal{
		{Text: "a", Seen: "1x", OK: true},
		{Text: "b", Seen: "no figures", NotJudged: true},
	})
	want := "| goal | seen | verdict |\n|---|---:|---|\n| a | 1x | met |\n| b | no figures | not judged |\n"
	if !ok || b.String() != want {
		t.Errorf("ok=%t\n%s", ok, b.String())
	}
	b.Reset()
	if WriteGoals(&b, []Goal{{Text: "a", OK: true}, {Text: "c", Seen: "4x"}}) || !strings.Contains(b.String(), "| c | 4x | MISSED |") {
		t.Errorf("a missed goal is not reported:\n%s", b.String())
	}
}
