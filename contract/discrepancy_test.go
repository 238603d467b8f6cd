package contract_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flexcontract/flexfactor-apikeys/contract"
)

var _ = Describe("Where the page contradicts itself", Label("discrepancy", "live"), func() {
	It("records the key types the server returns and names those the field table leaves out", Label("strict"), func(ctx SpecContext) {
		ex := listing(ctx)
		Expect(ex.Status).To(Equal(200), "%s", ex.Summary())
		counts := run.Observer.Snapshot().Types
		outside := contract.TypesOutside(counts, contract.TableTypes)
		AddReportEntry("type values observed", fmt.Sprint(counts))
		AddReportEntry("type values the field table does not document", strings.Join(outside, ", "))
		if cfg.Strict {
			Expect(outside).To(BeEmpty(), "under strict docs only the field table's types (%s) pass", strings.Join(contract.TableTypes, ", "))
		}
	})

	It("records how many keys were never used (null last_used)", func(ctx SpecContext) {
		ex := listing(ctx)
		Expect(ex.Status).To(Equal(200), "%s", ex.Summary())
		o := run.Observer.Snapshot()
		if o.NullLastUsed == 0 {
			AddReportEntry("null last_used", fmt.Sprintf("not observed: none of %d keys had a null last_used", o.Keys))
			return
		}
		AddReportEntry("null last_used", fmt.Sprintf("%d of %d keys never used", o.NullLastUsed, o.Keys))
	})
})
