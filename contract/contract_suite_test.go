package contract

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// emptyMIDOfTheDouble is a merchant the double holds no keys for: every
// mid but flexapitest.DefaultMID.
const emptyMIDOfTheDouble = "mid_without_keys"

// targetLabel marks the one check that stands for the target itself: it
// runs when the target is broken, and fails with the cause.
const targetLabel = "target"

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

// redactor is the run's one redactor.
func redactor() *Redactor {
	if run != nil {
		return run.Redactor
	}
	return configRedactor
}

// suiteRan says the suite has run in this process: Ginkgo runs a suite once
// per process (ginkgo --repeat=N repeats it).
var suiteRan bool

func TestContract(t *testing.T) {
	if suiteRan {
		t.Skip("the suite ran in this process's first round; Ginkgo runs a suite once per process (ginkgo --repeat=N repeats it)")
	}
	suiteRan = true
	// Ginkgo refuses any go test -count but 1, which would fail
	// go test -race -count=3 ./... for the other packages' sake: the suite
	// runs in the first round with the count read as 1, the later rounds
	// skip above, and the package's other tests still run every round.
	if f := flag.Lookup("test.count"); f != nil && f.Value.String() != "1" {
		rounds := f.Value.String()
		_ = f.Value.Set("1")
		defer func() { _ = f.Value.Set(rounds) }()
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

// The setup's node timeout is declared before the configuration is read, so
// it is the longest setup any accepted FLEXFACTOR_REQUEST_TIMEOUT allows;
// the setup itself is bounded by the configured one (Config.SetupTimeout).
var _ = BeforeSuite(func(sctx SpecContext) {
	// A misconfigured live target fails the run here, naming the missing
	// variables: never a skip, never a green run.
	if cfgErr != nil {
		Fail(configRedactor.Redact(cfgErr.Error()))
	}
	ctx, cancel := context.WithTimeout(sctx, cfg.SetupTimeout())
	defer cancel()
	if cfg.Mode == modeDouble {
		double = flexapitest.NewServer()
		DeferCleanup(double.Close)
		cfg.BaseURL = double.URL
		cfg.AppKey, cfg.AppSecret = double.AppKey, double.AppSecret
		cfg.MID = flexapitest.DefaultMID
		cfg.EmptyMID = emptyMIDOfTheDouble
	}
	var err error
	run, err = newRun(cfg)
	must(err, "preparing the run")
	DeferCleanup(run.Wire.Close)
	entry("target", cfg.String())
	entry("spec version", run.Validator.SpecVersion())
	// The token and the shared listing, once, before any spec: a broken
	// target is said here, once, and its specs are then not run.
	if broken := run.Preflight(ctx); broken != nil {
		fmt.Fprintf(os.Stderr, "contract: %s: %s\n", report.VerdictBroken, redactor().Redact(broken.Error()))
		return
	}
	if cfg.Lifecycle {
		startLifecycle(ctx)
		// After the lifecycle's keys are made: a key a probe wrongly makes
		// joins them, for the cleanup the lifecycle registered.
		probeResults = run.SendProbes(ctx)
	}
}, NodeTimeout(maxSetupTimeout))

// Every spec but the target's own needs a working target: when it is
// broken, they are marked not run because of it.
var _ = BeforeEach(func() {
	judged = nil
	if run == nil || run.Broken() == nil || slices.Contains(CurrentSpecReport().Labels(), targetLabel) {
		return
	}
	Skip(report.NotRunPrefix + "the target is broken (see the check \"The target\")")
})

// judged are the exchanges the running spec judged (judge): when it fails,
// its report carries a curl command for each, which sends the request
// again with $FLEXFACTOR_TOKEN for the token. Specs run one at a time.
var judged []*Exchange

// judge records exchanges the running spec judges.
func judge(exs ...*Exchange) { judged = append(judged, exs...) }

// A failed spec says how to see it fail again: the requests it judged, as
// curl commands through the redactor (the report adds the ginkgo line that
// runs it alone).
var _ = AfterEach(func() {
	if !CurrentSpecReport().Failed() || run == nil {
		return
	}
	for _, c := range reproduceEntries(judged, run.Token(), cfg.AppKey, redactor()) {
		AddReportEntry(report.EntryReproduce, c, ReportEntryVisibilityNever)
	}
	if run.madeByLifecycle(judged) {
		AddReportEntry(entryLifecycle, "", ReportEntryVisibilityNever)
	}
})

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

// must fails the spec with err's message, never a dump of its fields.
func must(err error, doing string) {
	GinkgoHelper()
	if err != nil {
		Fail(redactor().Redact(doing + ": " + err.Error()))
	}
}

// entry adds a report entry through the redactor.
func entry(name string, value any) {
	AddReportEntry(name, redactor().Redact(fmt.Sprint(value)))
}

// inconclusive ends a spec that cannot prove what it checks: no data to
// check it on. The run's verdict is INCONCLUSIVE unless something failed.
func inconclusive(why string) {
	GinkgoHelper()
	AddReportEntry(report.EntryInconclusive, redactor().Redact(why))
	Skip(redactor().Redact(why))
}

// recorded marks a spec that records what it saw without holding the
// target to it: the report says "recorded", not "passed".
func recorded(what string) {
	AddReportEntry(report.EntryRecorded, redactor().Redact(what))
}

// expectStatus fails when ex's status is not want, in words.
func expectStatus(ex *Exchange, want int) {
	GinkgoHelper()
	judge(ex)
	if ex.Status != want {
		Fail(fmt.Sprintf("%s; expected %d", ex.Summary(), want))
	}
}

// listing returns the run's one listing of the mid. Preflight made it:
// a spec that gets here has a 200 JSON listing.
func listing(ctx context.Context) *Exchange {
	GinkgoHelper()
	ex, err := run.Listing(ctx)
	must(err, "listing the keys of "+cfg.MID)
	judge(ex)
	return ex
}

// listedKeys returns the raw key objects of a valid 200 listing. When the
// merchant has none, the keys this run created are checked instead, in the
// listing made after their creation; without them the spec is
// inconclusive: a check of each key proves nothing on an empty list, and
// says so.
func listedKeys(ctx context.Context) []map[string]any {
	GinkgoHelper()
	_, keys := perKeyListing(ctx)
	return keys
}

// perKeyListing is listedKeys with the listing its keys come from.
func perKeyListing(ctx context.Context) (*Exchange, []map[string]any) {
	GinkgoHelper()
	ex := listing(ctx)
	expectStatus(ex, 200)
	keys, err := decodeKeys(ex.Body)
	must(err, "the listing")
	if len(keys) > 0 {
		return ex, keys
	}
	if lc := run.Lifecycle(); lc != nil && lc.Listing != nil && lc.Listing.Status == 200 {
		if created, err := decodeKeys(lc.Listing.Body); err == nil && len(created) > 0 {
			judge(lc.Listing)
			entry("keys checked", fmt.Sprintf("mid %s listed no keys before this run: checked on the %d keys listed after the lifecycle's creates", cfg.MID, len(created)))
			return lc.Listing, created
		}
	}
	why := "the lifecycle made none"
	if !cfg.Lifecycle {
		why = "the lifecycle is off (" + EnvLifecycle + "=1 makes keys to check)"
	}
	inconclusive(fmt.Sprintf("mid %s has no keys and %s: nothing to check per key", cfg.MID, why))
	return nil, nil
}

// failuresText renders failures for a message: pointers and reasons,
// never values.
func failuresText(failures []Failure) string {
	var b strings.Builder
	for _, f := range failures {
		b.WriteString("\n  " + f.String())
	}
	return b.String()
}

// expectNoFailures fails with what, followed by each failure.
func expectNoFailures(failures []Failure, what string) {
	GinkgoHelper()
	if len(failures) > 0 {
		Fail(what + ":" + failuresText(failures))
	}
}

// expectValid fails the spec when the wire validation finds anything in
// exs: once, each failure with the calls that answered it.
func expectValid(exs ...*Exchange) {
	GinkgoHelper()
	judge(exs...)
	if lines := failuresByCall(exs, run.Check); len(lines) > 0 {
		Fail("the answers break openapi.yaml:\n  " + strings.Join(lines, "\n  "))
	}
}

// notJudged ends a check whose answer broke openapi.yaml: the check named
// owner fails for it, once, naming the field; this one is not judged, and
// its ledger rows read "not observed".
func notJudged(answer, owner string) {
	GinkgoHelper()
	Skip(report.NotJudgedPrefix + answer + " broke openapi.yaml (see the check \"" + owner + "\")")
}

// requestSlack is what a spec may take beyond one request's timeout.
const requestSlack = 10 * time.Second

var _ = Describe("The target", Label(targetLabel, "live"), func() {
	It("gives the run a token and a JSON listing of the merchant, which every other check needs", func() {
		judge(run.TokenExchange(), run.SharedListing())
		if broken := run.Broken(); broken != nil {
			Fail(redactor().Redact(report.VerdictBroken + ": " + broken.Error()))
		}
	})
})
