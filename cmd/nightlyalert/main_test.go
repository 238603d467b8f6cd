package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/flexcontract/flexfactor-apikeys/contract"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

const token = "ghs_CANARYtoken0123456789"

// fakeGitHub keeps issues the way GitHub's REST API does, for the calls
// nightlyalert makes, and checks each call's token.
type fakeGitHub struct {
	mu     sync.Mutex
	issues []*issue
	calls  []string
}

type issue struct {
	Number   int
	Title    string
	Body     string
	Labels   []string
	State    string
	Comments []string
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer "+token {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	var in map[string]any
	if r.Body != nil {
		_ = json.NewDecoder(r.Body).Decode(&in)
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/repos/o/r/issues"), "/")
	if t, ok := in["title"].(string); ok && utf8.RuneCountInString(t) > 256 {
		http.Error(w, `{"message":"Validation Failed","errors":[{"field":"title","code":"custom","message":"title is too long (maximum is 256 characters)"}]}`, http.StatusUnprocessableEntity)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/repos/o/r/issues":
		var out []map[string]any
		for _, i := range f.issues {
			if i.State == r.URL.Query().Get("state") && strings.Contains(strings.Join(i.Labels, ","), r.URL.Query().Get("labels")) {
				out = append(out, map[string]any{"number": i.Number})
			}
		}
		_ = json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && r.URL.Path == "/repos/o/r/issues":
		i := &issue{Number: len(f.issues) + 1, Title: in["title"].(string), Body: in["body"].(string), State: "open"}
		for _, l := range in["labels"].([]any) {
			i.Labels = append(i.Labels, l.(string))
		}
		f.issues = append(f.issues, i)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"number": i.Number})
	case len(parts) >= 2:
		n, _ := strconv.Atoi(parts[1])
		if n < 1 || n > len(f.issues) {
			http.NotFound(w, r)
			return
		}
		i := f.issues[n-1]
		switch {
		case r.Method == http.MethodPost && len(parts) == 3 && parts[2] == "comments":
			i.Comments = append(i.Comments, in["body"].(string))
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{}`)
		case r.Method == http.MethodPatch && len(parts) == 2:
			if t, ok := in["title"].(string); ok {
				i.Title = t
			}
			if s, ok := in["state"].(string); ok {
				i.State = s
			}
			fmt.Fprint(w, `{}`)
		default:
			http.NotFound(w, r)
		}
	default:
		http.NotFound(w, r)
	}
}

// observations writes an observations file whose listing has the types.
func observations(t *testing.T, types ...string) string {
	t.Helper()
	ob := contract.NewObserver()
	var keys []map[string]any
	for _, typ := range types {
		keys = append(keys, map[string]any{"type": typ})
	}
	ob.RecordListing(keys)
	obs := report.BuildObservations(report.ReportData{SpecVersion: "0.2.0", Observed: ob.Snapshot(),
		Verdict: report.Verdict{Kind: report.VerdictPassed}}, report.TargetLive, "sandbox", nil, time.Now())
	path, err := report.WriteObservationsFile(t.TempDir(), obs, contract.NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// nightArgs is one night: its report fixture and, optionally, the
// previous and current observations.
func nightArgs(reportFile string, obs ...string) []string {
	args := []string{"-report", filepath.Join("testdata", reportFile), "-run-url", "https://github.test/o/r/actions/runs/42"}
	if len(obs) == 2 {
		args = append(args, "-previous", obs[0], "-current", obs[1])
	}
	return args
}

func TestTheFourNightSequences(t *testing.T) {
	same1, same2 := observations(t, "secret", "public"), observations(t, "public", "secret")
	drifted := observations(t, "secret", "publishable")
	tests := []struct {
		name   string
		nights [][]string
		// after the last night: open issues, closed issues, comments on
		// issue #1, and the issue's title
		open, closed, comments int
		title                  string
		says                   string
	}{
		{"first red night", [][]string{nightArgs("red.md")}, 1, 0, 0,
			"Contract nightly: BROKEN TARGET: token rejected: the token call answered 401 application/json", "opened issue #1"},
		{"second red night", [][]string{nightArgs("red.md"), nightArgs("failed.md")}, 1, 0, 1,
			"Contract nightly: the listing: body /keys/1/type: value is not one of the allowed values", "updated issue #1"},
		{"green after red", [][]string{nightArgs("red.md"), nightArgs("green.md", same1, same2)}, 0, 1, 1,
			"Contract nightly: BROKEN TARGET: token rejected: the token call answered 401 application/json", "closed issue #1: green again"},
		{"green after green", [][]string{nightArgs("green.md"), nightArgs("green.md", same1, same2)}, 0, 0, 0, "", "green, nothing to do"},
		{"a green but drifted night", [][]string{nightArgs("green.md", same1, drifted)}, 1, 0, 0,
			"Contract nightly: the sandbox drifted: key type values [D1]: public, secret → publishable, secret", "opened issue #1"},
		{"a cause longer than a title", [][]string{nightArgs("long.md")}, 1, 0, 0,
			"Contract nightly: the answers break openapi.yaml: body /keys/0/name: value must be a string (GET /v1/api-keys/mid_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef -> 200, GET /v1/api-keys/mid_0123456789abcdef0123456789abcdef0123456789abcde…",
			"opened issue #1"},
		{"a night that wrote no report", [][]string{nightArgs("missing.md")}, 1, 0, 0,
			"Contract nightly: the contract run wrote no report", "opened issue #1"},
		{"a first night without previous observations", [][]string{nightArgs("green.md", filepath.Join(t.TempDir(), "none.json"), same1)}, 0, 0, 0, "", "green, nothing to do"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := &fakeGitHub{}
			srv := httptest.NewServer(gh)
			defer srv.Close()
			env := map[string]string{"GITHUB_API_URL": srv.URL, "GITHUB_REPOSITORY": "o/r", "GITHUB_TOKEN": token}
			var stdout, stderr bytes.Buffer
			for i, args := range tt.nights {
				stdout.Reset()
				if code := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr); code != 0 {
					t.Fatalf("night %d: exit %d: %s", i+1, code, stderr.String())
				}
			}
			open, closed := 0, 0
			for _, i := range gh.issues {
				if i.State == "open" {
					open++
				} else {
					closed++
				}
				if !strings.Contains(strings.Join(i.Labels, ","), Label) {
					t.Errorf("issue #%d is not labelled %s", i.Number, Label)
				}
				if !strings.Contains(i.Body, "https://github.test/o/r/actions/runs/42") || !strings.Contains(i.Body, "**") {
					t.Errorf("issue #%d's body lacks the verdict or the run's link:\n%s", i.Number, i.Body)
				}
			}
			if open != tt.open || closed != tt.closed {
				t.Errorf("%d open, %d closed issues; want %d, %d", open, closed, tt.open, tt.closed)
			}
			if len(gh.issues) > 0 {
				if got := len(gh.issues[0].Comments); got != tt.comments {
					t.Errorf("%d comments on #1, want %d", got, tt.comments)
				}
				if gh.issues[0].Title != tt.title {
					t.Errorf("title %q, want %q", gh.issues[0].Title, tt.title)
				}
			}
			if !strings.Contains(stdout.String(), tt.says) {
				t.Errorf("it says %q, want %q", stdout.String(), tt.says)
			}
			if strings.Contains(stdout.String()+stderr.String(), token) {
				t.Errorf("the output carries the token")
			}
		})
	}
}

func TestABadSetupIsOneLine(t *testing.T) {
	gh := &fakeGitHub{}
	srv := httptest.NewServer(gh)
	defer srv.Close()
	for name, tt := range map[string]struct {
		env  map[string]string
		code int
		says string
	}{
		"no token":        {map[string]string{"GITHUB_REPOSITORY": "o/r"}, 2, "GITHUB_TOKEN is not set"},
		"no repository":   {map[string]string{"GITHUB_TOKEN": token}, 2, "GITHUB_REPOSITORY must be owner/name"},
		"a token refused": {map[string]string{"GITHUB_API_URL": srv.URL, "GITHUB_REPOSITORY": "o/r", "GITHUB_TOKEN": "ghs_wrong"}, 1, "GitHub answered 401"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), nightArgs("red.md"), func(k string) string { return tt.env[k] }, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.says) || strings.Contains(stderr.String(), "ghs_") {
			t.Errorf("%s: exit %d, %q; want %d and %q, no token", name, code, stderr.String(), tt.code, tt.says)
		}
	}
}

// failedReport writes a report, through the suite's own writer, whose
// checks failed with the given reproduction commands each.
func failedReport(t *testing.T, checks int, curls ...string) string {
	t.Helper()
	d := report.ReportData{Verdict: report.Verdict{Kind: report.VerdictFailed, Why: "1 check", ReadFirst: "Listing a merchant's keys"}}
	for i := range checks {
		d.Reproductions = append(d.Reproductions, report.Reproduction{
			Check: fmt.Sprintf("Listing a merchant's keys › answers 200, case %d", i), Curls: curls,
			Focus: fmt.Sprintf(`go run github.com/onsi/ginkgo/v2/ginkgo --focus '^FlexFactor contract Listing a merchant'\''s keys answers 200, case %d$' ./contract -- -contract.env`, i)})
	}
	path := filepath.Join(t.TempDir(), report.ReportFile)
	var b bytes.Buffer
	report.WriteMarkdown(&b, types.Report{StartTime: time.Now()}, d, contract.NewRedactor(token))
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A red night's issue says how to see each failure again: the curl
// commands with $FLEXFACTOR_TOKEN and the ginkgo line, as the report has
// them, within GitHub's size for a body, never cut inside a code block.
func TestARedNightCarriesTheReproductions(t *testing.T) {
	const curl = `curl -sS -i -X GET 'http://127.0.0.1:9/v1/api-keys/mid_123456' -H 'Accept: application/json' -H "Authorization: Bearer $FLEXFACTOR_TOKEN"`
	for _, tc := range []struct {
		name   string
		checks int
		cut    bool
	}{{"one failed check", 1, false}, {"more failed checks than an issue holds", 200, true}} {
		t.Run(tc.name, func(t *testing.T) {
			gh := &fakeGitHub{}
			srv := httptest.NewServer(gh)
			defer srv.Close()
			env := map[string]string{"GITHUB_API_URL": srv.URL, "GITHUB_REPOSITORY": "o/r", "GITHUB_TOKEN": token}
			args := []string{"-report", failedReport(t, tc.checks, curl), "-run-url", "https://github.test/o/r/actions/runs/42"}
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if len(gh.issues) != 1 {
				t.Fatalf("%d issues, want 1", len(gh.issues))
			}
			body := gh.issues[0].Body
			for _, want := range []string{"To see it fail again:", "**Listing a merchant's keys › answers 200, case 0**", "```sh\n" + curl + "\n",
				`go run github.com/onsi/ginkgo/v2/ginkgo --focus '^FlexFactor contract Listing a merchant's keys answers 200, case 0$' ./contract -- -contract.env`} {
				if !strings.Contains(body, strings.ReplaceAll(want, "merchant's keys answers", `merchant'\''s keys answers`)) {
					t.Errorf("the issue's body lacks %q:\n%s", want, body)
				}
			}
			if got := strings.Contains(body, "(more in the run's report)"); got != tc.cut || len(body) > maxReproduce+4096 {
				t.Errorf("cut: %v, want %v; %d bytes", got, tc.cut, len(body))
			}
			if strings.Count(body, "```")%2 != 0 {
				t.Errorf("the issue's body leaves a code block open")
			}
		})
	}
}
