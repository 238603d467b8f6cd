package flexapitest_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The package exports what tests outside it and cmd/flexfactor-mock use,
// and no more: every exported name, function, type, constant, variable or
// method, is used by a file of the module outside the package (a method
// by a file that imports it). Names only the package's own tests use go
// in export_test.go.
func TestEveryExportHasAUserOutsideThePackage(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names, methods []string
	// returnedBy: a type a user holds as what a function returns is used
	// with it.
	returnedBy := map[string][]string{}
	for _, f := range pkgs["flexapitest"].Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil {
					recv := d.Recv.List[0].Type
					if star, ok := recv.(*ast.StarExpr); ok {
						recv = star.X
					}
					if ast.IsExported(recv.(*ast.Ident).Name) {
						methods = append(methods, d.Name.Name)
					}
				} else {
					names = append(names, d.Name.Name)
					if d.Type.Results == nil {
						continue
					}
					for _, r := range d.Type.Results.List {
						if star, ok := r.Type.(*ast.StarExpr); ok {
							r.Type = star.X
						}
						if id, ok := r.Type.(*ast.Ident); ok {
							returnedBy[id.Name] = append(returnedBy[id.Name], d.Name.Name)
						}
					}
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						names = append(names, s.Name.Name)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names = append(names, n.Name)
						}
					}
				}
			}
		}
	}
	// Every Go file of the module outside this package that imports it.
	var users strings.Builder
	root := filepath.Join("..", "..")
	self := filepath.Join(root, "flexapi", "flexapitest")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (path == self || d.Name() == "node_modules" || path != root && strings.HasPrefix(d.Name(), ".")):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go"):
			return nil
		}
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), `/flexapi/flexapitest"`) {
			users.Write(b)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	used := func(pattern string) bool { return regexp.MustCompile(pattern).MatchString(users.String()) }
	usedName := func(n string) bool { return used(`\bflexapitest\.` + n + `\b`) }
	for _, n := range names {
		if ast.IsExported(n) && !usedName(n) && !slices.ContainsFunc(returnedBy[n], usedName) {
			t.Errorf("flexapitest.%s has no user outside the package: unexport it, or export it in export_test.go", n)
		}
	}
	for _, m := range methods {
		// String and ServeHTTP are used as fmt.Stringer and http.Handler.
		if ast.IsExported(m) && m != "String" && m != "ServeHTTP" && !used(`\.`+m+`\b`) {
			t.Errorf("the method %s has no user outside the package: unexport it, or export it in export_test.go", m)
		}
	}
}
