package contract_test

import (
	"encoding/json"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flexcontract/flexfactor-apikeys/contract"
)

var _ = Describe("Listing a merchant's keys", Label("live"), func() {
	It("answers 200 to a GET without a body, with a response that matches openapi.yaml", func(ctx SpecContext) {
		ex := listing(ctx)
		AddReportEntry("listing", ex.Summary())
		Expect(ex.Request.ContentLength).To(BeZero(), "the page says the call needs no body")
		Expect(ex.Status).To(Equal(200), "%s", ex.Summary())
		expectValid(ex)
	}, SpecTimeout(cfg.RequestTimeout+requestSlack))

	It("answers JSON to the page's accept: application/json", func(ctx SpecContext) {
		ex := listing(ctx)
		Expect(ex.Request.Header.Get("Accept")).To(Equal("application/json"))
		Expect(ex.MediaType()).To(Equal("application/json"), "%s", ex.Summary())
	}, SpecTimeout(cfg.RequestTimeout+requestSlack))

	It("accepts the bearer scheme in the page's lower case", Label("auth"), func(ctx SpecContext) {
		ex, err := run.Wire.ListAPIKeys(ctx, cfg.MID, contract.Auth{Header: "bearer " + run.Token()})
		Expect(err).NotTo(HaveOccurred())
		Expect(ex.Status).To(Equal(200), "%s", ex.Summary())
		expectValid(ex)
	}, SpecTimeout(cfg.RequestTimeout+requestSlack))

	It(`answers {"keys": []} for a merchant with no keys`, func(ctx SpecContext) {
		if cfg.EmptyMID == "" {
			Skip(contract.EnvEmptyMID + " is not set: no merchant without keys is known on this target")
		}
		ex, err := run.Wire.ListAPIKeys(ctx, cfg.EmptyMID, contract.Bearer(run.Token()))
		Expect(err).NotTo(HaveOccurred())
		Expect(ex.Status).To(Equal(200), "%s", ex.Summary())
		expectValid(ex)
		var body map[string]json.RawMessage
		Expect(json.Unmarshal(ex.Body, &body)).To(Succeed())
		Expect(body).To(HaveKey("keys"))
		Expect(string(body["keys"])).To(MatchJSON(`[]`), `"keys" must be an empty array, not null or absent`)
	}, SpecTimeout(cfg.RequestTimeout+requestSlack))

	It("decodes with the generated client, losing nothing but undocumented fields", func(ctx SpecContext) {
		ex := listing(ctx)
		Expect(ex.Status).To(Equal(200), "%s", ex.Summary())
		losses := contract.DecodingLosses(ex)
		Expect(losses).To(BeEmpty(), "the generated client lost:%s", failuresText(losses))
		AddReportEntry("dropped by the generated client (undocumented)", fmt.Sprint(run.Undocumented(ex)))
	}, SpecTimeout(cfg.RequestTimeout+requestSlack))
})
