package contract_test

import (
	"fmt"
	"maps"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("Undocumented fields", Label("discrepancy", "strict", "live"), func() {
	It("are listed in the report, and fail under FLEXFACTOR_STRICT_DOCS=1", func(ctx SpecContext) {
		seen := map[string]int{}
		ex := listing(ctx)
		for f, n := range run.Undocumented(ex) {
			seen[fmt.Sprintf("%s %d %s", ex.Operation, ex.Status, f)] += n
		}
		if tok := run.TokenExchange(); tok != nil {
			for f, n := range run.Undocumented(tok) {
				seen[fmt.Sprintf("%s %d %s", tok.Operation, tok.Status, f)] += n
			}
		}
		fields := slices.Sorted(maps.Keys(seen))
		if len(fields) == 0 {
			AddReportEntry("undocumented fields", "none")
		} else {
			AddReportEntry("undocumented fields", fmt.Sprint(seen))
		}
		if cfg.Strict {
			Expect(fields).To(BeEmpty(), "under strict docs a response may carry only the fields openapi.yaml declares")
		}
	})
})
