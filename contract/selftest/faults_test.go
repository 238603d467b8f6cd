package selftest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	. "github.com/onsi/ginkgo/v2"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// TestOneCauseOneFailure runs the table of single faults below.
func TestOneCauseOneFailure(t *testing.T) {
	RunSpecs(t, "contract self-test: one cause, one failure")
}

// A fault is one thing a target gets wrong, and what the run must say of
// it: the check that fails (at most one other may), the words of the
// report's first line, and the only ledger rows whose verdict may differ
// from a faithful night's.
type fault struct {
	opts    []flexapitest.Option
	breakIt func(*flexapitest.Server)
	// env is added to the nightly's (FLEXFACTOR_LIFECYCLE=0 turns the
	// lifecycle off).
	env []string
	// check is a part of the name of the check that must fail; second, of
	// the only other check that may ("" when none may).
	check, second string
	// first are words the report's first line holds.
	first string
	// ledger are the rows that may change; a broken target leaves every
	// row not observed.
	ledger []string
	// keysLeft is how many of the run's keys the double may keep: only one
	// that lies about a revoke, or gives no id to revoke by, keeps them.
	keysLeft int
	// report are words the report must hold, or "".
	report string
	// notJudged is a part of the name of a check that reads the broken
	// answer for another promise: the report must say it was not judged.
	notJudged string
}

// The checks a fault's table entry names often.
const (
	listingCheck = "Listing a merchant's keys › answers 200 to a GET without a body, with a response that matches openapi.yaml"
	// cleanup is the suite's cleanup, which fails naming each key it could
	// not revoke.
	cleanup = "The run's cleanup"
)

// listingOf makes key the one key the double lists for its merchant.
func listingOf(key string) func(*flexapitest.Server) {
	return func(srv *flexapitest.Server) {
		if err := srv.SetKeys(flexapitest.DefaultMID, json.RawMessage(key)); err != nil {
			panic(err)
		}
	}
}

// onRoutes injects fault on every route given, for every request.
func onRoutes(fault flexapitest.Fault, routes ...flexapitest.Route) func(*flexapitest.Server) {
	return func(srv *flexapitest.Server) {
		for _, r := range routes {
			srv.Inject(r, fault.Always())
		}
	}
}

// faithfulNights are the observations every fault is compared with, by
// the environment added to the nightly's: the faithful double, run once
// each.
var faithfulNights sync.Map

func faithfulNight(env []string) report.Observations {
	key := strings.Join(env, " ")
	if o, ok := faithfulNights.Load(key); ok {
		return o.(report.Observations)
	}
	r, _ := runSuite(GinkgoT(), newCanaryDouble(GinkgoT()), appCredentials, append([]string{lifecycleOn}, env...)...)
	if r.exitCode != 0 {
		Fail("the faithful night failed:\n" + r.output)
	}
	o := readObservations(GinkgoT(), r)
	faithfulNights.Store(key, o)
	return o
}

// namedFact is the first change that matters between the faithful night
// and the fault's, beyond the verdict and the ledger: what contractdiff
// names as changed for the failing check; "" when none.
func namedFact(faithful, faulty report.Observations) string {
	for _, c := range report.Diff(faithful, faulty) {
		if c.Matters && c.Fact != "verdict" && !strings.HasPrefix(c.Fact, "ledger ") {
			return c.String()
		}
	}
	return ""
}

func ledgerVerdicts(o report.Observations) map[string]string {
	out := map[string]string{}
	for _, e := range o.Ledger {
		out[e.ID] = e.Verdict
	}
	return out
}

// In the listing after the run's creates, the seeded keys come first,
// then the public key (index 2) and the secret key (index 3).
var _ = DescribeTable("A single fault of the target is one failure, blamed on its cause",
	func(f fault) {
		faithfulObs := faithfulNight(f.env)
		faithful := ledgerVerdicts(faithfulObs)
		srv := newCanaryDouble(GinkgoT(), f.opts...)
		if f.breakIt != nil {
			f.breakIt(srv)
		}
		r, secrets := runSuite(GinkgoT(), srv, appCredentials, append([]string{lifecycleOn}, f.env...)...)
		if r.exitCode == 0 {
			Fail("the run passed:\n" + r.output)
		}
		first := firstLine(r.report)
		broken := strings.HasPrefix(first, "# "+report.VerdictBroken)
		max := 2
		if broken {
			max = 1
		}
		if len(r.failed) > max || !contains(r.failed, f.check) {
			Fail("failed: " + strings.Join(r.failed, "; ") + "\nwant " + f.check + ", at most " + report.Plural(max, "check"))
		}
		for _, name := range r.failed {
			if !strings.Contains(name, f.check) && (f.second == "" || !strings.Contains(name, f.second)) {
				Fail("failed for the same cause: " + name)
			}
		}
		if !strings.Contains(first, f.first) {
			Fail("the report's first line is " + first + "; want it to say " + f.first)
		}
		obs := readObservations(GinkgoT(), r)
		if namedFact(faithfulObs, obs) == "" {
			Fail("contractdiff names no fact that changed, only the verdict and the ledger")
		}
		for id, verdict := range ledgerVerdicts(obs) {
			switch {
			case broken && verdict != report.LedgerNotObserved:
				Fail(id + " is " + verdict + " on a broken target")
			case !broken && verdict != faithful[id] && !contains(f.ledger, id):
				Fail(id + " changed from " + faithful[id] + " to " + verdict)
			}
		}
		if f.notJudged != "" && !regexp.MustCompile(regexp.QuoteMeta(f.notJudged)+`[^\n]*\| not judged \| not judged: `).MatchString(r.report) {
			Fail("the report does not say " + f.notJudged + " was not judged:\n" + r.report)
		}
		if f.report != "" && !strings.Contains(r.report, f.report) {
			Fail("the report does not say " + f.report + ":\n" + r.report)
		}
		// A failing run still revokes every key it made, each once: nothing
		// is retried, a failed revoke included.
		if n := keysLeft(GinkgoT(), srv); n != f.keysLeft {
			Fail("the double keeps " + report.Plural(n, "key") + " of the run")
		}
		if n := revokesSent(srv); n > 2 {
			Fail("the run sent " + report.Plural(n, "revoke") + " for its 2 keys")
		}
		assertClean(GinkgoT(), r, secrets...)
		assertNoMintedValue(GinkgoT(), r)
	},
	// The listing's fields, as the per-key checks and the listing's
	// schema check judge them.
	Entry("a field missing from every listed key", fault{
		breakIt: onRoutes(flexapitest.RemoveField("keys/*/last_used"), flexapitest.RouteList),
		check:   "last_used is never absent", second: listingCheck,
		first: "last_used is absent", ledger: []string{"D3"}, notJudged: "is listed with a null last_used"}),
	Entry("a field missing from one listed key", fault{
		breakIt: onRoutes(flexapitest.RemoveField("keys/0/last_used"), flexapitest.RouteList),
		check:   "last_used is never absent", second: listingCheck,
		first: "last_used is absent", ledger: []string{"D3"}}),
	Entry("a field missing from one listed key, the lifecycle off", fault{
		breakIt: onRoutes(flexapitest.RemoveField("keys/0/last_used"), flexapitest.RouteList),
		env:     []string{"FLEXFACTOR_LIFECYCLE=0"},
		check:   "last_used is never absent", second: listingCheck,
		first: "last_used is absent", ledger: []string{"D3"}}),
	Entry("a created_at that is not a date-time", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/0/created_at", "16/11/2024 12:00 "+canaryBreak), flexapitest.RouteList),
		check:   "created_at is an RFC 3339 date-time", second: listingCheck,
		first: "created_at is missing or not an RFC 3339 date-time", ledger: []string{"D7"}}),
	Entry("a last_used that is not a date-time", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/0/last_used", "yesterday "+canaryBreak), flexapitest.RouteList),
		check:   "last_used is never absent, and is null or an RFC 3339 date-time", second: listingCheck,
		first: "last_used is neither null nor an RFC 3339 date-time", ledger: []string{"D3"}}),
	// Since 0.3.0 a listed type is any string on the wire (D1): only the
	// check of the declared values catches an unknown one.
	Entry("an unknown type", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/1/type", "restricted"), flexapitest.RouteList),
		check:   "type is a value openapi.yaml declares",
		first:   "type is not one of", ledger: []string{"D1"}}),
	Entry("every key's type unknown, the run's own keys' too", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/*/type", "restricted"), flexapitest.RouteList),
		check:   "type is a value openapi.yaml declares",
		first:   "type is not one of", ledger: []string{"D1"},
		notJudged: "is listed as secret when created secret"}),
	// The first listing no shorter than the one after the creates: the
	// run's own keys are judged all the same.
	Entry("the run's keys' type unknown, the first listing as long", fault{
		breakIt: func(srv *flexapitest.Server) {
			srv.Inject(flexapitest.RouteList, flexapitest.ListedTwice().Once(), flexapitest.SetField("keys/3/type", "restricted"))
		},
		check: "type is a value openapi.yaml declares",
		first: "type is not one of", ledger: []string{"D1"},
		notJudged: "is listed as secret when created secret"}),
	Entry("a last_four of three characters", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/0/last_four", "7dc"), flexapitest.RouteList),
		check:   "last_four is exactly four characters", second: listingCheck,
		first: "last_four is missing or not four characters", ledger: []string{"D10"}}),
	Entry("a name that is not a string", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/0/name", 42), flexapitest.RouteList),
		check:   "name is a string", second: listingCheck,
		first: "name is missing or not a string", ledger: []string{"D15"},
		notJudged: "decodes with the generated client"}),
	Entry("a field wrong on the keys the run made", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/3/created_at", "yesterday "+canaryBreak), flexapitest.RouteList),
		check:   "created_at is an RFC 3339 date-time", second: listingCheck, first: "/keys/3", ledger: []string{"D7"}}),
	Entry("a wrong content type", fault{
		breakIt: onRoutes(flexapitest.ContentType("text/plain; charset=utf-8; note="+canaryBreak).OnStatus(200), flexapitest.RouteList),
		check:   "answers JSON to the page's accept", second: listingCheck, first: "text/plain"}),
	Entry("a full key value in the listing", fault{
		breakIt: onRoutes(flexapitest.AddField("keys/*/value", leakedKey), flexapitest.RouteList),
		check:   "carries no full key value", first: "key values may be exposed"}),
	Entry("keys for the merchant that has none", fault{
		breakIt: func(srv *flexapitest.Server) {
			if err := srv.SetKeys("mid_without_keys", map[string]any{
				"name": "Key " + canaryEmpty, "type": "secret", "created_at": "2024-11-16T12:00:00Z",
				"last_used": nil, "last_four": "e2x9", "value": "sk_" + canaryEmpty + "e2x9",
			}); err != nil {
				panic(err)
			}
		},
		check: `answers {"keys": []} for a merchant with no keys`, first: "names a merchant without keys"}),
	// encoding/json matches field names case-insensitively and the last
	// match wins: an added "NAME" after "name" is valid against the spec
	// (additional properties are allowed) yet overwrites the generated
	// client's Name. Keys set in code keep their field order.
	Entry("an undocumented field the generated client takes for name", fault{
		breakIt: listingOf(`{"name":"My API Key ` + canaryName + `","type":"secret","created_at":"2024-11-16T12:00:00Z",` +
			`"last_used":"2024-11-18T10:00:00Z","last_four":"7dc0","NAME":"Shadow ` + canaryBreak + `"}`),
		check: "decodes with the generated client, losing nothing but undocumented fields", first: "the generated client lost"}),
	Entry("an undocumented field the generated client takes for a null last_used", fault{
		breakIt: listingOf(`{"name":"Frontend Key ` + canaryName + `","type":"publishable","created_at":"2024-11-10T08:30:00Z",` +
			`"last_used":null,"last_four":"3abc","LAST_USED":"2024-11-18T10:00:00Z"}`),
		check: "decodes a null last_used to nil in the generated client", second: "decodes with the generated client, losing nothing",
		first: "lost", ledger: []string{"D3"}}),

	// Authentication and refusals.
	Entry("a 401 body of another shape on list, create and revoke", fault{
		breakIt: onRoutes(flexapitest.JSONBody(401, map[string]any{
			"status": 401, "title": "Unauthorized " + canaryBreak, "errors": map[string][]string{"token": {"invalid " + canaryBreak}},
		}).OnStatus(401), flexapitest.RouteList, flexapitest.RouteCreate, flexapitest.RouteRevoke),
		check: "the error body openapi.yaml documents",
		first: "body /errors", ledger: []string{"D4"},
		report: "(GET /v1/api-keys/mid_123456 -> 401, POST /v1/api-keys -> 401, DELETE /v1/api-keys/"}),
	Entry("auth not enforced on the listing", fault{
		breakIt: onRoutes(flexapitest.AuthNotEnforced(), flexapitest.RouteList),
		check:   "an invalid bearer token", second: "a missing Authorization header",
		first: "expected 401", ledger: []string{"D4"}}),
	Entry("the page's lower-case bearer refused", fault{
		breakIt: onRoutes(flexapitest.CaseSensitiveScheme(), flexapitest.RouteList),
		check:   "accepts the bearer scheme in the page's lower case",
		first:   "401", ledger: []string{"D5"}}),
	Entry("a token answer without expires", fault{
		breakIt: onRoutes(flexapitest.RemoveField("expires"), flexapitest.RouteToken),
		check:   "answers the token call with 200 and the documented token body",
		first:   "/expires", ledger: []string{"D6"}}),
	// Only the token call that would have been a 401 changes: the run's
	// own exchange still gets its token.
	Entry("unknown credentials answered 403, not 401", fault{
		breakIt: onRoutes(flexapitest.Status(http.StatusForbidden, "forbidden "+canaryBreak).OnStatus(401), flexapitest.RouteToken),
		check:   "answers 401 with the documented errors body to unknown credentials",
		first:   "expected 401", ledger: []string{"D9"}}),

	// The keys the run makes.
	Entry("the secret key listed public", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/3/type", "public"), flexapitest.RouteList),
		check:   "is listed as secret when created secret", first: "listed as"}),
	// A hostile target echoes a secret it knows into what a check names
	// (here the AppSecret as a type value): no output may carry it, the
	// console's failure messages included.
	Entry("the secret key listed with the AppSecret for its type", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/3/type", canarySecret), flexapitest.RouteList),
		check:   "type is a value openapi.yaml declares", first: "type is not one of", ledger: []string{"D1"},
		notJudged: "is listed as secret when created secret"}),
	Entry("the public key listed tokenization", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/2/type", "tokenization"), flexapitest.RouteList),
		check:   "is listed as public or publishable when created public",
		first:   "neither public nor publishable", ledger: []string{"D1"}}),
	Entry("last_four not the value's", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/2/last_four", "zzzz"), flexapitest.RouteList),
		check:   "last_four the last four characters of its value › the public key",
		first:   "last_four is not the last four characters", ledger: []string{"D10"}}),
	Entry("created_at outside the run's window", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/3/created_at", "2020-01-01T00:00:00Z"), flexapitest.RouteList),
		check:   "created_at inside the run's window, give or take 2m0s of clock skew › the secret key",
		first:   "outside the run's window"}),
	Entry("last_used set on a fresh key", fault{
		breakIt: onRoutes(flexapitest.SetField("keys/3/last_used", "2026-01-01T00:00:00Z"), flexapitest.RouteList),
		check:   "null last_used, never having been used › the secret key",
		first:   "last_used is set", ledger: []string{"D3"}}),
	Entry("a key the run made listed twice", fault{
		breakIt: onRoutes(flexapitest.ListedTwice(), flexapitest.RouteList),
		check:   "is listed once, by its name › the public key", second: "is listed once, by its name › the secret key",
		first: "is listed 2 times", ledger: []string{"D1", "D3", "D10"}}),
	Entry("a value listed", fault{
		opts:  []flexapitest.Option{flexapitest.WithValuesListed()},
		check: "has its full value nowhere in the listing", second: "carries no full key value", first: "holds the full value"}),
	Entry("a create answer without value", fault{
		breakIt: onRoutes(flexapitest.RemoveField("value").OnStatus(201), flexapitest.RouteCreate),
		check:   "is created with an answer that matches openapi.yaml",
		first:   "value", ledger: []string{"D12", "D13", "D10"}}),
	Entry("a create answer with a created_at that is not a date-time", fault{
		breakIt: onRoutes(flexapitest.SetField("created_at", "yesterday").OnStatus(201), flexapitest.RouteCreate),
		check:   "is created with an answer that matches openapi.yaml",
		first:   "/created_at", ledger: []string{"D12", "D13"}}),
	Entry("a create answer without id", fault{
		breakIt: onRoutes(flexapitest.RemoveField("id").OnStatus(201), flexapitest.RouteCreate),
		check:   "is created with an answer that matches openapi.yaml", second: cleanup,
		first: "no id", ledger: []string{"D12", "D13", "D11", "D14"}, keysLeft: 2, report: "remove them by hand"}),
	// A 500 after the key was made (the double's faults change the answer,
	// not what the double did): the run cannot revoke what it cannot name
	// by id, so it names both keys; the other checks are not run.
	Entry("a create answered 500", fault{
		breakIt: onRoutes(flexapitest.InternalError().OnStatus(201), flexapitest.RouteCreate),
		check:   "is created with an answer that matches openapi.yaml", second: cleanup,
		first: "may", ledger: []string{"D12", "D13", "D11", "D14", "D1", "D3", "D10"}, keysLeft: 2, report: "the key may exist"}),
	// The double revokes the key, then answers as broken: the run cannot
	// know the key is gone, so it names both keys.
	Entry("a revoke answered 500", fault{
		breakIt: onRoutes(flexapitest.InternalError().OnStatus(200, 204), flexapitest.RouteRevoke),
		check:   "is gone from the listing once revoked", second: cleanup,
		first: "did not succeed", ledger: []string{"D11", "D14"}, report: "the revoke call did not succeed"}),
	Entry("a revoke answered 200 with success false", fault{
		breakIt: onRoutes(flexapitest.JSONBody(200, map[string]any{
			"status": "FAILED", "success": false, "result": nil, "errors": []string{"not revoked"}}).OnStatus(200, 204), flexapitest.RouteRevoke),
		check: "is gone from the listing once revoked", second: cleanup,
		first: "did not succeed", ledger: []string{"D11", "D14"}, report: "the revoke call did not succeed"}),
	Entry("a revoke ignored", fault{
		opts:  []flexapitest.Option{flexapitest.WithRevokeIgnored()},
		check: "is gone from the listing once revoked", second: cleanup,
		first: "still listed", ledger: []string{"D11", "D14"}, keysLeft: 2,
		report: "the revoke call answered success, but the key is still listed"}),

	// A target that cannot be checked at all is one failure: the target's.
	Entry("an HTML 500 listing", fault{
		breakIt: onRoutes(flexapitest.GatewayPage(500), flexapitest.RouteList),
		check:   "The target", first: "the listing answered 500 text/html"}),
	Entry("an undocumented 503 listing", fault{
		breakIt: onRoutes(flexapitest.Status(503, "unavailable "+canaryBreak), flexapitest.RouteList),
		check:   "The target", first: "the listing answered 503"}),
)
