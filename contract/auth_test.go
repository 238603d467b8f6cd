package contract

import (
	"crypto/rand"
	"encoding/hex"

	. "github.com/onsi/ginkgo/v2"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// randomHex is a throwaway credential: the suite never sends a real
// credential where it expects a refusal.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// refusals are the answers to the run's requests that the target must
// refuse: the unauthenticated listings below, and the negative probes.
var refusals []*Exchange

// Ordered: the check of the refusals' bodies reads the answers of the
// checks of their statuses, which each judge only that.
var _ = Describe("Authentication", Ordered, ContinueOnFailure, Label("auth", "live"), func() {
	DescribeTable("a list request without a valid token answers 401", Label("D4"),
		func(ctx SpecContext, auth func() Auth) {
			ex, err := run.Wire.ListAPIKeys(ctx, cfg.MID, auth())
			must(err, "listing without a valid token")
			refusals = append(refusals, ex)
			expectStatus(ex, 401)
		},
		Entry("an invalid bearer token", func() Auth { return Bearer("invalid." + randomHex(16)) },
			SpecTimeout(cfg.RequestTimeout+requestSlack)),
		Entry("a missing Authorization header", noAuth, SpecTimeout(cfg.RequestTimeout+requestSlack)),
	)

	// One check for every refusal's body: a shape the target gives every
	// call is one failure that lists the calls.
	It("answers every refused request with the error body openapi.yaml documents", Label("errors", "D4"), func() {
		var answers []*Exchange
		for _, ex := range refusals {
			if ex.Status >= 400 {
				answers = append(answers, ex)
			}
		}
		for _, res := range probeResults {
			if res.Exchange != nil && res.Exchange.Status >= 400 {
				answers = append(answers, res.Exchange)
			}
		}
		if len(answers) == 0 {
			Skip(report.NotJudgedPrefix + "no request was refused (see the checks of their statuses)")
		}
		expectValid(answers...)
	})

	When("the run exchanges app credentials", func() {
		BeforeEach(func() {
			if !cfg.UsesAppCredentials() && cfg.Mode == modeLive {
				Skip("the run uses a static " + EnvToken + ": the token call is not part of this target's test")
			}
		})

		It("answers the token call with 200 and the documented token body", Label("D6"), func() {
			ex := run.TokenExchange()
			if ex == nil {
				fail("the run made no token call")
			}
			expectStatus(ex, 200)
			expectValid(ex)
		})

		It("answers 401 with the documented errors body to unknown credentials", Label("D9"), func(ctx SpecContext) {
			ex, err := run.Wire.createToken(ctx, "contract-suite-unknown-app-"+randomHex(4), randomHex(16))
			must(err, "the token call with unknown credentials")
			expectStatus(ex, 401)
			expectValid(ex)
		}, SpecTimeout(cfg.RequestTimeout+requestSlack))
	})
})
