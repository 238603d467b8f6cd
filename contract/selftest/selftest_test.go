// Package selftest proves the contract suite's power: it builds the suite
// once, runs it as a live-mode subprocess against a loopback flexapitest
// double with one contract break injected at a time, and asserts that the
// suite fails each time, on the spec that should catch the break, and
// passes on the faithful double. It also greps every report and log of
// those runs for the secrets they used.
//
// It lives apart from ./contract so that the suite it runs is not also
// running it.
package selftest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/contract"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// suiteBinary is the compiled contract suite, built once by TestMain.
var suiteBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "contract-selftest-")
	if err != nil {
		panic(err)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		suiteBinary = filepath.Join(dir, "contract.test")
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			goTool = "go"
		}
		build := exec.Command(goTool, "test", "-c", "-o", suiteBinary, "github.com/flexcontract/flexfactor-apikeys/contract")
		if out, err := build.CombinedOutput(); err != nil {
			os.Stderr.Write(out)
			os.Stderr.WriteString("selftest: building the contract suite failed: " + err.Error() + "\n")
			return 2
		}
		return m.Run()
	}()
	os.Exit(code)
}

// A run is one subprocess run of the suite and what it left behind.
type run struct {
	exitCode int
	output   string // stdout and stderr
	junit    string
	report   string
	failed   []string // names of the failed specs
	passed   []string
	// observations is observations.json, at observationsPath.
	observations     string
	observationsPath string
}

type credentials int

const (
	staticToken credentials = iota
	appCredentials
)

// runSuite runs the suite against srv in live mode through
// FLEXFACTOR_BASE_URL, with a static token or the app's credentials.
func runSuite(t tb, srv *flexapitest.Server, creds credentials, extraEnv ...string) (run, []string) {
	t.Helper()
	return runSuiteArgs(t, srv, creds, nil, extraEnv...)
}

// runSuiteArgs is runSuite with more arguments for the suite binary, such
// as a Ginkgo label filter.
func runSuiteArgs(t tb, srv *flexapitest.Server, creds credentials, args []string, extraEnv ...string) (run, []string) {
	t.Helper()
	dir := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"TMPDIR=" + os.TempDir(),
		"FLEXFACTOR_BASE_URL=" + srv.URL,
		"FLEXFACTOR_MID=" + flexapitest.DefaultMID,
		"FLEXFACTOR_EMPTY_MID=mid_without_keys",
		"FLEXFACTOR_REQUEST_TIMEOUT=5s",
		"FLEXFACTOR_REPORT_DIR=" + dir,
	}
	var secrets []string
	switch creds {
	case staticToken:
		tok := srv.IssueToken()
		env = append(env, "FLEXFACTOR_TOKEN="+tok)
		secrets = append(secrets, tok)
	case appCredentials:
		env = append(env, "FLEXFACTOR_APP_KEY="+srv.AppKey, "FLEXFACTOR_APP_SECRET="+srv.AppSecret)
		secrets = append(secrets, srv.AppSecret)
	}
	env = append(env, extraEnv...)

	return execSuite(t, dir, env, append([]string{"-" + contract.FlagReadEnv}, args...)...), secrets
}

// execSuite runs the suite binary in dir with env and args, and reads what
// it left there: junit.xml, contract-report.md and observations.json,
// which must match its schema.
func execSuite(t tb, dir string, env []string, args ...string) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	junitPath := filepath.Join(dir, "junit.xml")
	cmd := exec.CommandContext(ctx, suiteBinary, append([]string{
		"-test.run=^TestContract$", "-ginkgo.no-color", "-ginkgo.v",
		"-ginkgo.junit-report=" + junitPath}, args...)...)
	cmd.Env = env
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r := run{output: out.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		r.exitCode = exitErr.ExitCode()
	default:
		t.Fatalf("running the suite: %v", err)
	}
	junit, err := os.ReadFile(junitPath)
	if err != nil {
		t.Fatalf("the suite wrote no JUnit report: %v\n%s", err, r.output)
	}
	r.junit = string(junit)
	md, err := os.ReadFile(filepath.Join(dir, "contract-report.md"))
	if err != nil {
		t.Fatalf("the suite wrote no Markdown report: %v\n%s", err, r.output)
	}
	r.report = string(md)
	r.failed, r.passed = parseJUnit(t, junit)
	r.observationsPath = filepath.Join(dir, report.ObservationsFile)
	observations, err := os.ReadFile(r.observationsPath)
	if err != nil {
		t.Fatalf("the suite wrote no observations: %v\n%s", err, r.output)
	}
	r.observations = string(observations)
	if err := report.ValidateObservations(observations); err != nil {
		t.Errorf("observations.json %v", err)
	}
	return r
}

func parseJUnit(t tb, b []byte) (failed, passed []string) {
	t.Helper()
	var doc struct {
		Suites []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Status  string    `xml:"status,attr"`
				Failure *struct{} `xml:"failure"`
				Error   *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("the JUnit report is not XML: %v", err)
	}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			switch {
			case c.Failure != nil || c.Error != nil:
				failed = append(failed, c.Name)
			case c.Status == "passed":
				passed = append(passed, c.Name)
			}
		}
	}
	return failed, passed
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func contains(names []string, part string) bool {
	for _, n := range names {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// listBreak injects fault on the list route for every request.
func listBreak(fault flexapitest.Fault) func(*flexapitest.Server) {
	return func(srv *flexapitest.Server) { srv.Inject(flexapitest.RouteList, fault.Always()) }
}

// Each entry is a contract break under FLEXFACTOR_STRICT_DOCS=1, and the
// specs that must catch it (the faithful double lists the page's
// publishable, which strict docs fail too). The single faults of the
// default mode are the table of faults_test.go.
var breaks = []struct {
	name      string
	breakIt   func(*flexapitest.Server)
	creds     credentials
	env       []string
	mustCatch []string
}{
	{"two keys sharing name and last_four, under strict docs", func(srv *flexapitest.Server) {
		key := map[string]any{"name": "Twin " + canaryName, "type": "secret", "created_at": "2024-11-16T12:00:00Z",
			"last_used": nil, "last_four": "7dc0"}
		if err := srv.SetKeys(flexapitest.DefaultMID, key, key); err != nil {
			panic(err)
		}
	}, staticToken, []string{"FLEXFACTOR_STRICT_DOCS=1"},
		[]string{"can be told apart by name and last_four"}},
	{"an undocumented field, under strict docs", listBreak(flexapitest.AddField("keys/*/scopes", []string{"read"})), staticToken,
		[]string{"FLEXFACTOR_STRICT_DOCS=1"},
		[]string{"fail under FLEXFACTOR_STRICT_DOCS=1"}},
	{"the page's publishable type, under strict docs", func(*flexapitest.Server) {}, staticToken,
		[]string{"FLEXFACTOR_STRICT_DOCS=1"},
		[]string{"records the key types the server returns"}},
	{"a public key listed publishable, under strict docs", func(srv *flexapitest.Server) {
		srv.Inject(flexapitest.RouteList, flexapitest.SetField("keys/2/type", "publishable").Always())
	}, staticToken, []string{"FLEXFACTOR_STRICT_DOCS=1", lifecycleOn},
		[]string{"is listed as public or publishable when created public"}},
}

func TestTheSuiteFailsOnEachBreak(t *testing.T) {
	for _, b := range breaks {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			srv := newCanaryDouble(t)
			b.breakIt(srv)
			r, secrets := runSuite(t, srv, b.creds, b.env...)
			if r.exitCode == 0 {
				t.Fatalf("the suite passed against a double with %s\n%s", b.name, r.output)
			}
			t.Logf("exit %d; %d specs failed: %q", r.exitCode, len(r.failed), r.failed)
			for _, spec := range b.mustCatch {
				if !contains(r.failed, spec) {
					t.Errorf("the spec %q did not fail; failed: %q", spec, r.failed)
				}
			}
			if first := firstLine(r.report); !strings.HasPrefix(first, "# FAILED: ") && !strings.HasPrefix(first, "# BROKEN TARGET: ") {
				t.Errorf("the report's first line is %q, not a FAILED or BROKEN TARGET verdict", first)
			}
			assertClean(t, r, secrets...)
		})
	}
}

func TestTheSuitePassesOnTheFaithfulDouble(t *testing.T) {
	for name, creds := range map[string]credentials{"static token": staticToken, "app credentials": appCredentials} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newCanaryDouble(t)
			r, secrets := runSuite(t, srv, creds)
			if r.exitCode != 0 {
				t.Fatalf("the suite failed on the faithful double (exit %d); failed: %q\n%s", r.exitCode, r.failed, r.output)
			}
			if len(r.passed) < 15 {
				t.Errorf("only %d specs passed", len(r.passed))
			}
			for _, want := range []string{"## Documented vs observed", "publishable: 1, secret: 1", "1 of 2 keys never used", "retries: 0"} {
				if !strings.Contains(r.report, want) {
					t.Errorf("the report lacks %q", want)
				}
			}
			if !strings.Contains(r.output, "contract target: live "+srv.URL) {
				t.Errorf("the run did not print its target")
			}
			if first := firstLine(r.report); first != "# PASSED" {
				t.Errorf("the report's first line is %q, not PASSED", first)
			}
			assertClean(t, r, secrets...)
		})
	}
}

func TestAMisconfiguredLiveTargetFailsAtOnce(t *testing.T) {
	srv := flexapitest.NewServer()
	defer srv.Close()
	// No credentials and no mid: the run must fail, naming both.
	dir := t.TempDir()
	cmd := exec.Command(suiteBinary, "-test.run=^TestContract$", "-"+contract.FlagReadEnv, "-ginkgo.no-color",
		"-ginkgo.junit-report="+filepath.Join(dir, "junit.xml"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "FLEXFACTOR_BASE_URL=" + srv.URL, "FLEXFACTOR_REPORT_DIR=" + dir}
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the suite passed without credentials or mid:\n%s", out)
	}
	for _, name := range []string{"FLEXFACTOR_MID", "FLEXFACTOR_TOKEN"} {
		if !bytes.Contains(out, []byte(name)) {
			t.Errorf("the failure does not name %s:\n%s", name, out)
		}
	}
	if len(srv.Requests()) != 0 {
		t.Errorf("the misconfigured run sent %d requests", len(srv.Requests()))
	}
}

// tb is what the helpers need of a test: a *testing.T, or GinkgoT() in the
// table of single faults.
type tb interface {
	Helper()
	TempDir() string
	Cleanup(func())
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}
