package flexapitest_test

import (
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/internal/exportcheck"
)

// The package exports what tests outside it and cmd/flexfactor-mock use,
// and no more: names its own tests alone use go in export_test.go.
func TestEveryExportHasAUserOutsideThePackage(t *testing.T) {
	unused, err := exportcheck.Unused(".", "../..", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range unused {
		t.Errorf("flexapitest exports %s, which nothing outside the package uses: unexport it, or export it in export_test.go", name)
	}
}
