package report

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// ansiEscape matches a terminal colour code.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// WriteJUnit writes r as JUnit XML to path, the way Ginkgo's
// --junit-report would, with three differences: the whole file goes
// through red, check names separate their parts with NameSeparator, and no
// colour code survives. The suite asks Ginkgo for no JUnit report of its
// own and writes this one instead.
func WriteJUnit(path string, r types.Report, red Redactor) error {
	r.SpecReports = slices.Clone(r.SpecReports)
	for i, s := range r.SpecReports {
		containers := slices.Clone(s.ContainerHierarchyTexts)
		for j := 1; j < len(containers); j++ {
			containers[j] = trimSep(NameSeparator) + " " + containers[j]
		}
		if len(containers) > 0 && s.LeafNodeText != "" {
			s.LeafNodeText = trimSep(NameSeparator) + " " + s.LeafNodeText
		}
		if s.LeafNodeType == types.NodeTypeCleanupAfterSuite && s.LeafNodeText == "" {
			s.LeafNodeText = CheckName(s) // as the report names it
		}
		s.ContainerHierarchyTexts = containers
		r.SpecReports[i] = s
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("contract: junit report: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".junit-*.xml")
	if err != nil {
		return fmt.Errorf("contract: junit report: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := reporters.GenerateJUnitReport(r, tmp.Name()); err != nil {
		return fmt.Errorf("contract: junit report: %w", err)
	}
	raw, err := os.ReadFile(tmp.Name())
	if err != nil {
		return fmt.Errorf("contract: junit report: %w", err)
	}
	clean := red.Redact(ansiEscape.ReplaceAllString(string(raw), ""))
	if err := os.WriteFile(path, []byte(clean), 0o644); err != nil {
		return fmt.Errorf("contract: junit report: %w", err)
	}
	return nil
}

func trimSep(s string) string { return s[1 : len(s)-1] }
