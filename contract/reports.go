package contract

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"

	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// writeReports is what the suite does after its specs, green or red: it
// decides the verdict from gr, builds the ledger and the observations,
// compares them with the previous run's (cfg.PreviousObservations), says
// the verdict on log, and writes contract-report.md and observations.json
// into dir and junit.xml to junitPath (each skipped when its path is "").
// run is nil when the suite could not set it up. A run that proved
// nothing though no spec failed gets a failed "verdict" entry in the JUnit
// report, and inconclusive is set: the suite then fails it.
func writeReports(gr types.Report, cfg config, cfgErr error, run *suiteRun, red *Redactor, dir, junitPath string, log io.Writer) (verdict report.Verdict, inconclusive bool, err error) {
	data := report.ReportData{
		Target: cfg.String(), Host: cfg.Host(), Strict: cfg.Strict, Notes: cfg.Notes,
		Stats: report.Requests{Budget: cfg.MaxRequests},
	}
	var broken *report.Broken
	if run != nil {
		data = run.ReportData()
		data.Lifecycle = run.LifecycleReport()
		if b := run.Broken(); b != nil {
			broken = &report.Broken{Cause: b.Cause, Hint: b.Hint, State: b.State}
		}
	}
	data.SpecVersion = spec.Version()
	token := ""
	if run != nil {
		token = red.Redact(tokenCommand(run.Wire))
	}
	data.Reproductions = reproductions(gr, token)
	checks := report.Checks(gr)
	data.Verdict = report.Decide(checks, cfgErr, broken, gr.SpecialSuiteFailureReasons)
	discrepancies, err := report.Discrepancies()
	if err != nil {
		return data.Verdict, false, fmt.Errorf("reading the discrepancies of openapi.yaml: %w", err)
	}
	data.Ledger = report.BuildLedger(discrepancies, checks, data.Observed, data.ContactedHost())
	var previous *report.Observations
	if cfg.PreviousObservations != "" {
		p, err := report.ReadObservations(cfg.PreviousObservations)
		if err != nil {
			data.Notes = append(data.Notes, "the previous observations could not be read: "+err.Error())
		} else {
			previous = &p
		}
	}
	report.CarrySince(data.Ledger, previous, gr.StartTime.UTC().Format(time.RFC3339))
	observations := report.BuildObservations(data, cfg.Mode.String(), cfg.Environment, data.Ledger, gr.StartTime)
	observations.History = report.Carry(previous, report.NightOf(observations, checks, cfg.RunURL))
	data.History = observations.History
	if previous != nil {
		data.Since = &report.SinceSection{PreviousTime: previous.Time, Changes: report.Diff(*previous, observations)}
	}
	fmt.Fprintf(log, "contract verdict: %s\ncontract read first: %s\n", red.Redact(data.Verdict.Line()), red.Redact(data.Verdict.ReadFirst))

	inconclusive = data.Verdict.Kind != report.VerdictPassed && gr.SuiteSucceeded
	if dir != "" {
		path, err := report.WriteReportFile(dir, gr, data, red)
		if err != nil {
			return data.Verdict, inconclusive, fmt.Errorf("writing the report: %w", err)
		}
		fmt.Fprintf(log, "contract report: %s\n", path)
		if path, err = report.WriteObservationsFile(dir, observations, red); err != nil {
			return data.Verdict, inconclusive, fmt.Errorf("writing the observations: %w", err)
		}
		fmt.Fprintf(log, "contract observations: %s\n", path)
	}
	if junitPath != "" {
		// A run that proved nothing is not green, though no spec failed:
		// CI reads junit.xml, so the verdict is a failure there; the
		// report, whose first line is the verdict, counts no failed check.
		if inconclusive {
			gr.SpecReports = append(gr.SpecReports, types.SpecReport{
				LeafNodeType: types.NodeTypeReportAfterSuite, LeafNodeText: "verdict",
				State: types.SpecStateFailed, Failure: types.Failure{Message: data.Verdict.Line()},
			})
		}
		if err := report.WriteJUnit(junitPath, gr, red); err != nil {
			return data.Verdict, inconclusive, fmt.Errorf("writing junit.xml: %w", err)
		}
	}
	return data.Verdict, inconclusive, nil
}

// reportDir is where the reports of a run go: FLEXFACTOR_REPORT_DIR as
// lookup finds it, else the directory of the JUnit report the ginkgo CLI was
// asked for, else "" (a plain `go test` run writes no report).
func reportDir(junitReport string, lookup func(string) (string, bool)) string {
	if d, _ := lookup(EnvReportDir); d != "" {
		return d
	}
	if junitReport != "" {
		return filepath.Dir(junitReport)
	}
	return ""
}
