package contract

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

var _ = Describe("Where the page contradicts itself", Label("discrepancy", "live"), func() {
	It("records the key types the server returns and names those the field table leaves out", Label("strict", "D1"), func(ctx SpecContext) {
		expectStatus(listing(ctx), 200)
		counts := run.Observer.Snapshot().Types
		outside := report.TypesOutside(counts, specFacts.table)
		entry("type values observed", counts)
		entry("type values the field table does not document", strings.Join(outside, ", "))
		if !cfg.Strict {
			recorded("type values outside the field table: " + orNone(outside))
			return
		}
		if len(outside) > 0 {
			fail(fmt.Sprintf("type values %s are not in the field table: under strict docs only its types (%s) pass",
				strings.Join(outside, ", "), strings.Join(specFacts.table, ", ")))
		}
	})

	It("records how many keys were never used (null last_used)", Label("D3"), func(ctx SpecContext) {
		expectStatus(listing(ctx), 200)
		o := run.Observer.Snapshot()
		if o.NullLastUsed == 0 {
			recorded(fmt.Sprintf("not observed: none of %d keys had a null last_used", o.Keys))
			return
		}
		recorded(fmt.Sprintf("%d of %d keys never used", o.NullLastUsed, o.Keys))
	})
})

func orNone(values []string) string {
	if len(values) == 0 {
		return "none"
	}
	return strings.Join(values, ", ")
}
