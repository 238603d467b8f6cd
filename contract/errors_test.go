package contract

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

var _ = Describe("Server errors", Label("errors"), func() {
	It("answer 500 with the documented errors body", Label("double", "D4"), func(ctx SpecContext) {
		if double == nil {
			Skip("a live server cannot be made to fail on demand: the 500 body shape is checked against the double only")
		}
		double.Inject(flexapitest.RouteList, flexapitest.InternalError().Once())
		DeferCleanup(double.ClearFaults, flexapitest.RouteList)
		// A wire client of its own: the 500 is the suite's doing, not an
		// observation of the target, and stays out of observations.json.
		wire := NewWireClient(cfg.BaseURL, cfg.RequestTimeout, 1)
		DeferCleanup(wire.Close)
		wire.onResponse = func(ex *Exchange) { run.Redactor.learnBody(ex.Body) }
		ex, err := wire.ListAPIKeys(ctx, cfg.MID, Bearer(run.Token()))
		must(err, "listing while the double fails")
		expectStatus(ex, 500)
		expectValid(ex)
	}, SpecTimeout(cfg.RequestTimeout+requestSlack))
})
