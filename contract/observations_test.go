package contract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

func sampleObservations(t *testing.T) report.Observations {
	t.Helper()
	ob := NewObserver()
	ob.RecordListing([]map[string]any{{"type": "secret", "last_used": nil, "name": "n", "last_four": "abcd"}})
	ob.RecordUndocumented(report.OpListAPIKeys, 200, map[string]int{"/keys/*/id": 1})
	ds, err := report.Discrepancies()
	if err != nil {
		t.Fatal(err)
	}
	d := report.ReportData{Host: "127.0.0.1:1", SpecVersion: "0.2.0", Stats: report.Requests{Sent: 2, Budget: 20}, Observed: ob.Snapshot(),
		Verdict: report.Verdict{Kind: report.VerdictPassed}}
	checks := []report.CheckResult{{Name: "x", Labels: []string{"D1"}, Outcome: report.OutcomePassed}}
	return report.BuildObservations(d, report.TargetLive, "sandbox", report.BuildLedger(ds, checks, d.Observed, d.ContactedHost()), time.Date(2026, 11, 26, 3, 17, 0, 0, time.UTC))
}

func TestObservationsMatchTheirSchema(t *testing.T) {
	dir := t.TempDir()
	path, err := report.WriteObservationsFile(dir, sampleObservations(t), NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.ValidateObservations(b); err != nil {
		t.Fatalf("a written file fails its schema: %v", err)
	}
	if _, err := report.ReadObservations(path); err != nil {
		t.Fatal(err)
	}
	// A run that listed nothing has a null listing, and no host.
	empty := report.BuildObservations(report.ReportData{SpecVersion: "0.2.0", Stats: report.Requests{Budget: 20}, Observed: NewObserver().Snapshot(),
		Verdict: report.Verdict{Kind: report.VerdictInconclusive, Why: "misconfigured"}}, report.TargetLive, "", nil, time.Now())
	eb, _ := json.Marshal(empty)
	if err := report.ValidateObservations(eb); err != nil {
		t.Fatalf("an empty run's file fails its schema: %v", err)
	}
}

func TestTheSchemaRejectsWhatIsNotAnObservationsFile(t *testing.T) {
	good, _ := json.Marshal(sampleObservations(t))
	for name, edit := range map[string]func(m map[string]any){
		"no format":          func(m map[string]any) { delete(m, "format") },
		"another format":     func(m map[string]any) { m["format"] = 2 },
		"an unknown verdict": func(m map[string]any) { m["verdict"].(map[string]any)["kind"] = "GREEN" },
		"a value field":      func(m map[string]any) { m["value"] = "sk_live_x" },
		"a bad time":         func(m map[string]any) { m["time"] = "yesterday" },
		"a bad ledger id":    func(m map[string]any) { m["ledger"].([]any)[0].(map[string]any)["id"] = "X1" },
	} {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		b, _ := json.Marshal(m)
		if err := report.ValidateObservations(b); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		} else if strings.Contains(err.Error(), "sk_live_x") {
			t.Errorf("%s: the error quotes the value: %v", name, err)
		}
	}
}

func TestObservationsGoThroughTheRedactor(t *testing.T) {
	obs := sampleObservations(t)
	obs.GroundTruth["created key"] = "CANARYgt12345"
	red := NewRedactor("CANARYgt12345")
	path, err := report.WriteObservationsFile(t.TempDir(), obs, red)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Clean(path))
	if strings.Contains(string(b), "CANARYgt12345") {
		t.Errorf("observations.json carries a secret the redactor knows")
	}
}

func TestBodyShapeKeepsStructureNotValues(t *testing.T) {
	for body, want := range map[string]string{
		`{"errors":["token CANARY expired"]}`:                          `{"errors":[string]}`,
		`{"status":401,"errors":{"AppKey":["x"]},"ok":false,"n":null}`: `{"errors":{"AppKey":[string]},"n":null,"ok":boolean,"status":number}`,
		`<html>502</html>`: "not JSON",
		``:                 "empty",
	} {
		if got := bodyShape([]byte(body)); got != want {
			t.Errorf("BodyShape(%s) = %s, want %s", body, got, want)
		}
	}
}

func TestTheLifecyclesGroundTruthIsObservedByTypeAskedFor(t *testing.T) {
	d := report.ReportData{SpecVersion: "0.2.0", Observed: NewObserver().Snapshot(), Verdict: report.Verdict{Kind: report.VerdictPassed},
		Lifecycle: &report.LifecycleReport{Rows: []report.GroundTruth{
			{Name: "contract-run-abc public", Asked: "public", Listed: "publishable", LastUsed: "null", LastFour: "yes", ValueAbsent: "yes", Revoked: "yes"},
			{Name: "contract-run-abc secret", Asked: "secret", Listed: "secret", LastUsed: "null", LastFour: "yes", ValueAbsent: "yes", Revoked: "yes"},
		}}}
	obs := report.BuildObservations(d, report.TargetLive, "sandbox", nil, time.Now())
	if got := obs.GroundTruth["key created public: listed as"]; got != "publishable" {
		t.Errorf("the public key's listed type is %q", got)
	}
	for k := range obs.GroundTruth {
		if strings.Contains(k, "contract-run-abc") {
			t.Errorf("a fact is keyed by the key's name, which changes every run: %q", k)
		}
	}
	if f := report.Facts(obs)["ground truth: key created public: listed as"]; f.Ledger != "D1" || !f.Matters {
		t.Errorf("the listed-as fact is %+v, want D1, mattering", f)
	}
}
