package apikeys_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runCheckGenerated runs .ci/check-generated (what `make check-generated`
// runs) with the given environment and reports whether it passed.
func runCheckGenerated(t *testing.T, env ...string) (bool, string) {
	t.Helper()
	cmd := exec.Command("bash", ".ci/check-generated")
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run check-generated: %v", err)
	}
	return err == nil, out.String()
}

// TestCheckGeneratedCatchesDrift proves the drift gate can fail: a hand edit
// of the generated file, and a spec change without regeneration, each fail it.
func TestCheckGeneratedCatchesDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the code generator")
	}
	if ok, out := runCheckGenerated(t); !ok {
		t.Fatalf("committed generated code is stale:\n%s", out)
	}

	dir := t.TempDir()
	gen, err := os.ReadFile("flexapi/oapi/oapi.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	edited := filepath.Join(dir, "edited.gen.go")
	handEdit := bytes.Replace(gen, []byte(`json:"last_four"`), []byte(`json:"lastFour"`), 1)
	if bytes.Equal(handEdit, gen) {
		t.Fatal("the hand edit changed nothing")
	}
	if err := os.WriteFile(edited, handEdit, 0o600); err != nil {
		t.Fatal(err)
	}
	if ok, out := runCheckGenerated(t, "GEN="+edited); ok {
		t.Errorf("a hand-edited generated file passed:\n%s", out)
	}

	spec, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(dir, "changed.yaml")
	newSpec := strings.Replace(string(spec), "        - tokenization\n", "        - tokenization\n        - restricted\n", 1)
	if newSpec == string(spec) {
		t.Fatal("the spec change changed nothing")
	}
	if err := os.WriteFile(changed, []byte(newSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	if ok, out := runCheckGenerated(t, "SPEC="+changed); ok {
		t.Errorf("a spec change without regeneration passed:\n%s", out)
	}
}
