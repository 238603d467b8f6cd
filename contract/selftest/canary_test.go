package selftest

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/flexcontract/flexfactor-apikeys/contract"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// Canaries: distinctive values seeded into every double the self-test
// runs the suite against (its credentials, its keys' names), into the
// breaks it injects, into the merchant without keys and into the base URL.
// Each must appear in no output of any run: not the console, not
// junit.xml, not contract-report.md.
const (
	canaryAppKey = "app_CANARYappkey0c4f"
	canarySecret = "CANARYsecret9d2e71"
	// canaryName is in the name of every key the double lists.
	canaryName = "CANARYname5e1f0b"
	// canaryBreak is in the values the breaks inject.
	canaryBreak = "CANARYbreak3b7a9c"
	// canaryEmpty is in the keys a broken double lists for the merchant
	// that has none.
	canaryEmpty = "CANARYempty84d0e2"
	// leakedKey is a full key value in a key's "value": shaped like no
	// known secret, so only the redactor's learning hides it.
	leakedKey = "CANARYvalue0123456789abcdef7dc0"
	// canaryUser, canaryPass and canaryQuery are in a rejected base URL.
	canaryUser  = "CANARYuser61a"
	canaryPass  = "CANARYpass7f3"
	canaryQuery = "CANARYquery2c8"
)

var canaries = []string{canaryAppKey, canarySecret, canaryName, canaryBreak, canaryEmpty, leakedKey, canaryUser, canaryPass, canaryQuery}

// newCanaryDouble is a faithful double whose credentials and key names
// are canaries; opts may break it further.
func newCanaryDouble(t tb, opts ...flexapitest.Option) *flexapitest.Server {
	t.Helper()
	srv := flexapitest.NewServer(append([]flexapitest.Option{flexapitest.WithAppCredentials(canaryAppKey, canarySecret)}, opts...)...)
	t.Cleanup(srv.Close)
	keys := flexapitest.DefaultData()[flexapitest.DefaultMID]
	renamed := make([]any, len(keys))
	for i, k := range keys {
		var m map[string]any
		if err := json.Unmarshal(k, &m); err != nil {
			t.Fatal(err)
		}
		m["name"] = m["name"].(string) + " " + canaryName
		renamed[i] = m
	}
	if err := srv.SetKeys(flexapitest.DefaultMID, renamed...); err != nil {
		t.Fatal(err)
	}
	return srv
}

// dumpMarks are what Gomega's dump of an error or struct looks like.
var dumpMarks = regexp.MustCompile(`<\*[a-z]+\.[A-Za-z]+ \| 0x|\{Op: "|Err: <|<syscall\.Errno>`)

// assertClean greps everything a run left for every canary, the secrets
// it used, any JWT (the tokens the double issues are JWT-shaped), colour
// codes and Gomega's dumps of error structs.
func assertClean(t tb, r run, secrets ...string) {
	t.Helper()
	for name, text := range map[string]string{"output": r.output, "junit.xml": r.junit, "contract-report.md": r.report, "observations.json": r.observations} {
		for _, s := range append(secrets, canaries...) {
			if strings.Contains(text, s) {
				t.Errorf("%s carries %s", name, s)
			}
		}
		if strings.Contains(text, "eyJhbGci") {
			t.Errorf("%s carries a JWT", name)
		}
		if strings.Contains(text, "\x1b[") {
			t.Errorf("%s carries colour codes", name)
		}
		if m := dumpMarks.FindString(text); m != "" {
			t.Errorf("%s carries a dump of an error struct (%q)", name, m)
		}
	}
	assertReproductions(t, r)
}

// curlAuth is the Authorization header of a reproduction's curl command.
var curlAuth = regexp.MustCompile(`-H ["']Authorization: ([^"']*)["']`)

// assertReproductions holds a run's report to its reproductions: every
// failed check has one, each command once, with the ginkgo line that runs
// it alone; every curl command names the run's token by $FLEXFACTOR_TOKEN
// (or sends a token made up to be refused), a token call's AppSecret by
// $FLEXFACTOR_APP_SECRET, and the grep of assertClean above finds no secret or canary in them.
func assertReproductions(t tb, r run) {
	t.Helper()
	_, section, found := strings.Cut(r.report, report.ReproduceHeading+"\n")
	section, _, _ = strings.Cut(section, "\n## ")
	for _, name := range r.failed {
		check, ok := strings.CutPrefix(name, "[It] ")
		if !ok {
			continue
		}
		if i := strings.LastIndex(check, " ["); i > 0 {
			check = check[:i]
		}
		if !found {
			t.Errorf("the report has no %q section, though %q failed", report.ReproduceHeading, check)
			return
		}
		_, block, ok := strings.Cut(section, "**"+check+"**\n\n```sh\n")
		block, _, _ = strings.Cut(block, "```")
		lines := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
		first, last := lines[0], lines[len(lines)-1]
		// Each command once: two listings of one merchant are one command.
		for i, l := range lines {
			if slices.Contains(lines[:i], l) {
				t.Errorf("the reproduction of %q runs a command twice: %s", check, l)
			}
		}
		// A person runs it as it stands: the token call first, with the
		// app's credentials by their variables; last, the line that runs
		// the check alone, saying whether it makes keys.
		if !ok || !strings.HasPrefix(first, "export FLEXFACTOR_TOKEN=\"$(curl ") ||
			!strings.Contains(first, `\"AppKey\":\"$FLEXFACTOR_APP_KEY\"`) || !strings.Contains(first, `\"AppSecret\":\"$FLEXFACTOR_APP_SECRET\"`) {
			t.Errorf("the reproduction of %q does not start with the token call: %s", check, first)
		}
		lifecycle := strings.Contains(name, "[lifecycle") || strings.Contains(name, "[negative")
		switch {
		case !strings.Contains(last, "ginkgo --focus '^FlexFactor contract "):
			t.Errorf("the reproduction of %q does not end with a ginkgo --focus line: %s", check, last)
		case lifecycle && (!strings.HasPrefix(last, "FLEXFACTOR_LIFECYCLE=1 ") || !strings.HasSuffix(last, "# creates two keys in $FLEXFACTOR_MID and revokes them")):
			t.Errorf("the focus line of %q does not say it creates and revokes two keys: %s", check, last)
		case !strings.HasPrefix(last, "FLEXFACTOR_LIFECYCLE="):
			t.Errorf("the focus line of %q does not say whether it makes keys: %s", check, last)
		}
	}
	for line := range strings.Lines(section) {
		if !strings.HasPrefix(line, "curl ") {
			continue
		}
		if !strings.Contains(line, " -X ") || !strings.Contains(line, " 'http") {
			t.Errorf("a curl command without method or URL: %s", line)
		}
		for _, m := range curlAuth.FindAllStringSubmatch(line, -1) {
			scheme, tok, _ := strings.Cut(m[1], " ")
			if !strings.EqualFold(scheme, "Bearer") || (tok != contract.ShellToken && tok != contract.MadeUpToken) {
				t.Errorf("a curl command sends a token other than %s or a made-up one: %s", contract.ShellToken, line)
			}
		}
		if strings.Contains(line, "AppSecret") && !strings.Contains(line, `\"AppSecret\":\"`+contract.ShellAppSecret+`\"`) {
			t.Errorf("a token call's curl command carries an AppSecret other than %s: %s", contract.ShellAppSecret, line)
		}
	}
}
