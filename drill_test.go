package apikeys_test

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/flexcontract/flexfactor-apikeys/internal/drill"
)

// TestSpecDrill proves that a change to openapi.yaml reaches the client, the
// double and the suite through go generate alone. It copies the module to a
// temporary directory, and for each change below edits the copy's
// openapi.yaml, runs go generate ./..., and runs internal/drill's checks in
// the copy with the change's field names. The client and the suite must
// follow every change with no other edit. The double must follow an added
// optional field; a change it does not implement must make it say so, as
// issue 18 asks of it: it no longer builds, or one of its own tests fails
// naming the field. A key type added to the enums must reach the client's
// create check, the suite's type tables and wire check, and the double.
// An optional field added to the create call's answer must reach the key
// CreateAPIKey returns, and one added to its request must be settable on
// flexapi.NewAPIKey and sent. See docs/client.md, "The spec drill".
func TestSpecDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("the drill regenerates and rebuilds a copy of the module")
	}
	dir := copyModule(t)
	spec, err := os.ReadFile(filepath.Join(dir, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct {
		name  string
		edits []specEdit
		// env names the change's fields to internal/drill's checks
		// (DRILL_ADDED_OPTIONAL=description, ...); field is the one the
		// double's own tests must name when it cannot serve it.
		env   []string
		field string
		// mayNotBuild: the double may say it cannot by not building.
		mayNotBuild bool
	}{
		{"an added optional field: APIKey.description",
			[]specEdit{addProperty("APIKey", "description", 0)},
			[]string{"DRILL_ADDED_OPTIONAL=description"}, "description", false},
		// fillExamples first: it reads the required list before the change.
		{"a newly required field: APIKey.region",
			[]specEdit{fillExamples("APIKey", "region", "eu-west"), addProperty("APIKey", "region", 1), require("APIKey", "region", true)},
			[]string{"DRILL_ADDED_REQUIRED=region"}, "region", true},
		{"a field no longer required: APIKey.last_four",
			[]specEdit{require("APIKey", "last_four", false)},
			[]string{"DRILL_NO_LONGER_REQUIRED=last_four"}, "last_four", true},
		{"an added key type: restricted",
			[]specEdit{addEnumValue("APIKeyType", "restricted"), addEnumValue("NewAPIKeyType", "restricted")},
			[]string{"DRILL_ADDED_TYPE=restricted"}, "restricted", false},
		{"added optional fields of the create call: CreatedAPIKey.label, CreateAPIKeyRequest.note",
			[]specEdit{addProperty("CreatedAPIKey", "label", 0), addProperty("CreateAPIKeyRequest", "note", 0)},
			[]string{"DRILL_CREATED_OPTIONAL=label", "DRILL_REQUEST_OPTIONAL=note"}, "label", false},
	} {
		t.Run(d.name, func(t *testing.T) {
			changed, err := editSpec(spec, d.edits...)
			if err != nil {
				t.Fatalf("openapi.yaml cannot take the drill's change: %v", err)
			}
			if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), changed, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := goIn(t, dir, nil, "generate", "./..."); err != nil {
				t.Fatalf("go generate ./... in the changed copy: %v\n%s", err, tail(out))
			}
			env := d.env
			if out, err := goIn(t, dir, env, "test", "-count=1", "-v", "./internal/drill"); err != nil {
				t.Errorf("the client or the suite needs more than go generate:\n%s", failures(out))
			}
			out, err := goIn(t, dir, env, "test", "-count=1", "-v", "./internal/drill/double")
			switch {
			case err != nil && d.mayNotBuild && strings.Contains(out, "[build failed]") && strings.Contains(out, "\nflexapi/flexapitest/"):
				// The double's own code, not a package it imports.
				t.Logf("the double does not build after the change, which is how it says it cannot follow it:\n%s", failures(out))
			case err != nil:
				t.Errorf("the double needs more than go generate:\n%s", failures(out))
			case strings.Contains(out, drill.DoesNotServe):
				// Its own data lacks the new field: one of its tests must say so.
				out, err := goIn(t, dir, nil, "test", "-count=1", "./flexapi/flexapitest")
				if err == nil {
					t.Errorf("the double serves no %s, and none of its tests fails", d.field)
				} else if !strings.Contains(out, d.field) {
					t.Errorf("the double serves no %s, and its tests fail without naming it:\n%s", d.field, failures(out))
				}
			}
		})
	}
}

// copyModule copies the module to a temporary directory: the files git
// knows (tracked, and untracked but not ignored, so that node_modules and
// build output stay behind), or outside a git checkout every file but .git
// and node_modules.
func copyModule(t *testing.T) string {
	t.Helper()
	// DRILL_DIR keeps the copy where a person can look at it after a failure.
	dir := os.Getenv("DRILL_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	var names []string
	if out, err := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output(); err == nil {
		names = strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	} else {
		err := filepath.WalkDir(".", func(path string, e fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case e.IsDir() && (e.Name() == ".git" || e.Name() == "node_modules"):
				return filepath.SkipDir
			case e.Type().IsRegular():
				names = append(names, path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range names {
		if err := copyFile(name, filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) && !isDir(name) {
			t.Fatal(err) // a file deleted in the work tree, or a submodule, is passed over
		}
	}
	return dir
}

// copyFile copies the file src to dst, making dst's directory.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func isDir(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.IsDir()
}

// goIn runs the go command in dir with the caller's build and
// module caches, so that only what the change touches is rebuilt (see
// runCommand in breaking_test.go).
func goIn(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	env = append([]string{"GOFLAGS=-mod=readonly", "GOWORK=off", "GOTOOLCHAIN=local"}, env...)
	ok, out := runCommand(t, dir, env, "go", args...)
	if !ok {
		return out, fmt.Errorf("go %s failed", strings.Join(args, " "))
	}
	return out, nil
}

// failures keeps the lines of go test's output a person reads first: the
// failed checks and their messages, compile errors; at most 40 lines.
func failures(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		l := strings.TrimSpace(line)
		switch {
		case l == "", l == "PASS", strings.HasPrefix(l, "=== "), strings.HasPrefix(l, "--- PASS"),
			strings.HasPrefix(l, "--- SKIP"), strings.HasPrefix(l, "ok "), strings.HasSuffix(l, "not this drill"):
			continue
		}
		keep = append(keep, line)
	}
	return tail(strings.Join(keep, "\n"))
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 40 {
		lines = append([]string{fmt.Sprintf("(%d lines before)", len(lines)-40)}, lines[len(lines)-40:]...)
	}
	return strings.Join(lines, "\n")
}

// A specEdit changes the parsed openapi.yaml.
type specEdit func(doc *yaml.Node) error

// editSpec applies edits to openapi.yaml's text.
func editSpec(spec []byte, edits ...specEdit) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return nil, err
	}
	for _, e := range edits {
		if err := e(&doc); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// member is the value of key in the mapping n, or nil.
func member(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// schema is components.schemas.name.
func schema(doc *yaml.Node, name string) (*yaml.Node, error) {
	s := member(member(member(doc.Content[0], "components"), "schemas"), name)
	if s == nil {
		return nil, fmt.Errorf("openapi.yaml has no components.schemas.%s", name)
	}
	return s, nil
}

// addProperty adds a string property to a schema, with a minLength when
// minLength > 0.
func addProperty(schemaName, name string, minLength int) specEdit {
	return func(doc *yaml.Node) error {
		s, err := schema(doc, schemaName)
		if err != nil {
			return err
		}
		props := member(s, "properties")
		if props == nil || member(props, name) != nil {
			return fmt.Errorf("%s: no properties, or %s already in them", schemaName, name)
		}
		p := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			scalar("type"), scalar("string"), scalar("description"), scalar("Added by the spec drill.")}}
		if minLength > 0 {
			p.Content = append(p.Content, scalar("minLength"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(minLength)})
		}
		props.Content = append(props.Content, scalar(name), p)
		return nil
	}
}

// require adds name to a schema's required list, or takes it out.
func require(schemaName, name string, add bool) specEdit {
	return func(doc *yaml.Node) error {
		s, err := schema(doc, schemaName)
		if err != nil {
			return err
		}
		req := member(s, "required")
		if req == nil || req.Kind != yaml.SequenceNode {
			return fmt.Errorf("%s has no required list", schemaName)
		}
		for i, item := range req.Content {
			if item.Value == name {
				if add {
					return fmt.Errorf("%s already requires %s", schemaName, name)
				}
				req.Content = append(req.Content[:i], req.Content[i+1:]...)
				return nil
			}
		}
		if !add {
			return fmt.Errorf("%s does not require %s", schemaName, name)
		}
		req.Content = append(req.Content, scalar(name))
		return nil
	}
}

// addEnumValue adds v to the enum of a schema.
func addEnumValue(schemaName, v string) specEdit {
	return func(doc *yaml.Node) error {
		s, err := schema(doc, schemaName)
		if err != nil {
			return err
		}
		enum := member(s, "enum")
		if enum == nil || enum.Kind != yaml.SequenceNode {
			return fmt.Errorf("%s has no enum", schemaName)
		}
		enum.Content = append(enum.Content, scalar(v))
		return nil
	}
}

// fillExamples gives name the value v in every example object of a
// schema, found as the objects of the spec's example and examples that
// carry every member the schema requires before the change: a required
// field makes the old examples invalid, and the spec's own validation
// would refuse them.
func fillExamples(schemaName, name, v string) specEdit {
	return func(doc *yaml.Node) error {
		s, err := schema(doc, schemaName)
		if err != nil {
			return err
		}
		var like []string
		for _, item := range member(s, "required").Content {
			like = append(like, item.Value)
		}
		var walk func(n *yaml.Node, inExample bool)
		walk = func(n *yaml.Node, inExample bool) {
			if n.Kind == yaml.MappingNode && inExample && member(n, name) == nil {
				all := true
				for _, l := range like {
					all = all && member(n, l) != nil
				}
				if all {
					n.Content = append(n.Content, scalar(name), scalar(v))
				}
			}
			for i, c := range n.Content {
				key := n.Kind == yaml.MappingNode && i%2 == 1 && (n.Content[i-1].Value == "example" || n.Content[i-1].Value == "examples")
				walk(c, inExample || key)
			}
		}
		walk(doc, false)
		return nil
	}
}
