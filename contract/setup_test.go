package contract

import (
	"context"
	"fmt"
	"os"
	"slices"

	. "github.com/onsi/ginkgo/v2"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// emptyMIDOfTheDouble is a merchant the double holds no keys for: every
// mid but flexapitest.DefaultMID.
const emptyMIDOfTheDouble = "mid_without_keys"

// targetLabel marks the one check that stands for the target itself: it
// runs when the target is broken, and fails with the cause.
const targetLabel = "target"

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
	entry("spec version", run.Validator.specVersion())
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

var _ = Describe("The target", Label(targetLabel, "live"), func() {
	It("gives the run a token and a JSON listing of the merchant, which every other check needs", func() {
		judge(run.TokenExchange(), run.SharedListing())
		if broken := run.Broken(); broken != nil {
			Fail(redactor().Redact(report.VerdictBroken + ": " + broken.Error()))
		}
	})
})
