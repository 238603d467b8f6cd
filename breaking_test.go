package apikeys_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The breaking-change gate is `make breaking` (.ci/breaking, oasdiff). These
// tests run that very command on modified copies of openapi.yaml and check
// that it fails exactly when a client of the released spec would break.

// edit is one change to openapi.yaml: old must occur exactly once.
type edit struct{ old, new string }

// lastFour is the APIKey property the removal cases take out.
const lastFour = `        last_four:
          type: string
          description: The last four characters of the key, to identify it.
          minLength: 4
          maxLength: 4
          example: 7dc0
`

// editedSpec writes openapi.yaml with the edits applied into dir and returns
// its path.
func editedSpec(t *testing.T, dir string, edits ...edit) string {
	t.Helper()
	spec, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(spec)
	for _, e := range edits {
		if n := strings.Count(s, e.old); n != 1 {
			t.Fatalf("the edit's old text occurs %d times in openapi.yaml, want 1:\n%s", n, e.old)
		}
		s = strings.Replace(s, e.old, e.new, 1)
	}
	path := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// toVersion is the edit that sets openapi.yaml's info.version to v, from
// whatever version it has, so that a release needs no edit here.
func toVersion(t *testing.T, v string) edit {
	t.Helper()
	spec, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^  version: .*\n`).Find(spec)
	if line == nil {
		t.Fatal("openapi.yaml has no info.version line")
	}
	return edit{string(line), "  version: " + v + "\n"}
}

// runMake runs `make TARGET` in dir with env added and reports whether it
// passed, with its combined output.
func runMake(t *testing.T, dir, target string, env ...string) (bool, string) {
	t.Helper()
	return runCommand(t, dir, env, "make", "--no-print-directory", target)
}

// runCommand runs name with args in dir, with env added, and reports whether
// it passed, with its combined output. It fails the test when the command
// cannot start or outlives its time.
func runCommand(t *testing.T, dir string, env []string, name string, args ...string) (bool, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && (!ok || ctx.Err() != nil) {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out.String())
	}
	return err == nil, out.String()
}

func TestBreakingGate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs oasdiff")
	}
	cases := []struct {
		name  string
		edits []edit
		pass  bool
		// report is text the gate's report must hold.
		report string
	}{
		{
			name:   "the spec unchanged passes",
			pass:   true,
			report: "breaking: ok",
		},
		{
			name: "adding an optional response field passes",
			edits: []edit{{lastFour, `        scopes:
          type: array
          description: What the key may do.
          items:
            type: string
` + lastFour}},
			pass:   true,
			report: "breaking: ok",
		},
		{
			name: "removing a required response field fails",
			edits: []edit{
				{lastFour, ""},
				{"        - last_used\n        - last_four\n", "        - last_used\n"},
			},
			report: "response-required-property-removed",
		},
		{
			// A generated client loses the field its code names (the created
			// key's scopes), though oasdiff rates the removal INFO.
			name: "removing an optional response field fails",
			edits: []edit{{`        scopes:
          type: array
          description: What the key may do.
          items:
            type: string
`, ""}},
			report: "response-optional-property-removed",
		},
		{
			name:   "narrowing the key type enum fails",
			edits:  []edit{{"        - publishable\n        - tokenization\n", "        - publishable\n"}},
			report: "response-property-enum-value-removed",
		},
		{
			name: "a new required request field fails",
			edits: []edit{
				{"        - AppKey\n        - AppSecret\n", "        - AppKey\n        - AppSecret\n        - Scope\n"},
				{"        AppSecret:\n          type: string\n", "        Scope:\n          type: string\n        AppSecret:\n          type: string\n"},
			},
			report: "new-required-request-property",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := editedSpec(t, t.TempDir(), tc.edits...)
			// BASE is the working copy's spec, so each case measures its own
			// edit, whatever the released baseline is.
			// No acceptances: those of .ci/breaking-accepted are for the
			// working copy's own changes against the release.
			passed, out := runMake(t, ".", "breaking", "SPEC="+spec, "BASE=openapi.yaml", "ACCEPTED=/dev/null")
			if passed != tc.pass {
				t.Fatalf("make breaking passed = %v, want %v:\n%s", passed, tc.pass, out)
			}
			if !strings.Contains(out, tc.report) {
				t.Errorf("the report lacks %q:\n%s", tc.report, out)
			}
		})
	}
}

// TestBreakingGateComparesWithTheLatestTag shows where the gate takes the
// released spec from: in a repository with a tag, the tag's openapi.yaml wins
// over the committed baseline. The baseline here would let the change pass;
// the tag must make it fail.
func TestBreakingGateComparesWithTheLatestTag(t *testing.T) {
	if testing.Short() {
		t.Skip("runs oasdiff")
	}
	repo := t.TempDir()
	for _, f := range []string{"Makefile", "go.mod", "go.sum", "openapi.yaml", ".ci/breaking", ".ci/versions"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(repo, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=gate test", "-c", "user.email=gate@example.invalid", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "released spec")
	git("tag", "v0.1.0")

	// The working copy drops a required response field; the committed
	// baseline already lacks it, so only a comparison with the tag sees it.
	changed := editedSpec(t, t.TempDir(),
		edit{lastFour, ""},
		edit{"        - last_used\n        - last_four\n", "        - last_used\n"})
	data, err := os.ReadFile(changed)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"openapi.yaml", ".ci/released/openapi.yaml"} {
		dst := filepath.Join(repo, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	passed, out := runMake(t, repo, "breaking", "SPEC=", "BASE=")
	if passed {
		t.Fatalf("make breaking passed against the tag:\n%s", out)
	}
	for _, want := range []string{"at tag v0.1.0", "response-required-property-removed"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
}

// TestBreakingGateDemandsARecordedAcceptance shows that a breaking change
// passes the gate only through an acceptance recorded for the spec's version
// with a reason, that the gate prints what it accepted, and that a stale or
// reasonless acceptance fails it.
func TestBreakingGateDemandsARecordedAcceptance(t *testing.T) {
	if testing.Short() {
		t.Skip("runs oasdiff")
	}
	const change = "GET /api-keys/{id} removed the required property `keys/items/last_four` from the response with the `200` status"
	breaks := []edit{
		{lastFour, ""},
		{"        - last_used\n        - last_four\n", "        - last_used\n"},
		toVersion(t, "1.0.0"),
	}
	cases := []struct {
		name     string
		edits    []edit
		accepted string
		pass     bool
		report   string
	}{
		{
			name:     "a break accepted for its version with a reason passes, said aloud",
			edits:    breaks,
			accepted: "version: 1.0.0\nreason: a test of the gate\n" + change + "\n",
			pass:     true,
			report:   "breaking: ACCEPTED breaking change: " + change,
		},
		{
			name:     "an acceptance without a reason fails",
			edits:    breaks,
			accepted: "version: 1.0.0\n" + change + "\n",
			report:   "gives no reason",
		},
		{
			name:     "an acceptance for another version does not apply",
			edits:    breaks,
			accepted: "version: 0.9.0\nreason: an older break\n" + change + "\n",
			report:   "response-required-property-removed",
		},
		{
			name:     "an acceptance that matches no change fails",
			edits:    []edit{toVersion(t, "1.0.0")},
			accepted: "version: 1.0.0\nreason: a test of the gate\n" + change + "\n",
			report:   "stale or mistyped",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := editedSpec(t, dir, tc.edits...)
			accepted := filepath.Join(dir, "accepted")
			if err := os.WriteFile(accepted, []byte(tc.accepted), 0o600); err != nil {
				t.Fatal(err)
			}
			passed, out := runMake(t, ".", "breaking", "SPEC="+spec, "BASE=openapi.yaml", "ACCEPTED="+accepted)
			if passed != tc.pass {
				t.Fatalf("make breaking passed = %v, want %v:\n%s", passed, tc.pass, out)
			}
			if !strings.Contains(out, tc.report) {
				t.Errorf("the report lacks %q:\n%s", tc.report, out)
			}
		})
	}
}
