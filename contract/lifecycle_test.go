package contract

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// startLifecycle creates the run's keys before any spec (the specs only
// read what it recorded) and registers their revoke: DeferCleanup at the
// suite's level runs after every spec, also when one failed or timed out,
// and fails the run naming each key it could not revoke.
func startLifecycle(ctx context.Context) {
	GinkgoHelper()
	// Registered before the first create: should this node time out while
	// creating, the keys made so far are still revoked.
	var leftovers map[string]string
	DeferCleanup(func(ctx SpecContext) {
		run.FinishLifecycle(ctx)
		var left []string
		if cfg.Sweep {
			left = run.Sweep(ctx, leftovers)
		}
		if kept := run.Lifecycle().NotRevoked(); len(kept) > 0 {
			fail(fmt.Sprintf("%d keys this run created are still on the target; remove them by hand:\n  %s",
				len(kept), strings.Join(kept, "\n  ")))
		}
		if len(left) > 0 {
			AddReportEntry("leftovers not swept", redactor().Redact(strings.Join(left, "; ")))
		}
	}, NodeTimeout(2*(cfg.RequestTimeout+requestSlack)))
	lc := run.StartLifecycle(ctx, time.Now)
	entry("lifecycle run id", lc.RunID)
	leftovers = lc.FindLeftovers(run.SharedListing())
}

// lifecycleKey returns the run's key of type typ.
func lifecycleKey(typ string) *createdKey {
	GinkgoHelper()
	for _, k := range run.Lifecycle().Keys {
		if k.Type == typ {
			return k
		}
	}
	fail("the lifecycle made no " + typ + " key")
	return nil
}

// The checks that say, once, why a key cannot be looked at: the others
// are then marked not run because of it, rather than failing with the same
// cause.
const (
	createdCheck = "A key this run creates › is created with an answer that matches openapi.yaml, id and value included"
	listedCheck  = "A key this run creates › is listed once, by its name"
)

// listedOnce returns the one listed key of type typ, for a check of its
// field. A key that was not created, a listing that failed or a key not
// listed once leaves the spec not run, pointing at the check that says
// why; a field that broke openapi.yaml leaves it not judged.
func listedOnce(typ, field string) (*createdKey, map[string]any) {
	GinkgoHelper()
	k := lifecycleKey(typ)
	lc := run.Lifecycle()
	switch {
	case !k.Created:
		Skip(report.NotRunPrefix + "the " + typ + " key was not created (see the check \"" + createdCheck + "\")")
	case lc.Listing == nil || lc.Listing.Status != 200:
		Skip(report.NotRunPrefix + "the listing after the creates failed (see the check \"" + listedCheck + "\")")
	}
	judge(lc.Listing)
	listed, problem := lc.ListedOnce(k)
	if problem != "" {
		Skip(report.NotRunPrefix + "the " + typ + " key is not listed once (see the check \"" + listedCheck + "\")")
	}
	if run.brokeSpecAt(lc.Listing, k.Name, field) {
		notJudged("the listing's "+field+" of the "+typ+" key", listingCheck)
	}
	return k, listed
}

// typeCheck fails a listed type that openapi.yaml does not declare.
const typeCheck = "Each listed key › keeps the page's promise about its fields › type is a value openapi.yaml declares"

// listedType is the type the listing gives the run's typ key. A type
// openapi.yaml does not declare is typeCheck's to fail: the checks of
// what the run created it as do not judge it.
func listedType(typ string) string {
	GinkgoHelper()
	_, listed := listedOnce(typ, "type")
	t, _ := listed["type"].(string)
	if !slices.Contains(run.Validator.enumValues("APIKeyType"), t) {
		notJudged("the listing's type of the "+typ+" key", typeCheck)
	}
	return t
}

var lifecycleEntries = []TableEntry{Entry("the public key", "public"), Entry("the secret key", "secret")}

var _ = Describe("A key this run creates", Ordered, ContinueOnFailure, Label("lifecycle", "live"), func() {
	BeforeAll(func() {
		if run == nil || run.Broken() != nil {
			Skip(report.NotRunPrefix + "the target is broken (see the check \"The target\")")
		}
		if !cfg.Lifecycle {
			Skip("the lifecycle is off: " + EnvLifecycle + "=1 makes a live run create a public and a secret key and revoke them")
		}
		if run.Lifecycle() == nil {
			fail("the lifecycle did not start")
		}
	})

	It("is created with an answer that matches openapi.yaml, id and value included", Label("D12", "D13"), func() {
		var problems []string
		for i, k := range run.Lifecycle().Keys {
			ex := run.Lifecycle().Creates[i]
			judge(ex)
			if ex != nil {
				for _, f := range run.Check(ex) {
					problems = append(problems, ex.summary()+": "+f.String())
				}
			}
			if k.CreateProblem != "" {
				problems = append(problems, k.CreateProblem)
			}
		}
		if len(problems) > 0 {
			fail(strings.Join(problems, "\n"))
		}
	})

	DescribeTable("is listed once, by its name",
		func(typ string) {
			lc := run.Lifecycle()
			if lc.Listing == nil || lc.Listing.Status != 200 {
				fail(lc.Problem)
			}
			k := lifecycleKey(typ)
			if !k.Created {
				Skip(report.NotRunPrefix + "the " + typ + " key was not created (see the check \"" + createdCheck + "\")")
			}
			judge(lc.Listing)
			if _, problem := lc.ListedOnce(k); problem != "" {
				fail(problem)
			}
		}, lifecycleEntries)

	DescribeTable("is listed with last_four the last four characters of its value",
		func(typ string) {
			k, listed := listedOnce(typ, "last_four")
			if k.LastFour() == "" {
				Skip(report.NotRunPrefix + "the create call answered no value to compare with (see the check \"" + createdCheck + "\")")
			}
			if p := lastFourProblem(listed, k); p != "" {
				fail(p)
			}
		}, Label("D10"), lifecycleEntries)

	DescribeTable(fmt.Sprintf("is listed with created_at inside the run's window, give or take %s of clock skew", clockSkew),
		func(typ string) {
			k, listed := listedOnce(typ, "created_at")
			if p := run.Lifecycle().CreatedAtProblem(listed, k); p != "" {
				fail(p)
			}
		}, lifecycleEntries)

	DescribeTable("is listed with a null last_used, never having been used",
		func(typ string) {
			k, listed := listedOnce(typ, "last_used")
			if p := lastUsedProblem(listed, k); p != "" {
				fail(p)
			}
		}, Label("D3"), lifecycleEntries)

	It("is listed as secret when created secret", func() {
		if t := listedType("secret"); t != "secret" {
			fail(fmt.Sprintf("the key created as secret is listed as %q", t))
		}
	})

	It("is listed as public or publishable when created public: the ground truth of the page's contradiction", Label("discrepancy", "strict", "D1"), func() {
		t := listedType("public")
		entry("a key created public is listed as", t)
		switch {
		case t != "public" && t != "publishable":
			fail(fmt.Sprintf("the key created as public is listed as %q, neither public nor publishable", t))
		case cfg.Strict && t != "public":
			fail(fmt.Sprintf("the key created as public is listed as %q: under strict docs the field table's public is required", t))
		case !cfg.Strict:
			recorded("a key created public is listed as " + t)
		}
	})

	It("has its full value nowhere in the listing when secret (the page's Key Security note)", Label("security"), func() {
		k, _ := listedOnce("secret", "")
		if where := valueIn(run.Lifecycle().Listing, k); len(where) > 0 {
			fail(fmt.Sprintf("the listing holds the full value of %s at %s", k.Name, strings.Join(where, ", ")))
		}
	})

	It("records whether the listing shows a public key's full value, which the page does not forbid", func() {
		k, _ := listedOnce("public", "")
		where := valueIn(run.Lifecycle().Listing, k)
		if len(where) == 0 {
			recorded("the listing does not show the public key's full value")
			return
		}
		recorded("the listing shows the public key's full value at " + strings.Join(where, ", "))
	})

	It("is gone from the listing once revoked", Label("D11", "D14"), func(ctx SpecContext) {
		run.FinishLifecycle(ctx)
		lc := run.Lifecycle()
		// A key the run could not send a revoke for (not created, no id, a
		// create without an answer) is the create check's cause, and the
		// cleanup names it: this check, and the ledger ids it carries, are
		// about the revokes that were sent.
		var problems []string
		sent := 0
		for _, k := range lc.Keys {
			judge(k.RevokeExchange)
			if k.RevokeSent {
				sent++
				// A failed revoke, or one answered success whose key the
				// listing after it still shows (FinishLifecycle read it).
				if !k.Revoked || k.StillListed {
					problems = append(problems, k.Label()+": "+k.RevokeProblem)
				}
			}
		}
		if sent == 0 {
			Skip(report.NotRunPrefix + "no revoke could be sent: no key was created with an id (see the check \"" + createdCheck + "\")")
		}
		judge(lc.AfterRevoke)
		if lc.AfterRevoke == nil {
			fail(strings.Join(append(problems, "the listing after the revokes failed"), "\n"))
		}
		// Its promise is the revokes': the listing's body is the listing
		// check's.
		if lc.AfterRevoke.Status != 200 {
			problems = append(problems, "the listing after the revokes answered "+lc.AfterRevoke.summary()+", so no revoke is confirmed")
		}
		if len(problems) > 0 {
			fail(strings.Join(problems, "\n"))
		}
	}, SpecTimeout(3*(cfg.RequestTimeout+requestSlack)))

	It("records the keys earlier runs left behind", func() {
		lc := run.Lifecycle()
		if len(lc.Leftovers) == 0 {
			recorded("no leftover of an earlier run")
			return
		}
		recorded(fmt.Sprintf("%d leftovers of earlier runs: %s (%s=1 revokes those the listing shows an id for)",
			len(lc.Leftovers), strings.Join(lc.Leftovers, ", "), EnvSweep))
	})
})
