package apikeys_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// docPages are the Markdown pages a reader follows from the front page.
func docPages(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"README.md", "CHANGELOG.md"}, pages...)
}

// numbers returns the numbers the pattern's first group captures in text,
// in order.
func numbers(t *testing.T, pattern *regexp.Regexp, text string) []int {
	t.Helper()
	var got []int
	for _, m := range pattern.FindAllStringSubmatch(text, -1) {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	return got
}

// TestDiscrepanciesAgree holds the spec's own list of the documentation's
// discrepancies and both tables of docs/discrepancies.md to the same places,
// numbered 1 to n: a discrepancy added to one and not the others fails here.
func TestDiscrepanciesAgree(t *testing.T) {
	doc, err := spec.Doc()
	if err != nil {
		t.Fatal(err)
	}
	// The spec lists them in its x-discrepancies extension, ids D1 to Dn.
	raw, err := json.Marshal(doc.Extensions["x-discrepancies"])
	if err != nil {
		t.Fatal(err)
	}
	var listed []struct{ ID string }
	if err := json.Unmarshal(raw, &listed); err != nil || len(listed) == 0 {
		t.Fatalf("openapi.yaml's x-discrepancies lists no discrepancy (%v)", err)
	}
	var inSpec []int
	for i, d := range listed {
		if d.ID != fmt.Sprintf("D%d", i+1) {
			t.Fatalf("x-discrepancies entry %d has the id %q, want D%d", i+1, d.ID, i+1)
		}
		inSpec = append(inSpec, i+1)
	}

	page, err := os.ReadFile("docs/discrepancies.md")
	if err != nil {
		t.Fatal(err)
	}
	tables := strings.Split(string(page), "\n## ")[1:]
	if len(tables) != 2 {
		t.Fatalf("docs/discrepancies.md has %d sections, want 2 (how the spec resolves them, what they mean for a client)", len(tables))
	}
	row := regexp.MustCompile(`(?m)^\| (\d+) \|`)
	for _, section := range tables {
		title, _, _ := strings.Cut(section, "\n")
		if got := numbers(t, row, section); !slices.Equal(got, inSpec) {
			t.Errorf("docs/discrepancies.md %q numbers its rows %v; x-discrepancies lists %v", title, got, inSpec)
		}
	}
}

// TestDocLinksResolve fails on a relative link in the README or a docs page
// to a file that does not exist, so that moving a page cannot strand a link.
func TestDocLinksResolve(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)\s]*)?\)`)
	for _, page := range docPages(t) {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(text), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(page), target)); err != nil {
				t.Errorf("%s links to %s, which does not exist", page, target)
			}
		}
	}
}

// shBlock returns the first ```sh block of page after the line heading.
func shBlock(t *testing.T, page, heading string) string {
	t.Helper()
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no heading %q", page, heading)
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	if !ok {
		t.Fatalf("%s has no sh block after %q", page, heading)
	}
	block, _, _ = strings.Cut(block, "```")
	return block
}

// TestOtherTeamsClientCommandsRun runs the commands docs/other-teams.md
// gives another team for generating the TypeScript client and running it
// against the double, as written, in a temporary directory instead of
// /tmp/flexfactor.
func TestOtherTeamsClientCommandsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs openapi-typescript, tsc and node")
	}
	t.Parallel()
	block := shBlock(t, "docs/other-teams.md", "## Generating a client and running it against the double")
	if !strings.Contains(block, "/tmp/flexfactor") || !strings.Contains(block, "node --test") {
		t.Fatalf("the block no longer works in /tmp/flexfactor or runs no tests:\n%s", block)
	}
	script := strings.ReplaceAll(block, "/tmp/flexfactor", t.TempDir())
	passed, out := runCommand(t, ".", nil, "bash", "-euo", "pipefail", "-c", script)
	if !passed {
		t.Fatalf("the documented commands failed:\n%s", out)
	}
	if !strings.Contains(out, "# fail 0") {
		t.Errorf("node --test did not report its tests:\n%s", out)
	}
}

// TestRepositoryMapNamesEveryDirectory fails when a top-level directory or
// a program under cmd/ is missing from the README's map of the repository.
func TestRepositoryMapNamesEveryDirectory(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, mapText, _ := strings.Cut(string(readme), "## The repository")
	mapText, _, _ = strings.Cut(mapText, "\n## ")
	out, err := exec.Command("git", "ls-files").Output()
	if err != nil {
		t.Skipf("git ls-files: %v", err)
	}
	dirs := map[string]bool{}
	for _, f := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(f, "/")
		switch {
		case len(parts) > 2 && parts[0] == "cmd":
			dirs["cmd/"+parts[1]+"/"] = true
		case len(parts) > 1 && parts[0] != "cmd":
			dirs[parts[0]+"/"] = true
		}
	}
	for d := range dirs {
		if !strings.Contains(mapText, "`"+d) {
			t.Errorf("the README's map of the repository does not name %s", d)
		}
	}
}

// TestReadmeExampleIsTheExample holds the README's Go example to the body of
// flexapi's Example, which `go test` compiles, runs and checks against its
// Output comment: the README shows that code, minus the test server it
// starts, word for word.
func TestReadmeExampleIsTheExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```go\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README shows no Go example")
	}
	shown := strings.TrimSpace(string(m[1]))
	src, err := os.ReadFile("flexapi/example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(src), "\nfunc Example() {\n")
	if !ok {
		t.Fatal("flexapi/example_test.go has no func Example()")
	}
	body, _, _ = strings.Cut(body, "\n}\n")
	body = regexp.MustCompile(`(?m)^\t`).ReplaceAllString(body, "")
	if shown == "" || !strings.Contains(body, shown) {
		t.Errorf("the README's Go example is not the code of flexapi's Example:\nREADME:\n%s\n\nExample:\n%s", shown, body)
	}
}

// TestOneVersion holds the spec's info.version, the newest release
// CHANGELOG.md dates, the release docs/other-teams.md tells teams to pin and
// the X-Spec-Version the double answers with to one version (flexapi's
// TestVersionIsTheSpecs holds the client's Version to the spec's).
func TestOneVersion(t *testing.T) {
	want := spec.Version()
	srv := flexapitest.NewServer()
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api-keys/mid_123456")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if got := resp.Header.Get(flexapitest.SpecVersionHeader); got != want {
		t.Errorf("the double's %s is %q, openapi.yaml's info.version %q", flexapitest.SpecVersionHeader, got, want)
	}
	for _, c := range []struct{ file, what, pattern string }{
		{"CHANGELOG.md", "newest dated release heading", `(?m)^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$`},
		{"docs/other-teams.md", "pin", `\*\*pin (\d+\.\d+\.\d+)\*\*`},
	} {
		text, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		got := "missing"
		if m := regexp.MustCompile(c.pattern).FindSubmatch(text); m != nil {
			got = string(m[1])
		}
		if got != want {
			t.Errorf("%s's %s is %s, openapi.yaml's info.version %s: give them one version", c.file, c.what, got, want)
		}
	}
}
