package contract

import (
	"flag"
	"fmt"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

var (
	// cfg is the target, read from the environment before the specs run.
	cfg    config
	cfgErr error
	// run is the contract run; nil when the suite could not set it up.
	run *suiteRun
	// double is the in-process double, nil against a live target.
	double *flexapitest.Server
	// configRedactor knows the configuration's secrets; once the run
	// exists, its redactor (which also learns from responses) takes over.
	configRedactor *Redactor
	// junitPath is where the suite writes junit.xml itself, through the
	// redactor; Ginkgo is asked for none.
	junitPath string
)

// readEnv is the opt-in to the FLEXFACTOR_* environment (see
// FlagReadEnv); lookupEnv reads it, or nothing without the flag.
var (
	readEnv   = flag.Bool(FlagReadEnv, false, "read the target from the FLEXFACTOR_* environment (make contract sets it)")
	lookupEnv = noEnv
)

func TestContract(t *testing.T) {
	// Ginkgo runs a suite once per process and refuses go test -count=N:
	// go test -count=3 ./... runs the package's other tests three times,
	// and this one not at all (ginkgo --repeat=N repeats a suite).
	if f := flag.Lookup("test.count"); f != nil && f.Value.String() != "1" {
		t.Skip("Ginkgo runs a suite once per process: go test -count=1, or ginkgo --repeat=N")
	}
	if *readEnv {
		lookupEnv = os.LookupEnv
	}
	cfg, cfgErr = configFromEnv(lookupEnv)
	configRedactor = NewRedactor(cfg.Secrets()...)
	// Every failure message, Gomega's included, passes through the
	// redactor before Ginkgo prints or records it.
	gomega.RegisterFailHandler(func(message string, callerSkip ...int) {
		skip := 1
		if len(callerSkip) > 0 {
			skip += callerSkip[0]
		}
		Fail(redactor().Redact(message), skip)
	})
	suiteConfig, reporterConfig := GinkgoConfiguration()
	junitPath, reporterConfig.JUnitReport = reporterConfig.JUnitReport, ""
	if !colorWanted(os.Stdout) {
		reporterConfig.NoColor = true
	}
	if cfgErr == nil {
		fmt.Fprintf(os.Stderr, "contract target: %s\n", configRedactor.Redact(cfg.String()))
		for _, n := range cfg.Notes {
			fmt.Fprintf(os.Stderr, "contract note: %s\n", configRedactor.Redact(n))
		}
	}
	RunSpecs(t, "FlexFactor contract", suiteConfig, reporterConfig)
}

// The reports are written after every run, green or red: the verdict on
// the console, contract-report.md beside the JUnit report (or in
// FLEXFACTOR_REPORT_DIR), and junit.xml where Ginkgo was asked for it.
var _ = ReportAfterSuite("contract reports", func(gr Report) {
	verdict, inconclusive, err := writeReports(gr, cfg, cfgErr, run, redactor(), reportDir(junitPath, lookupEnv), junitPath, os.Stderr)
	must(err, "writing the reports")
	if inconclusive {
		Fail(redactor().Redact(verdict.Line()))
	}
})
