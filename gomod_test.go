package apikeys_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// maxServiceRequirements bounds the go.mod of a service that imports
// flexapi: the modules its build uses (13 today, each `// indirect` but
// this one), with room for two more, and far below the 50-odd a service
// got when flexapi imported the module's root, whose tools.go pins the
// tools (go mod tidy reads every build tag).
const maxServiceRequirements = 15

// TestAServiceGoModNamesNoTool builds, in a temporary directory, the
// module of a service that imports flexapi (a replace to this checkout),
// runs go mod tidy offline from the module cache, and holds its go.mod to
// the modules a service's build needs: no tool of this repository, no test
// library. The README says how a service adds the module.
//
// Offline, tidy needs the go.mod file of every module in the graph, which
// the build alone does not fetch: make test fetches them first (go list -m
// all). It runs with -e, because it also reads the tests of the service's
// dependencies, whose own test libraries nothing here downloads; the
// offline go build after it proves the service builds.
func TestAServiceGoModNamesNoTool(t *testing.T) {
	if testing.Short() {
		t.Skip("go mod tidy and go build of a service module")
	}
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	var ours struct{ Go string }
	if out, err := goIn(t, root, nil, "mod", "edit", "-json"); err != nil || json.Unmarshal([]byte(out), &ours) != nil {
		t.Fatalf("go mod edit -json: %v\n%s", err, tail(out))
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/service\n\ngo " + ours.Go + "\n\nrequire github.com/flexcontract/flexfactor-apikeys v0.0.0\n\n" +
			"replace github.com/flexcontract/flexfactor-apikeys => " + root + "\n",
		"main.go": "package main\n\nimport \"github.com/flexcontract/flexfactor-apikeys/flexapi\"\n\n" +
			"func main() { _, _ = flexapi.New(flexapi.WithToken(\"a token\")) }\n",
	}
	// The checksums of the modules the build may use; tidy drops the rest.
	sums, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = string(sums)
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	offline := []string{"GOPROXY=off", "GOFLAGS=-mod=mod"}
	for _, args := range [][]string{{"mod", "tidy", "-e"}, {"build", "-o", os.DevNull, "."}} {
		if out, err := goIn(t, dir, offline, args...); err != nil {
			t.Fatalf("%v in the service module (offline: go list -m all in this module fetches what it needs):\n%s", err, tail(out))
		}
	}
	out, err := goIn(t, dir, nil, "mod", "edit", "-json")
	if err != nil {
		t.Fatalf("%v:\n%s", err, tail(out))
	}
	var mod struct{ Require []struct{ Path string } }
	if err := json.Unmarshal([]byte(out), &mod); err != nil {
		t.Fatal(err)
	}
	// A requirement the build does not use is a tool or a test library
	// that reached the service: even one is too many.
	built, err := goIn(t, dir, offline, "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", ".")
	if err != nil {
		t.Fatalf("%v:\n%s", err, tail(built))
	}
	for _, r := range mod.Require {
		if !slices.Contains(strings.Fields(built), r.Path) {
			t.Errorf("a service importing flexapi requires %s, which its build does not use", r.Path)
		}
	}
	if len(mod.Require) > maxServiceRequirements {
		var paths []string
		for _, r := range mod.Require {
			paths = append(paths, r.Path)
		}
		t.Errorf("a service importing flexapi requires %d modules, want at most %d:\n%s",
			len(paths), maxServiceRequirements, strings.Join(paths, "\n"))
	}
}
