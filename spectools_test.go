package apikeys_test

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// These tests prove that the Node gates can fail: `make interop`, and the spec
// linters that `make lint` runs (.ci/spec lint), each on a modified copy of
// openapi.yaml. They run in parallel with each other (and with
// TestOtherTeamsClientCommandsRun): each spends most of its time in one
// single-threaded Node process, and one after another they were most of
// make test's time. They use editedSpec, runMake and runCommand from
// breaking_test.go.

func TestInteropGateCatchesTypeChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("runs openapi-typescript and tsc through npx")
	}
	t.Parallel()
	cases := []struct {
		name   string
		edits  []edit
		report string
	}{
		{
			name: "last_used no longer nullable rejects the page's example",
			edits: []edit{{
				"          format: date-time\n          nullable: true\n",
				"          format: date-time\n",
			}},
			report: "Type 'null' is not assignable to type 'string'",
		},
		{
			name: "a listed key's field renamed breaks the generated client",
			edits: []edit{
				{lastFour, strings.Replace(lastFour, "last_four:", "last_digits:", 1)},
				{"        - last_used\n        - last_four\n", "        - last_used\n        - last_digits\n"},
			},
			// tsc names the client file only for an error in it.
			report: "client.test.ts(",
		},
		{
			name:   "a key type removed breaks the exhaustive switch",
			edits:  []edit{{"        - publishable\n        - tokenization\n", "        - publishable\n"}},
			report: `"tokenization"`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := editedSpec(t, t.TempDir(), tc.edits...)
			passed, out := runMake(t, ".", "interop", "SPEC="+spec)
			if passed {
				t.Fatalf("make interop passed:\n%s", out)
			}
			if !strings.Contains(out, tc.report) {
				t.Errorf("the report lacks %q:\n%s", tc.report, out)
			}
		})
	}
}

// TestInteropClientCatchesABrokenDouble builds make interop's TypeScript
// client once, runs it against the faithful double (it must pass), then
// against doubles each broken in one way: the client must fail, on that
// check. make interop itself is the same client against the faithful
// double.
func TestInteropClientCatchesABrokenDouble(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tsc and node")
	}
	t.Parallel()
	dir := t.TempDir()
	against := func(srv *flexapitest.Server) []string {
		return []string{"INTEROP_BASE_URL=" + srv.URL, "INTEROP_APP_KEY=" + srv.AppKey, "INTEROP_APP_SECRET=" + srv.AppSecret}
	}
	faithful := flexapitest.NewServer()
	defer faithful.Close()
	if passed, out := runMake(t, ".", "interop", append(against(faithful), "INTEROP_DIR="+dir)...); !passed {
		t.Fatalf("make interop failed against the faithful double:\n%s", out)
	}
	cases := []struct {
		name  string
		route flexapitest.Route
		fault flexapitest.Fault
		want  string
		// front, when set, serves the client in front of the double.
		front func(srv *flexapitest.Server) http.HandlerFunc
	}{
		{"a listing without last_used", flexapitest.RouteList, flexapitest.RemoveField("keys/*/last_used"), `a listed key lacks "last_used"`, nil},
		{"a listing sent as text/plain", flexapitest.RouteList, flexapitest.ContentType("text/plain; charset=utf-8"),
			"the list call answered text/plain; charset=utf-8, not application/json", nil},
		{"a token answer sent as text/plain", flexapitest.RouteToken, flexapitest.ContentType("text/plain"),
			"the token call answered text/plain, not application/json", nil},
		{"a listing that needs no token", flexapitest.RouteList, flexapitest.AuthNotEnforced(),
			"the list call without a token is refused with 401", nil},
		{"a double older than the spec", flexapitest.RouteToken, flexapitest.Latency(0).WithHeader(flexapitest.SpecVersionHeader, "0.2.0"),
			"the double implements spec 0.2.0, older than the spec", nil},
		{"a 500 asked for with Prefer answered 502", flexapitest.RouteList, flexapitest.Status(502).OnStatus(500),
			"the list call with Prefer: code=500 answers 500", nil},
		{"a 429 asked for with Prefer without Retry-After", flexapitest.RouteList, flexapitest.Status(429).OnStatus(429),
			"Retry-After is seconds or an HTTP date: (none)", nil},
		{name: "a delay asked for with Prefer not held", want: "before the 300 ms asked for",
			front: func(srv *flexapitest.Server) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					if strings.HasPrefix(r.Header.Get("Prefer"), "delay=") {
						r.Header.Del("Prefer")
					}
					srv.ServeHTTP(w, r)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := flexapitest.NewServer()
			defer srv.Close()
			if tc.route != "" {
				srv.Inject(tc.route, tc.fault)
			}
			env := against(srv)
			if tc.front != nil {
				front := httptest.NewServer(tc.front(srv))
				defer front.Close()
				env[0] = "INTEROP_BASE_URL=" + front.URL + "/v1"
			}
			passed, out := runCommand(t, dir, env, "node", "--test", "--test-reporter=spec", "out/client.test.js")
			if passed {
				t.Fatalf("the client passed against %s:\n%s", tc.name, out)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("the client's report lacks %q:\n%s", tc.want, out)
			}
			if strings.Contains(out, srv.AppSecret) {
				t.Errorf("the report shows the AppSecret")
			}
		})
	}
}

func TestSpecLintersCatchWarnings(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Redocly CLI and Spectral through npx")
	}
	t.Parallel()
	// An operation without an operationId is a warning in both rulesets;
	// the gate must fail on it.
	spec := editedSpec(t, t.TempDir(), edit{"      operationId: listApiKeys\n", ""})
	passed, out := runCommand(t, ".", []string{"SPEC=" + spec}, "bash", ".ci/spec", "lint")
	if passed {
		t.Fatalf("the spec linters passed a spec without an operationId:\n%s", out)
	}
	for _, want := range []string{
		"redocly lint (@redocly/cli@2.77.0): failed",
		"spectral lint (@stoplight/spectral-cli@6.16.3): failed",
		"Operation object should contain `operationId` field", // Redocly
		`Operation must have "operationId"`,                   // Spectral
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
}

// TestSpecLintRefusesConstructsGeneratorsBreakOn: the spec's own Spectral
// rules refuse a default response and a range of statuses (D13), and a
// length beside an enum, which break generators the consumer gate may not
// run. One lint run of a spec with all three.
func TestSpecLintRefusesConstructsGeneratorsBreakOn(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Redocly CLI and Spectral through npx")
	}
	t.Parallel()
	spec := editedSpec(t, t.TempDir(),
		edit{"        '409':\n          $ref: '#/components/responses/NotCreated'\n", "        default:\n          $ref: '#/components/responses/NotCreated'\n"},
		edit{"        '403':\n          $ref: '#/components/responses/NotRevoked'\n", "        4XX:\n          $ref: '#/components/responses/NotRevoked'\n"},
		edit{"          enum:\n            - SUCCESS\n", "          minLength: 1\n          enum:\n            - SUCCESS\n"})
	passed, out := runCommand(t, ".", []string{"SPEC=" + spec}, "bash", ".ci/spec", "lint")
	if passed {
		t.Fatalf("the spec linters passed a spec with a default response, a range and a length beside an enum:\n%s", out)
	}
	for _, want := range []string{
		"response default: declare each status on its own",
		"response 4XX: declare each status on its own",
		"an enum with minLength beside it",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
}

// TestNodeToolsReusedOnceInstalled proves that .ci/node/install leaves
// installed tools alone: with them in place, a second run must not start npm
// at all (a fake npm first on PATH records any start and fails), so it needs
// no registry and no network.
func TestNodeToolsReusedOnceInstalled(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the Node tools with npm ci")
	}
	if passed, out := runCommand(t, ".", nil, "bash", ".ci/node/install"); !passed {
		t.Fatalf("the first install failed:\n%s", out)
	}
	bin := t.TempDir()
	record := filepath.Join(bin, "npm-started")
	fake := "#!/bin/sh\necho \"$@\" >>" + record + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "npm"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	passed, out := runCommand(t, ".", []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")},
		"bash", ".ci/node/install")
	if started, err := os.ReadFile(record); err == nil {
		t.Errorf("the second install started npm (%s):\n%s", strings.TrimSpace(string(started)), out)
	}
	if !passed {
		t.Errorf("the second install failed:\n%s", out)
	}
}

// TestNodeToolsReinstalledWhenTheLockfileChanges: installed tools are
// reused only for the lockfile they were installed from. A copy of
// .ci/node/install beside a lockfile that differs from the one its stamp
// records must start npm ci (a fake npm records the start and fails, so no
// registry is asked) and leave the stamp as it was; beside the recorded
// one it must not start npm.
func TestNodeToolsReinstalledWhenTheLockfileChanges(t *testing.T) {
	lock, err := os.ReadFile(".ci/node/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(".ci/node/install")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	record := filepath.Join(bin, "npm-started")
	fake := "#!/bin/sh\necho \"$@\" >>" + record + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "npm"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	for _, tc := range []struct {
		name      string
		lockfile  []byte
		wantStart bool
	}{
		{"the lockfile the stamp records", lock, false},
		{"a changed lockfile", append(append([]byte{}, lock...), '\n'), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_ = os.Remove(record)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "install"), script, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "package-lock.json"), tc.lockfile, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, "node_modules"), 0o755); err != nil {
				t.Fatal(err)
			}
			stamp := fmt.Sprintf("%x\n", sha256.Sum256(lock))
			if err := os.WriteFile(filepath.Join(dir, "node_modules", ".package-lock.sha256"), []byte(stamp), 0o644); err != nil {
				t.Fatal(err)
			}
			passed, out := runCommand(t, dir, env, "bash", "install")
			started, _ := os.ReadFile(record)
			if got := strings.Contains(string(started), "ci"); got != tc.wantStart {
				t.Errorf("npm ci started: %t, want %t (npm %q):\n%s", got, tc.wantStart, started, out)
			}
			if passed == tc.wantStart {
				t.Errorf("the install passed: %t, want %t (the fake npm fails):\n%s", passed, !tc.wantStart, out)
			}
			// A failed install is not taken for an installed one next time.
			if after, _ := os.ReadFile(filepath.Join(dir, "node_modules", ".package-lock.sha256")); string(after) != stamp {
				t.Errorf("the stamp became %q after a failed npm ci", after)
			}
		})
	}
}

// TestInteropTalksOnlyToLoopback: an INTEROP_BASE_URL exported in the shell
// cannot send make test's client anywhere but this machine. The refused
// host is under .invalid, which no resolver answers, so even a broken
// guard sends nothing off the machine.
func TestInteropTalksOnlyToLoopback(t *testing.T) {
	t.Parallel()
	for _, url := range []string{
		"https://api-sandbox.flex-charge.invalid/v1",
		"http://127.0.0.1.flex-charge.invalid/v1",
		"http://localhost.flex-charge.invalid:8080/v1",
	} {
		passed, out := runCommand(t, ".", []string{"INTEROP_BASE_URL=" + url}, "bash", ".ci/spec", "interop")
		if passed || !strings.Contains(out, "INTEROP_BASE_URL must be a loopback address") {
			t.Errorf("INTEROP_BASE_URL=%s: want a refusal, got (passed %v):\n%s", url, passed, out)
		}
	}
}
