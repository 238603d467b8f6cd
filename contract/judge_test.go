package contract

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// redactor is the run's one redactor.
func redactor() *Redactor {
	if run != nil {
		return run.Redactor
	}
	return configRedactor
}

// judged are the exchanges the running spec judged (judge): when it fails,
// its report carries a curl command for each, which sends the request
// again with $FLEXFACTOR_TOKEN for the token. Specs run one at a time.
var judged []*Exchange

// judge records exchanges the running spec judges.
func judge(exs ...*Exchange) { judged = append(judged, exs...) }

// A failed spec says how to see it fail again: the requests it judged, as
// curl commands through the redactor (the report adds the ginkgo line that
// runs it alone).
var _ = AfterEach(func() {
	if !CurrentSpecReport().Failed() || run == nil {
		return
	}
	for _, c := range reproduceEntries(judged, run.Token(), cfg.AppKey, redactor()) {
		AddReportEntry(report.EntryReproduce, c, ReportEntryVisibilityNever)
	}
	if run.madeByLifecycle(judged) {
		AddReportEntry(entryLifecycle, "", ReportEntryVisibilityNever)
	}
})

// fail fails the running spec with msg through the run's redactor: a
// message may name what the target sent (a type value, a member name),
// and Ginkgo prints it on the console as it is given.
func fail(msg string) {
	GinkgoHelper()
	Fail(redactor().Redact(msg))
}

// must fails the spec with err's message, never a dump of its fields.
func must(err error, doing string) {
	GinkgoHelper()
	if err != nil {
		fail(doing + ": " + err.Error())
	}
}

// entry adds a report entry through the redactor.
func entry(name string, value any) {
	AddReportEntry(name, redactor().Redact(fmt.Sprint(value)))
}

// inconclusive ends a spec that cannot prove what it checks: no data to
// check it on. The run's verdict is INCONCLUSIVE unless something failed.
func inconclusive(why string) {
	GinkgoHelper()
	AddReportEntry(report.EntryInconclusive, redactor().Redact(why))
	Skip(redactor().Redact(why))
}

// recorded marks a spec that records what it saw without holding the
// target to it: the report says "recorded", not "passed".
func recorded(what string) {
	AddReportEntry(report.EntryRecorded, redactor().Redact(what))
}

// expectStatus fails when ex's status is not want, in words.
func expectStatus(ex *Exchange, want int) {
	GinkgoHelper()
	judge(ex)
	if ex.Status != want {
		fail(fmt.Sprintf("%s; expected %d", ex.summary(), want))
	}
}

// listing returns the run's one listing of the mid. Preflight made it:
// a spec that gets here has a 200 JSON listing.
func listing(ctx context.Context) *Exchange {
	GinkgoHelper()
	ex, err := run.Listing(ctx)
	must(err, "listing the keys of "+cfg.MID)
	judge(ex)
	return ex
}

// listedKeys returns the raw key objects of a valid 200 listing: the
// listing made after the lifecycle's creates when there is one, however
// long, so the run's own keys are checked too; without any key the spec is
// inconclusive: a check of each key proves nothing on an empty list, and
// says so.
func listedKeys(ctx context.Context) []map[string]any {
	GinkgoHelper()
	_, keys := perKeyListing(ctx)
	return keys
}

// perKeyListing is listedKeys with the listing its keys come from.
func perKeyListing(ctx context.Context) (*Exchange, []map[string]any) {
	GinkgoHelper()
	ex := listing(ctx)
	expectStatus(ex, 200)
	keys, err := decodeKeys(ex.Body)
	must(err, "the listing")
	// The listing made after the lifecycle's creates holds the run's own
	// keys too: each promise is judged on them here, once, and the
	// lifecycle's checks judge only what the run knows of its keys.
	if lc := run.Lifecycle(); lc != nil && lc.Listing != nil && lc.Listing.Status == 200 {
		if all, err := decodeKeys(lc.Listing.Body); err == nil && len(all) > 0 {
			judge(lc.Listing)
			entry("keys checked", fmt.Sprintf("mid %s listed %s before this run: checked on the %s listed after the lifecycle's creates", cfg.MID, report.Plural(len(keys), "key"), report.Plural(len(all), "key")))
			return lc.Listing, all
		}
	}
	if len(keys) > 0 {
		return ex, keys
	}
	why := "the lifecycle made none"
	if !cfg.Lifecycle {
		why = "the lifecycle is off (" + EnvLifecycle + "=1 makes keys to check)"
	}
	inconclusive(fmt.Sprintf("mid %s has no keys and %s: nothing to check per key", cfg.MID, why))
	return nil, nil
}

// failuresText renders failures for a message: pointers and reasons,
// never values.
func failuresText(failures []Failure) string {
	var b strings.Builder
	for _, f := range failures {
		b.WriteString("\n  " + f.String())
	}
	return b.String()
}

// expectNoFailures fails with what, followed by each failure.
func expectNoFailures(failures []Failure, what string) {
	GinkgoHelper()
	if len(failures) > 0 {
		fail(what + ":" + failuresText(failures))
	}
}

// expectValid fails the spec when the wire validation finds anything in
// exs: once, each failure with the calls that answered it.
func expectValid(exs ...*Exchange) {
	GinkgoHelper()
	judge(exs...)
	if lines := failuresByCall(exs, run.Check); len(lines) > 0 {
		fail("the answers break openapi.yaml:\n  " + strings.Join(lines, "\n  "))
	}
}

// notJudged ends a check whose answer broke openapi.yaml: the check named
// owner fails for it, once, naming the field; this one is not judged, and
// its ledger rows read "not observed".
func notJudged(answer, owner string) {
	GinkgoHelper()
	Skip(report.NotJudgedPrefix + answer + " broke openapi.yaml (see the check \"" + owner + "\")")
}

// requestSlack is what a spec may take beyond one request's timeout.
const requestSlack = 10 * time.Second
