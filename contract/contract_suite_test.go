package contract_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flexcontract/flexfactor-apikeys/contract"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// emptyMIDOfTheDouble is a merchant the double holds no keys for: every
// mid but flexapitest.DefaultMID.
const emptyMIDOfTheDouble = "mid_without_keys"

var (
	// cfg is the target, read from the environment before the specs run.
	cfg    contract.Config
	cfgErr error
	// run is the contract run; nil when the suite could not set it up.
	run *contract.Run
	// double is the in-process double, nil against a live target.
	double *flexapitest.Server
)

// readEnv is the opt-in to the FLEXFACTOR_* environment (see
// contract.FlagReadEnv); lookupEnv reads it, or nothing without the flag.
var (
	readEnv   = flag.Bool(contract.FlagReadEnv, false, "read the target from the FLEXFACTOR_* environment (make contract sets it)")
	lookupEnv = contract.NoEnv
)

func TestContract(t *testing.T) {
	RegisterFailHandler(Fail)
	if *readEnv {
		lookupEnv = os.LookupEnv
	}
	cfg, cfgErr = contract.ConfigFromEnv(lookupEnv)
	if cfgErr == nil {
		fmt.Fprintf(os.Stderr, "contract target: %s\n", cfg)
		for _, n := range cfg.Notes {
			fmt.Fprintf(os.Stderr, "contract note: %s\n", n)
		}
	}
	RunSpecs(t, "FlexFactor contract")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	// A misconfigured live target fails the run here, naming the missing
	// variables: never a skip, never a green run.
	if cfgErr != nil {
		Fail(cfgErr.Error())
	}
	if cfg.Mode == contract.ModeDouble {
		double = flexapitest.NewServer()
		DeferCleanup(double.Close)
		cfg.BaseURL = double.URL
		cfg.AppKey, cfg.AppSecret = double.AppKey, double.AppSecret
		cfg.MID = flexapitest.DefaultMID
		cfg.EmptyMID = emptyMIDOfTheDouble
	}
	var err error
	run, err = contract.NewRun(cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(run.Wire.Close)
	AddReportEntry("target", cfg.String())
	AddReportEntry("spec version", run.Validator.SpecVersion())
	if err := run.Authenticate(ctx); err != nil {
		Fail(run.Redactor.Redact(err.Error()))
	}
}, NodeTimeout(time.Minute))

// The Markdown report is written after every run, green or red, beside the
// JUnit report (or in FLEXFACTOR_REPORT_DIR).
var _ = ReportAfterSuite("contract-report.md", func(report Report) {
	_, reporterConfig := GinkgoConfiguration()
	dir := contract.ReportDir(reporterConfig.JUnitReport, lookupEnv)
	if dir == "" {
		return
	}
	data := contract.ReportData{Target: cfg.String(), Host: cfg.Host()}
	red := contract.NewRedactor(cfg.Secrets()...)
	if cfgErr != nil {
		data.Notes = append(data.Notes, cfgErr.Error())
	}
	if run != nil {
		data = run.ReportData()
		red = run.Redactor
	}
	path, err := contract.WriteReportFile(dir, report, data, red)
	Expect(err).NotTo(HaveOccurred())
	fmt.Fprintf(os.Stderr, "contract report: %s\n", path)
})

// listing returns the run's one listing of the mid, failing the spec when
// the request could not be made.
func listing(ctx context.Context) *contract.Exchange {
	GinkgoHelper()
	ex, err := run.Listing(ctx)
	Expect(err).NotTo(HaveOccurred(), "listing the keys of %s", cfg.MID)
	return ex
}

// listedKeys returns the raw key objects of a valid 200 listing, skipping
// the spec when the merchant has none: a check of each key proves nothing
// on an empty list, and says so.
func listedKeys(ctx context.Context) []map[string]any {
	GinkgoHelper()
	ex := listing(ctx)
	Expect(ex.Status).To(Equal(200), "listing: %s", ex.Summary())
	keys, err := contract.DecodeKeys(ex.Body)
	Expect(err).NotTo(HaveOccurred())
	if len(keys) == 0 {
		Skip(fmt.Sprintf("mid %s has no keys: nothing to check per key", cfg.MID))
	}
	return keys
}

// failuresText renders failures for a Gomega message: pointers and
// reasons, never values.
func failuresText(failures []contract.Failure) string {
	s := ""
	for _, f := range failures {
		s += "\n  " + f.String()
	}
	return s
}

// expectValid fails the spec when the wire validation finds anything.
func expectValid(ex *contract.Exchange) {
	GinkgoHelper()
	failures := run.Check(ex)
	Expect(failures).To(BeEmpty(), "%s does not match openapi.yaml:%s", ex.Summary(), failuresText(failures))
}

// requestSlack is what a spec may take beyond one request's timeout.
const requestSlack = 10 * time.Second
