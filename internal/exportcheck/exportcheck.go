// Package exportcheck finds the exported names of a package that nothing
// outside it uses, for the tests that keep flexapi's and flexapitest's APIs
// as small as their users need.
//
// A name counts as used when a Go file of the module (under root, outside
// the package's own non-test files) writes pkg.Name; a constant when one
// of its group is (an enum is one name); a type also when a used function
// returns it; a method of an exported type when a file that imports the
// package calls .Name, or when it is one of the standard interfaces'
// methods (String, Error, ServeHTTP...), which callers reach through the
// interface.
package exportcheck

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
)

// interfaceMethods are reached through an interface, not by name.
var interfaceMethods = []string{"String", "Error", "Unwrap", "Is", "As", "ServeHTTP", "RoundTrip", "LogValue", "Format", "MarshalJSON", "UnmarshalJSON"}

// Unused returns the exported names of the package in dir that nothing
// under root uses: "Name", or "a, b" for a constant group, or "T.Method".
// With ownTests the package's own test files count as users; without,
// names its tests alone use belong in its export_test.go.
func Unused(dir, root string, ownTests bool) ([]string, error) {
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		return nil, err
	}
	var pkg *ast.Package
	for _, p := range pkgs {
		pkg = p
	}
	if pkg == nil {
		return nil, os.ErrNotExist
	}
	var groups [][]string
	var methods []string // "T.Method"
	returnedBy := map[string][]string{}
	for _, f := range pkg.Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil {
					if recv := typeName(d.Recv.List[0].Type); ast.IsExported(recv) && d.Name.IsExported() {
						methods = append(methods, recv+"."+d.Name.Name)
					}
					continue
				}
				if !d.Name.IsExported() {
					continue
				}
				groups = append(groups, []string{d.Name.Name})
				if d.Type.Results != nil {
					for _, r := range d.Type.Results.List {
						t := typeName(r.Type)
						returnedBy[t] = append(returnedBy[t], d.Name.Name)
					}
				}
			case *ast.GenDecl:
				var consts []string
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							groups = append(groups, []string{s.Name.Name})
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							switch {
							case !n.IsExported():
							case d.Tok == token.CONST:
								consts = append(consts, n.Name)
							default:
								groups = append(groups, []string{n.Name})
							}
						}
					}
				}
				if len(consts) > 0 {
					groups = append(groups, consts)
				}
			}
		}
	}

	// Every Go file under root that imports the package, and its own test
	// files with ownTests.
	self, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	importPath := `/` + filepath.Base(self) + `"`
	var users strings.Builder
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "node_modules" || path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		abs, err := filepath.Abs(path)
		own := filepath.Dir(abs) == self
		if err != nil || !strings.HasSuffix(path, ".go") || own && (!ownTests || !strings.HasSuffix(path, "_test.go")) {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && (own || strings.Contains(string(b), importPath)) {
			users.Write(b)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	text := users.String()
	used := func(pattern string) bool { return regexp.MustCompile(pattern).MatchString(text) }
	usedName := func(n string) bool { return used(`\b` + pkg.Name + `\.` + n + `\b`) }
	var unused []string
	for _, group := range groups {
		if !slices.ContainsFunc(group, usedName) && !slices.ContainsFunc(returnedBy[group[0]], usedName) {
			unused = append(unused, strings.Join(group, ", "))
		}
	}
	for _, m := range methods {
		_, name, _ := strings.Cut(m, ".")
		if !slices.Contains(interfaceMethods, name) && !used(`\.`+name+`\b`) {
			unused = append(unused, m)
		}
	}
	slices.Sort(unused)
	return unused, nil
}

// typeName is the name of a named type or a pointer to one, else "".
func typeName(e ast.Expr) string {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
