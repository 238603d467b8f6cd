package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// TestMain lets the test binary stand in for the gh CLI: the workflow
// test puts a link named gh to it on the steps' PATH.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "gh" {
		os.Exit(fakeGH(os.Args[1:], os.Getenv(fakeGHState), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// fakeGHState names the directory where the fake gh finds the runs that
// completed (runs, one id a line, oldest first) and their artifacts
// (artifacts/<run id>/<name>/), and logs its calls (calls).
const fakeGHState = "FAKE_GH_STATE"

// fakeGH answers the two calls the nightly makes, as gh does: the latest
// completed run of the workflow, and the download of one of its
// artifacts. Anything else, or a call without GH_TOKEN, fails.
func fakeGH(args []string, state string, stdout, stderr *os.File) int {
	if f, err := os.OpenFile(filepath.Join(state, "calls"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintln(f, strings.Join(args, " "))
		f.Close()
	}
	if os.Getenv("GH_TOKEN") != token {
		fmt.Fprintln(stderr, "gh: set the GH_TOKEN environment variable")
		return 4
	}
	flags := map[string]string{}
	var positional []string
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "--") && i+1 < len(args) {
			flags[args[i]] = args[i+1]
			i++
			continue
		}
		positional = append(positional, args[i])
	}
	if flags["--repo"] != "o/r" {
		fmt.Fprintln(stderr, "gh: no --repo o/r")
		return 1
	}
	switch {
	case slices.Equal(positional, []string{"run", "list"}):
		limit, err := strconv.Atoi(flags["--limit"])
		if flags["--workflow"] != "contract-nightly.yml" || flags["--status"] != "completed" || err != nil ||
			flags["--json"] != "databaseId" || flags["--jq"] != ".[].databaseId" {
			fmt.Fprintf(stderr, "gh run list: unexpected flags %v\n", flags)
			return 1
		}
		// Newest first, as gh lists them.
		b, _ := os.ReadFile(filepath.Join(state, "runs"))
		runs := strings.Fields(string(b))
		for i := len(runs) - 1; i >= max(0, len(runs)-limit); i-- {
			fmt.Fprintln(stdout, runs[i])
		}
		return 0
	case len(positional) == 3 && positional[0] == "run" && positional[1] == "download":
		src := filepath.Join(state, "artifacts", positional[2], flags["--name"])
		if _, err := os.Stat(src); err != nil || flags["--dir"] == "" {
			fmt.Fprintln(stderr, "no valid artifacts found to download")
			return 1
		}
		if err := exec.Command("cp", "-R", src+"/.", flags["--dir"]).Run(); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "gh: the fake does not know %q\n", args)
	return 1
}

// Canaries of the workflow test: the sandbox's credentials and the names
// of its keys. None may reach a log, the job summary, the artifact or the
// issue, nor may the GitHub token or the sandbox's access token (a JWT).
// (The self-test proves the suite's outputs clean of every value the
// target sends.)
const (
	canaryAppKey  = "app_CANARYnightly7a1c"
	canarySecret  = "CANARYnightlySecret4e2d"
	canaryKeyName = "CANARYnightlyKeyName9b3f"
	jwtMark       = "eyJhbGci"
)

// A night of the workflow test: the sandbox faithful or not, and what the
// issue must show afterwards.
type nightCase struct {
	name string
	// fault breaks the sandbox's listing: its keys lose last_used.
	fault bool
	// alert is what nightlyalert must say it did.
	alert string
	// issueState is the one issue's state after the night ("" for none).
	issueState string
	comments   int
}

// TestTheNightlyWorkflowNightAfterNight runs the run: steps of
// .github/workflows/contract-nightly.yml, read from the file, in order,
// as the runner would on four scheduled nights: green, red, red again,
// green. The double (flexapitest, on loopback) stands in for the sandbox,
// a fake gh hands each night the previous night's artifact, and a fake
// GitHub keeps the issues. Each night's steps, job summary, artifact and
// issue are checked, and no canary may be anywhere.
func TestTheNightlyWorkflowNightAfterNight(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the nightly workflow's steps, make contract included, over four nights")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	wf := readWorkflow(t, filepath.Join(root, ".github", "workflows", "contract-nightly.yml"))
	steps := wf.Jobs["contract"].Steps
	if len(steps) == 0 {
		t.Fatal("the workflow has no contract job")
	}
	tmp := t.TempDir()
	ws := filepath.Join(tmp, "workspace")
	// A checkout: the files git tracks, and those it neither tracks nor
	// ignores (a change not committed yet).
	checkout := exec.Command("bash", "-c", `git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$1"`, "bash", ws)
	checkout.Dir = root
	if err := os.MkdirAll(ws, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := checkout.CombinedOutput(); err != nil {
		t.Fatalf("checking out the repository: %v\n%s", err, out)
	}

	// The suite is built once, from the repository (the build cache has
	// it), and make contract runs it every night (CONTRACT_SUITE).
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	suite := filepath.Join(ws, "contract", "contract.test")
	build := exec.Command(goTool, "test", "-c", "-o", suite, "./contract")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the suite: %v\n%s", err, out)
	}

	state := filepath.Join(tmp, "gh")
	bin := filepath.Join(tmp, "bin")
	for _, d := range []string{state, bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(bin, "gh")); err != nil {
		t.Fatal(err)
	}
	gh := &fakeGitHub{}
	api := httptest.NewServer(gh)
	defer api.Close()

	goEnv := func(name string) string {
		out, err := exec.Command(goTool, "env", name).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	// The runner's environment is made here, whatever the shell exports:
	// no FLEXFACTOR_* variable and no token but the fakes'.
	baseEnv := map[string]string{
		"PATH":        bin + string(os.PathListSeparator) + filepath.Dir(goTool) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME":        os.Getenv("HOME"),
		"TMPDIR":      tmp,
		"GOCACHE":     goEnv("GOCACHE"),
		"GOMODCACHE":  goEnv("GOMODCACHE"),
		"GOPATH":      goEnv("GOPATH"),
		"GOTOOLCHAIN": "local",
		"GOPROXY":     "off",
		"GOFLAGS":     "-mod=readonly",
		"CI":          "true",
		// What the runner sets.
		"GITHUB_ACTIONS":    "true",
		"GITHUB_WORKSPACE":  ws,
		"GITHUB_REPOSITORY": "o/r",
		"GITHUB_SERVER_URL": "https://github.test",
		"GITHUB_API_URL":    api.URL,
		"GITHUB_EVENT_NAME": "schedule",
		"CONTRACT_SUITE":    suite,
		fakeGHState:         state,
	}

	nights := []nightCase{
		{name: "green", alert: "green, nothing to do"},
		{name: "red", fault: true, alert: "opened issue #1", issueState: "open"},
		{name: "red again", fault: true, alert: "updated issue #1", issueState: "open", comments: 1},
		{name: "green again", alert: "closed issue #1", issueState: "closed", comments: 2},
	}
	var everything []string // every output, for the canaries
	var previousTime string
	for n, night := range nights {
		runID := fmt.Sprint(7001 + n)
		runURL := "https://github.test/o/r/actions/runs/" + runID
		// A fresh checkout: nothing of the night before in the workspace.
		for _, d := range []string{"reports", "previous"} {
			if err := os.RemoveAll(filepath.Join(ws, d)); err != nil {
				t.Fatal(err)
			}
		}
		sandbox := newSandbox(t, night.fault)
		sandboxSteps := 0
		env := map[string]string{"GITHUB_RUN_ID": runID}
		for k, v := range baseEnv {
			env[k] = v
		}
		r := &runner{
			workspace: ws,
			env:       env,
			ctx: map[string]any{
				"github": map[string]any{"token": token, "workspace": ws, "event_name": "schedule", "repository": "o/r",
					"server_url": "https://github.test", "run_id": runID},
				"secrets": map[string]any{"FLEXFACTOR_APP_KEY": canaryAppKey, "FLEXFACTOR_APP_SECRET": canarySecret,
					"FLEXFACTOR_MID": flexapitest.DefaultMID, "FLEXFACTOR_EMPTY_MID": "mid_without_keys"},
				"inputs": map[string]any{},
			},
			uses: func(s workflowStep, with map[string]string) error {
				return useAction(ws, filepath.Join(state, "artifacts", runID), s, with)
			},
			stepEnv: func(env map[string]string) {
				// The double stands in for the sandbox: same step, a
				// loopback base URL instead of the spec's sandbox server.
				if env["FLEXFACTOR_ENV"] == "sandbox" {
					delete(env, "FLEXFACTOR_ENV")
					env["FLEXFACTOR_BASE_URL"] = sandbox.URL
					sandboxSteps++
				}
			},
		}
		job := r.runJob(t, steps)
		if err := appendLine(filepath.Join(state, "runs"), runID); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			// Between the red nights, two runs that left no observations:
			// one cancelled before its upload, one whose sandbox step never
			// ran. The next night reaches past them to the red night's.
			deadRun := filepath.Join(state, "artifacts", "7102", "contract-reports", "double")
			if err := os.MkdirAll(deadRun, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"7101", "7102"} {
				if err := appendLine(filepath.Join(state, "runs"), id); err != nil {
					t.Fatal(err)
				}
			}
		}
		t.Run(fmt.Sprintf("night %d %s", n+1, night.name), func(t *testing.T) {
			defer func() {
				if t.Failed() {
					for _, s := range job.steps {
						t.Logf("step %q: %s\n%s", s.name, s.outcome, s.log)
					}
				}
			}()
			if sandboxSteps != 1 {
				t.Errorf("%d steps ran against the sandbox, want 1", sandboxSteps)
			}
			sandboxOutcome, lastStep := "success", "skipped"
			if night.fault {
				sandboxOutcome, lastStep = "failure", "failure"
			}
			for name, want := range map[string]string{
				"Fetch the previous night's observations":        "success",
				"Contract run against the double":                "success",
				"Contract run against the sandbox":               sandboxOutcome,
				"The double against the sandbox":                 "success",
				"Job summary":                                    "success",
				"Upload the reports":                             "success",
				"Open, update or close the contract-drift issue": "success",
				"A red night fails the job":                      lastStep,
			} {
				if got := job.step(name).outcome; got != want {
					t.Errorf("step %q: %s, want %s", name, got, want)
				}
			}
			if job.failed != night.fault {
				t.Errorf("the job failed: %v, want %v", job.failed, night.fault)
			}

			// The previous night's artifact was fetched, read and compared.
			fetch := job.step("Fetch the previous night's observations").log
			md := readArtifact(t, state, runID, "contract-report.md")
			if n == 0 {
				if !strings.Contains(fetch, "no previous observations") || !strings.Contains(md, "No previous observations were given") {
					t.Errorf("the first night claims a previous night:\n%s", fetch)
				}
			} else {
				if want := fmt.Sprintf("previous night: run %d", 7000+n); !strings.Contains(fetch, want) {
					t.Errorf("the fetch step does not say %q:\n%s", want, fetch)
				}
				if n == 2 && (!strings.Contains(fetch, "run 7102 left no observations") || !strings.Contains(fetch, "run 7101 left no observations")) {
					t.Errorf("the fetch step does not say it passed over the runs without observations:\n%s", fetch)
				}
				if want := "since the run of " + previousTime; !strings.Contains(md, want) {
					t.Errorf("the report does not compare with the previous night (%q):\n%s", want, md)
				}
				if strings.Contains(md, "could not be read") || strings.Contains(md, "No previous observations were given") {
					t.Errorf("the report did not read the previous observations:\n%s", md)
				}
			}
			var obs struct {
				Time string `json:"time"`
			}
			if err := json.Unmarshal([]byte(readArtifact(t, state, runID, "observations.json")), &obs); err != nil {
				t.Fatal(err)
			}
			previousTime = obs.Time

			// The job summary is the report, then the comparison with the double.
			wantFirst := "# PASSED"
			if night.fault {
				wantFirst = "# FAILED"
			}
			if !strings.HasPrefix(job.summary, wantFirst) || !strings.Contains(job.summary, "## The double against the sandbox") {
				t.Errorf("the job summary starts %q, want %q, then the double against the sandbox:\n%s", firstLine(job.summary), wantFirst, job.summary)
			}
			// The history: every night so far, named by its date and
			// linked to its run, counted by what it found.
			green, red := 0, 0
			for _, earlier := range nights[:n+1] {
				if earlier.fault {
					red++
				} else {
					green++
				}
			}
			if want := fmt.Sprintf("Of the last %s: %d green, %d failed the contract", report.Plural(n+1, "night"), green, red); !strings.Contains(job.summary, want) {
				t.Errorf("the job summary's history does not say %q:\n%s", want, job.summary)
			}
			for i := range n + 1 {
				if link := fmt.Sprintf("](https://github.test/o/r/actions/runs/%d)", 7001+i); !strings.Contains(job.summary, link) {
					t.Errorf("the job summary's history does not link night %d's run", i+1)
				}
			}
			for _, f := range []string{"contract-report.md", "observations.json", "junit.xml", "double/observations.json", "double/contract-report.md", "double-vs-sandbox.txt"} {
				readArtifact(t, state, runID, f)
			}

			// The one issue.
			if alert := job.step("Open, update or close the contract-drift issue").log; !strings.Contains(alert, "nightlyalert: "+night.alert) {
				t.Errorf("nightlyalert did not say %q:\n%s", night.alert, alert)
			}
			gh.mu.Lock()
			defer gh.mu.Unlock()
			switch {
			case night.issueState == "" && len(gh.issues) != 0:
				t.Errorf("%d issues, want none", len(gh.issues))
			case night.issueState != "" && len(gh.issues) != 1:
				t.Errorf("%d issues, want 1", len(gh.issues))
			case night.issueState != "":
				i := gh.issues[0]
				if i.State != night.issueState || len(i.Comments) != night.comments || !slices.Contains(i.Labels, Label) {
					t.Errorf("issue #1: %s, %d comments, labels %v; want %s, %d comments, %s", i.State, len(i.Comments), i.Labels, night.issueState, night.comments, Label)
				}
				// The title names the first cause first.
				if !strings.HasPrefix(i.Title, "Contract nightly: last_used is absent in ") || !strings.Contains(i.Body, "https://github.test/o/r/actions/runs/7002") {
					t.Errorf("issue #1: %q\n%s", i.Title, i.Body)
				}
				// The red night after a green one says what changed since:
				// nightlyalert compared the sandbox's two nights.
				if want := "ledger D3 [D3]: confirmed → contradicted"; !strings.Contains(i.Body, want) {
					t.Errorf("issue #1 does not say %q:\n%s", want, i.Body)
				}
				everything = append(everything, i.Title, i.Body)
				everything = append(everything, i.Comments...)
			}
			_ = runURL
		})
		for _, s := range job.steps {
			everything = append(everything, s.log)
		}
		everything = append(everything, job.summary)
		everything = append(everything, artifactFiles(t, filepath.Join(state, "artifacts", runID))...)
	}
	for _, canary := range []string{canaryAppKey, canarySecret, canaryKeyName, jwtMark, token} {
		for _, text := range everything {
			if strings.Contains(text, canary) {
				t.Errorf("the canary %s is in an output:\n%s", canary, text)
				break
			}
		}
	}
}

// newSandbox is the double standing in for the sandbox: canary
// credentials and key names and, when broken, a listing whose keys lack
// last_used.
func newSandbox(t *testing.T, broken bool) *flexapitest.Server {
	t.Helper()
	srv := flexapitest.NewServer(flexapitest.WithAppCredentials(canaryAppKey, canarySecret))
	t.Cleanup(srv.Close)
	var keys []any
	for _, k := range flexapitest.DefaultData()[flexapitest.DefaultMID] {
		var m map[string]any
		if err := json.Unmarshal(k, &m); err != nil {
			t.Fatal(err)
		}
		m["name"] = fmt.Sprint(m["name"], " ", canaryKeyName)
		keys = append(keys, m)
	}
	if err := srv.SetKeys(flexapitest.DefaultMID, keys...); err != nil {
		t.Fatal(err)
	}
	if broken {
		srv.Inject(flexapitest.RouteList, flexapitest.RemoveField("keys/*/last_used").Always())
	}
	return srv
}

// useAction does what the workflow's actions do, on the test's terms:
// checkout and setup-go find the workspace ready; upload-artifact copies
// its path to the run's artifacts.
func useAction(ws, artifacts string, s workflowStep, with map[string]string) error {
	action, _, _ := strings.Cut(s.Uses, "@")
	switch action {
	case "actions/checkout":
		return nil
	case "actions/setup-go":
		_, err := os.Stat(filepath.Join(ws, with["go-version-file"]))
		return err
	case "actions/upload-artifact":
		src := filepath.Join(ws, with["path"])
		if _, err := os.Stat(src); err != nil {
			if with["if-no-files-found"] == "error" {
				return err
			}
			return nil
		}
		dst := filepath.Join(artifacts, with["name"])
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
		return exec.Command("cp", "-R", src+"/.", dst).Run()
	}
	return fmt.Errorf("the workflow test does not know the action %s", s.Uses)
}

func readArtifact(t *testing.T, state, runID, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(state, "artifacts", runID, "contract-reports", name))
	if err != nil {
		t.Errorf("the artifact of run %s lacks %s", runID, name)
	}
	return string(b)
}

func artifactFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			out = append(out, string(b))
		}
		return nil
	})
	return out
}

func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, line); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
