package contract

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// listingCheck owns the listings' match with openapi.yaml: a listing that
// breaks it fails here, once, and the checks that read it are not judged.
const listingCheck = "Listing a merchant's keys › answers 200 to a GET without a body, with a response that matches openapi.yaml"

var _ = Describe("Listing a merchant's keys", Label("live"), func() {
	It("answers 200 to a GET without a body, with a response that matches openapi.yaml", func(ctx SpecContext) {
		ex := listing(ctx)
		entry("listing", ex.summary())
		if ex.Request.ContentLength != 0 {
			fail("the listing request carried a body; the page says the call needs none")
		}
		expectStatus(ex, 200)
		// The listing after the lifecycle's creates too: a fault of both is
		// one failure that names both.
		listings := []*Exchange{ex}
		if lc := run.Lifecycle(); lc != nil && lc.Listing != nil && lc.Listing.Status == 200 {
			listings = append(listings, lc.Listing)
		}
		expectValid(listings...)
	}, SpecTimeout(cfg.RequestTimeout+requestSlack))

	It("answers JSON to the page's accept: application/json", func(ctx SpecContext) {
		ex := listing(ctx)
		if ex.Request.Header.Get("Accept") != "application/json" {
			fail("the listing request did not send the page's accept: application/json")
		}
		if ex.mediaType() != "application/json" {
			fail(ex.summary() + "; expected application/json")
		}
	}, SpecTimeout(cfg.RequestTimeout+requestSlack))

	It("accepts the bearer scheme in the page's lower case", Label("auth", "D5"), func(ctx SpecContext) {
		// Its promise is the scheme's: the body is the listing check's.
		ex, err := run.Wire.ListAPIKeys(ctx, cfg.MID, Auth{Header: "bearer " + run.Token()})
		must(err, "listing with a lower-case bearer scheme")
		run.Observer.RecordJudged(report.OpListAPIKeys+" with the scheme bearer: answered", ex.answer())
		expectStatus(ex, 200)
	}, SpecTimeout(cfg.RequestTimeout+requestSlack))

	It(`answers {"keys": []} for a merchant with no keys`, func(ctx SpecContext) {
		if cfg.EmptyMID == "" {
			Skip(EnvEmptyMID + " is not set: no merchant without keys is known on this target")
		}
		ex, err := run.Wire.ListAPIKeys(ctx, cfg.EmptyMID, Bearer(run.Token()))
		must(err, "listing the merchant without keys")
		expectStatus(ex, 200)
		// Pointers and counts only: the keys a broken server lists here
		// are real keys, and their values must not reach a report.
		keys, err := decodeKeys(ex.Body)
		must(err, ex.summary())
		run.Observer.RecordJudged(report.OpListAPIKeys+" of the merchant without keys: keys listed", fmt.Sprint(len(keys)))
		if len(keys) > 0 {
			fail(fmt.Sprintf("%s: /keys holds %d keys for %s, which names a merchant without keys; expected an empty array",
				ex.summary(), len(keys), EnvEmptyMID))
		}
	}, SpecTimeout(cfg.RequestTimeout+requestSlack))

	It("decodes with the generated client, losing nothing but undocumented fields", func(ctx SpecContext) {
		ex := listing(ctx)
		expectStatus(ex, 200)
		if len(run.Check(ex)) > 0 {
			notJudged("the listing", listingCheck)
		}
		expectNoFailures(DecodingLosses(ex), "the generated client lost")
		entry("dropped by the generated client (undocumented)", run.Undocumented(ex))
	}, SpecTimeout(cfg.RequestTimeout+requestSlack))
})
