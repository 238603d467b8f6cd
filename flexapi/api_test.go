package flexapi_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/internal/exportcheck"
)

// handWrittenBudget caps the package's hand-written non-test lines: the
// generated code does the spec's work, and every line here serves a user.
const handWrittenBudget = 2798

func TestHandWrittenLinesStayInBudget(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	lines := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, ".gen.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines += strings.Count(string(b), "\n")
	}
	if lines > handWrittenBudget {
		t.Errorf("flexapi has %d hand-written lines, over its budget of %d: delete before adding", lines, handWrittenBudget)
	}
}

// TestEveryExportedNameIsUsed: go doc lists no name that nothing outside
// the package's own code uses (a caller, an example, a test of behaviour).
// A constant counts as used when one of its group is: an enum is one name.
func TestEveryExportedNameIsUsed(t *testing.T) {
	unused, err := exportcheck.Unused(".", "..", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range unused {
		t.Errorf("go doc lists %s, which nothing outside the package uses: unexport or remove it", name)
	}
}
