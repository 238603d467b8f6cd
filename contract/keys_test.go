package contract

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	. "github.com/onsi/ginkgo/v2"
)

// rfc3339 is RFC 3339's date-time production (section 5.6): Go's
// time.Parse alone accepts a few strings RFC 3339 does not.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$`)

func isRFC3339(v any) bool {
	s, ok := v.(string)
	if !ok || !rfc3339.MatchString(s) {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// keyCheck returns the problem of one raw key object, or "".
type keyCheck func(key map[string]any) string

// keyProblems is the failure of a per-key check, or "": each problem
// once, in the first line when there is only one, with how many keys have
// it and the first three of them.
func keyProblems(keys []map[string]any, check keyCheck) string {
	var problems []string
	where := map[string][]string{}
	for i, k := range keys {
		if p := check(k); p != "" {
			if where[p] == nil {
				problems = append(problems, p)
			}
			where[p] = append(where[p], fmt.Sprintf("/keys/%d", i))
		}
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		w := where[p]
		shown := strings.Join(w[:min(len(w), 3)], ", ")
		if len(w) > 3 {
			shown += fmt.Sprintf(" and %d more", len(w)-3)
		}
		lines[i] = fmt.Sprintf("%s in %d of %d listed keys (%s)", p, len(w), len(keys), shown)
	}
	if len(lines) > 1 {
		return "the listed keys break the page's promise:\n  " + strings.Join(lines, "\n  ")
	}
	return strings.Join(lines, "")
}

var _ = Describe("Each listed key", Label("live"), func() {
	DescribeTable("keeps the page's promise about its fields",
		func(ctx SpecContext, check keyCheck) {
			if msg := keyProblems(listedKeys(ctx), check); msg != "" {
				fail(msg)
			}
		},
		Entry("created_at is an RFC 3339 date-time", Label("D7"), keyCheck(func(k map[string]any) string {
			if !isRFC3339(k["created_at"]) {
				return "created_at is missing or not an RFC 3339 date-time"
			}
			return ""
		})),
		Entry("last_used is never absent, and is null or an RFC 3339 date-time", Label("D3"), keyCheck(func(k map[string]any) string {
			v, present := k["last_used"]
			switch {
			case !present:
				return "last_used is absent"
			case v != nil && !isRFC3339(v):
				return "last_used is neither null nor an RFC 3339 date-time"
			}
			return ""
		})),
		Entry("last_four is exactly four characters", Label("D10"), keyCheck(func(k map[string]any) string {
			s, ok := k["last_four"].(string)
			if !ok || utf8.RuneCountInString(s) != 4 {
				return "last_four is missing or not four characters"
			}
			return ""
		})),
		Entry("type is a value openapi.yaml declares", Label("D1"), keyCheck(func(k map[string]any) string {
			t, _ := k["type"].(string)
			if !slices.Contains(run.Validator.enumValues("APIKeyType"), t) {
				return "type is not one of " + strings.Join(run.Validator.enumValues("APIKeyType"), ", ")
			}
			return ""
		})),
		Entry("name is a string", Label("D15"), keyCheck(func(k map[string]any) string {
			if _, ok := k["name"].(string); !ok {
				return "name is missing or not a string"
			}
			return ""
		})),
	)

	It("decodes a null last_used to nil in the generated client", Label("D3"), func(ctx SpecContext) {
		ex, keys := perKeyListing(ctx)
		nulls := 0
		for _, k := range keys {
			if v, ok := k["last_used"]; ok && v == nil {
				nulls++
			}
		}
		if nulls == 0 {
			Skip("no key with a null last_used was listed: the null case was not observed")
		}
		if len(run.Check(ex)) > 0 {
			notJudged("the listing", listingCheck)
		}
		var lost []Failure
		for _, f := range DecodingLosses(ex) {
			if strings.HasSuffix(f.Pointer, "/last_used") {
				lost = append(lost, f)
			}
		}
		expectNoFailures(lost, "decoding lost")
	})

	// The page's Key Security note: "the full key value for secret keys is
	// not returned". KeySecurityProblems documents exactly what is checked.
	It("carries no full key value (the page's Key Security note)", Label("security"), func(ctx SpecContext) {
		keys := listedKeys(ctx)
		expectNoFailures(keySecurityProblems(keys), "key values may be exposed")
	})

	// The page says "use last_four and name to identify keys" but does not
	// promise the server keeps the pair unique: a shared pair is reported,
	// and fails only under FLEXFACTOR_STRICT_DOCS=1.
	It("can be told apart by name and last_four", Label("strict"), func(ctx SpecContext) {
		listedKeys(ctx)
		dup := run.Observer.Snapshot().DuplicatePairs
		entry("(name, last_four) pairs shared by several keys", dup)
		if !cfg.Strict {
			recorded(fmt.Sprintf("%d (name, last_four) pairs shared by several keys", dup))
			return
		}
		if dup > 0 {
			fail(fmt.Sprintf("%d (name, last_four) pairs are shared by several keys: under strict docs every pair must identify one key", dup))
		}
	})
})
