package flexapi_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// handWrittenBudget caps the package's hand-written non-test lines: the
// generated code does the spec's work, and every line here serves a user.
const handWrittenBudget = 2790

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
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var groups [][]string
	for _, f := range pkgs["flexapi"].Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					groups = append(groups, []string{d.Name.Name})
				}
			case *ast.GenDecl:
				var group []string
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							groups = append(groups, []string{s.Name.Name})
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if !n.IsExported() {
								continue
							}
							if d.Tok == token.CONST {
								group = append(group, n.Name)
							} else {
								groups = append(groups, []string{n.Name})
							}
						}
					}
				}
				if len(group) > 0 {
					groups = append(groups, group)
				}
			}
		}
	}
	var users strings.Builder
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if d != nil && d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") && path != "..") {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		b, err := os.ReadFile(path)
		users.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	text := users.String()
	for _, group := range groups {
		used := false
		for _, name := range group {
			used = used || regexp.MustCompile(`\bflexapi\.`+name+`\b`).MatchString(text)
		}
		if !used {
			t.Errorf("go doc lists %s, which nothing outside the package uses: unexport or remove it", strings.Join(group, ", "))
		}
	}
}
