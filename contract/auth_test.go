package contract

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
)

// randomHex is a throwaway credential: the suite never sends a real
// credential where it expects a refusal.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// expectErrorsBody checks the documented error body: {"errors": [string, ...]}
// with at least one message.
func expectErrorsBody(ex *Exchange) {
	GinkgoHelper()
	var body struct {
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(ex.Body, &body) != nil {
		Fail(ex.Summary() + `: the body is not the documented {"errors": [string]}`)
	}
	if len(body.Errors) == 0 {
		Fail(ex.Summary() + ": /errors is empty or absent; expected at least one message")
	}
}

var _ = Describe("Authentication", Label("auth", "live"), func() {
	DescribeTable("a list request without a valid token answers 401 with the documented errors body", Label("D4"),
		func(ctx SpecContext, auth func() Auth) {
			ex, err := run.Wire.ListAPIKeys(ctx, cfg.MID, auth())
			must(err, "listing without a valid token")
			expectStatus(ex, 401)
			expectValid(ex)
			expectErrorsBody(ex)
		},
		Entry("an invalid bearer token", func() Auth { return Bearer("invalid." + randomHex(16)) },
			SpecTimeout(cfg.RequestTimeout+requestSlack)),
		Entry("a missing Authorization header", noAuth, SpecTimeout(cfg.RequestTimeout+requestSlack)),
	)

	When("the run exchanges app credentials", func() {
		BeforeEach(func() {
			if !cfg.UsesAppCredentials() && cfg.Mode == modeLive {
				Skip("the run uses a static " + EnvToken + ": the token call is not part of this target's test")
			}
		})

		It("answers the token call with 200 and the documented token body", Label("D6"), func() {
			ex := run.TokenExchange()
			if ex == nil {
				Fail("the run made no token call")
			}
			expectStatus(ex, 200)
			expectValid(ex)
		})

		It("answers 401 with the documented errors body to unknown credentials", Label("D9"), func(ctx SpecContext) {
			ex, err := run.Wire.CreateToken(ctx, "contract-suite-unknown-app-"+randomHex(4), randomHex(16))
			must(err, "the token call with unknown credentials")
			expectStatus(ex, 401)
			expectValid(ex)
			expectErrorsBody(ex)
		}, SpecTimeout(cfg.RequestTimeout+requestSlack))
	})
})
