package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/contract"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// night writes an observations file of a run that listed keys of the
// given types, with the given verdict.
func night(t *testing.T, kind, verdict string, types ...string) string {
	return nightWith(t, kind, verdict, nil, types...)
}

// nightWith is night whose run also made keys (the lifecycle's rows).
func nightWith(t *testing.T, kind, verdict string, lc *report.LifecycleReport, types ...string) string {
	t.Helper()
	ob := contract.NewObserver()
	var keys []map[string]any
	for _, typ := range types {
		keys = append(keys, map[string]any{"type": typ, "last_used": nil})
	}
	ob.RecordListing(keys)
	mode := report.TargetLive
	if kind == "double" {
		mode = report.TargetDouble
	}
	d := report.ReportData{Host: "127.0.0.1:9", SpecVersion: "0.2.0", Stats: report.Requests{Sent: 3, Budget: 20},
		Observed: ob.Snapshot(), Verdict: report.Verdict{Kind: verdict}, Lifecycle: lc}
	env := ""
	if kind == "sandbox" {
		env = "sandbox"
	}
	obs := report.BuildObservations(d, mode, env, nil, time.Date(2026, 11, 26, 3, 17, 0, 0, time.UTC))
	path, err := report.WriteObservationsFile(t.TempDir(), obs, contract.NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestContractdiff(t *testing.T) {
	green := night(t, "sandbox", report.VerdictPassed, "secret", "public")
	greenAgain := night(t, "sandbox", report.VerdictPassed, "public", "secret", "secret")
	publishable := night(t, "sandbox", report.VerdictPassed, "secret", "publishable")
	double := night(t, "double", report.VerdictPassed, "secret", "publishable")
	made := &report.LifecycleReport{Rows: []report.GroundTruth{{Asked: "public", Listed: "public", Revoked: "yes"}}}
	doubleWithKeys := nightWith(t, "double", report.VerdictPassed, made, "secret", "publishable")
	notJSON := filepath.Join(t.TempDir(), "x.json")
	if err := os.WriteFile(notJSON, []byte(`{"format": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		out  []string
	}{
		{"the same facts, other counts", []string{green, greenAgain}, 0, []string{"no change between"}},
		{"a new type value", []string{green, publishable}, 1, []string{
			"1 change that matters", "! key type values [D1]: public, secret → publishable, secret"}},
		{"the double against the sandbox", []string{"-compare", double, green}, 0, []string{
			"1 difference between the double and the sandbox",
			"key type values [D1]: the double answers publishable, secret; the sandbox answers public, secret"}},
		{"the same, strict", []string{"-compare", "-strict", double, green}, 1, nil},
		{"alike", []string{"-compare", double, publishable}, 0, []string{"the double and the sandbox answer alike"}},
		{"only the double made keys", []string{"-compare", doubleWithKeys, publishable}, 0, []string{
			"ground truth not compared: the sandbox's run made no keys (FLEXFACTOR_LIFECYCLE was not set)",
			"the double and the sandbox answer alike"}},
		{"not an observations file", []string{green, notJSON}, 2, []string{"does not match observations.schema.json"}},
		{"one argument", []string{green}, 2, []string{"Usage: contractdiff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			all := stdout.String() + stderr.String()
			for _, want := range tt.out {
				if !strings.Contains(all, want) {
					t.Errorf("the output lacks %q:\n%s", want, all)
				}
			}
		})
	}
}

// contractdiff -history prints the nights an observations file carries.
func TestContractdiffReadsTheHistory(t *testing.T) {
	obs, err := report.ReadObservations(night(t, "sandbox", report.VerdictPassed, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	obs.History = []report.Night{
		{Time: "2026-11-25T03:17:00Z", Run: "https://github.test/o/r/actions/runs/1", Verdict: report.VerdictBroken, Target: report.TargetDown},
		{Time: "2026-11-26T03:17:00Z", Run: "https://github.test/o/r/actions/runs/2", Verdict: report.VerdictFailed,
			Groups: map[string]string{"Listing": report.OutcomeFailed}, Ledger: map[string]string{"D3": report.LedgerContradicted}},
	}
	path, err := report.WriteObservationsFile(t.TempDir(), obs, contract.NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-history", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"Of the last 2 nights: 0 green, 1 failed the contract, 0 inconclusive; the target was down once",
		"[2026-11-26](https://github.test/o/r/actions/runs/2)", "| Listing |  | ✗ |", "| D3 | contradicted |"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("contractdiff -history lacks %q:\n%s", want, stdout.String())
		}
	}
}
