package contract

import (
	"os"
	"strings"
	"testing"
)

// TestTheBootstrapIsShort holds the suite's bootstrap to its job: it reads
// the configuration and runs the specs, under 100 lines, and rewrites no
// flag (Ginkgo's and go test's mean what they say).
func TestTheBootstrapIsShort(t *testing.T) {
	b, err := os.ReadFile("contract_suite_test.go")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n >= 100 {
		t.Errorf("contract_suite_test.go has %d lines, not under 100", n)
	}
	for _, rewrite := range []string{".Value.Set(", "flag.Set("} {
		if strings.Contains(string(b), rewrite) {
			t.Errorf("contract_suite_test.go rewrites a flag (%s)", rewrite)
		}
	}
}
