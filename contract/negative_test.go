package contract

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
)

// probeResults are the negative probes' results, by the setup; nil when
// the lifecycle is off.
var probeResults []*probeOutcome

// probeResult returns the result of the probe named key.
func probeResult(key string) *probeOutcome {
	GinkgoHelper()
	for _, res := range probeResults {
		if res.Probe.Key == key {
			return res
		}
	}
	fail("the probe " + key + " is not among the run's probes")
	return nil
}

var _ = Describe("A request openapi.yaml says the target must refuse", Label("negative", "live"), func() {
	BeforeEach(func() {
		if !cfg.Lifecycle {
			Skip("the lifecycle is off: " + EnvLifecycle + "=1 makes a live run send the negative probes too")
		}
	})

	DescribeTable("is refused as documented, and makes no key",
		func(key string) {
			res := probeResult(key)
			judge(res.Exchange)
			if k := res.Stray; k != nil {
				judge(k.RevokeExchange)
			}
			if res.NotSent != "" {
				fail("not sent: " + res.NotSent)
			}
			problems := []string{}
			if res.Problem != "" {
				problems = append(problems, res.Problem)
			}
			if k := res.Stray; k != nil {
				problems = append(problems, strayText(k))
			}
			if len(problems) > 0 {
				fail(strings.Join(problems, "\n"))
			}
		},
		Entry(ProbeCreateNoToken, ProbeCreateNoToken, Label("auth")),
		Entry(ProbeCreateBadName, ProbeCreateBadName),
		Entry(ProbeCreateBadType, ProbeCreateBadType),
		Entry(ProbeCreateNoMID, ProbeCreateNoMID),
		Entry(ProbeRevokeNoToken, ProbeRevokeNoToken, Label("auth")),
		Entry(ProbeRevokeNoSuchID, ProbeRevokeNoSuchID),
	)
})

// strayText names a key a probe wrongly made and what became of it.
func strayText(k *createdKey) string {
	switch {
	case k.Uncertain:
		return "the target may have made the key " + k.Name + " (" + k.CreateProblem + "); look for its name and remove it by hand"
	case k.Revoked:
		return "the target made the key " + k.Label() + ", which the run revoked: its revoke answered success"
	case k.RevokeProblem != "":
		return "the target made the key " + k.Label() + ", which the run could not revoke (" + k.RevokeProblem + "); remove it by hand"
	}
	return "the target made the key " + k.Label()
}
