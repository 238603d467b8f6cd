package contract

import (
	"fmt"
	"testing"
)

// A per-key failure says each problem once, with how many keys have it
// and the first three of them: a listing of many keys still makes a
// first line, and an issue title, a person can read.
func TestAPerKeyFailureNamesTheFirstKeysAndCountsTheRest(t *testing.T) {
	var keys []map[string]any
	for i := range 6 {
		k := map[string]any{"last_used": nil}
		if i%3 == 2 {
			k["name"] = 42
		}
		keys = append(keys, k)
	}
	missingName := func(k map[string]any) string {
		if _, ok := k["name"].(string); !ok {
			return "name is missing or not a string"
		}
		return ""
	}
	noLastUsed := func(k map[string]any) string {
		if _, ok := k["last_used"]; !ok {
			return "last_used is absent"
		}
		return ""
	}
	for _, tc := range []struct {
		check keyCheck
		want  string
	}{
		{missingName, "name is missing or not a string in 6 of 6 listed keys (/keys/0, /keys/1, /keys/2 and 3 more)"},
		{noLastUsed, ""},
		{func(k map[string]any) string { return fmt.Sprint(k["name"] != nil) }, "the listed keys break the page's promise:\n" +
			"  false in 4 of 6 listed keys (/keys/0, /keys/1, /keys/3 and 1 more)\n" +
			"  true in 2 of 6 listed keys (/keys/2, /keys/5)"},
	} {
		if got := keyProblems(keys, tc.check); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
