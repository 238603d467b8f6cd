package contract_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/flexcontract/flexfactor-apikeys/contract"
)

// probeResults are the negative probes' results, by the setup; nil when
// the lifecycle is off.
var probeResults []*contract.ProbeResult

// probeResult returns the result of the probe named key.
func probeResult(key string) *contract.ProbeResult {
	GinkgoHelper()
	for _, res := range probeResults {
		if res.Probe.Key == key {
			return res
		}
	}
	Fail("the probe " + key + " is not among the run's probes")
	return nil
}

var _ = Describe("A request openapi.yaml says the target must refuse", Label("negative", "live"), func() {
	BeforeEach(func() {
		if !cfg.Lifecycle {
			Skip("the lifecycle is off: " + contract.EnvLifecycle + "=1 makes a live run send the negative probes too")
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
				Fail("not sent: " + res.NotSent)
			}
			problems := []string{}
			if res.Problem != "" {
				problems = append(problems, res.Problem)
			}
			if k := res.Stray; k != nil {
				problems = append(problems, strayText(k))
			}
			if len(problems) > 0 {
				Fail(strings.Join(problems, "\n"))
			}
		},
		Entry(contract.ProbeCreateNoToken, contract.ProbeCreateNoToken, Label("auth")),
		Entry(contract.ProbeCreateBadName, contract.ProbeCreateBadName),
		Entry(contract.ProbeCreateBadType, contract.ProbeCreateBadType),
		Entry(contract.ProbeCreateNoMID, contract.ProbeCreateNoMID),
		Entry(contract.ProbeRevokeNoToken, contract.ProbeRevokeNoToken, Label("auth")),
		Entry(contract.ProbeRevokeNoSuchID, contract.ProbeRevokeNoSuchID),
	)
})

// strayText names a key a probe wrongly made and what became of it.
func strayText(k *contract.LifecycleKey) string {
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
