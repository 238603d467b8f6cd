package contract

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
)

var _ = Describe("Undocumented fields", Label("discrepancy", "strict", "live", "D8"), func() {
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
		entry("undocumented fields", orNone(fields))
		if !cfg.Strict {
			recorded("undocumented fields: " + orNone(fields))
			return
		}
		if len(fields) > 0 {
			fail("undocumented fields " + strings.Join(fields, ", ") + ": under strict docs a response may carry only the fields openapi.yaml declares")
		}
	})
})
