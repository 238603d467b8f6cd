package selftest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/contract"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// negativeCheck is the table of the negative probes, each entry named by
// its probe.
const negativeCheck = "A request openapi.yaml says the target must refuse › is refused as documented, and makes no key › "

// runKeysLeft counts the keys named like a run's, for any merchant of srv.
func runKeysLeft(t tb, srv *flexapitest.Server) int {
	t.Helper()
	n := 0
	for _, keys := range srv.Data() {
		n += runKeys(t, keys)
	}
	return n
}

// TestEachNegativeProbeFailsOnADoubleThatAcceptsIt: for each probe, a
// double that accepts its request (and, for a create, makes the key) makes
// the run fail on that probe alone; the key it made is revoked, named in
// the report with its id, and no value reaches any output.
func TestEachNegativeProbeFailsOnADoubleThatAcceptsIt(t *testing.T) {
	for _, tc := range []struct {
		probe string
		route flexapitest.Route
		fault flexapitest.Fault
		// made says the double makes a key, which the report must name.
		made bool
	}{
		{contract.ProbeCreateNoToken, flexapitest.RouteCreate, flexapitest.AcceptWithoutToken(), true},
		{contract.ProbeCreateBadName, flexapitest.RouteCreate, flexapitest.AcceptInvalidCreate("name"), true},
		{contract.ProbeCreateBadType, flexapitest.RouteCreate, flexapitest.AcceptInvalidCreate("type"), true},
		{contract.ProbeCreateNoMID, flexapitest.RouteCreate, flexapitest.AcceptInvalidCreate("mid"), true},
		{contract.ProbeRevokeNoToken, flexapitest.RouteRevoke, flexapitest.AcceptWithoutToken(), false},
		{contract.ProbeRevokeNoSuchID, flexapitest.RouteRevoke, flexapitest.AcceptUnknownID(), false},
	} {
		t.Run(tc.probe, func(t *testing.T) {
			t.Parallel()
			srv := newCanaryDouble(t)
			srv.Inject(tc.route, tc.fault)
			r, secrets := runSuite(t, srv, staticToken, lifecycleOn)
			if r.exitCode == 0 {
				t.Fatalf("the suite passed against a double that accepts %s\n%s", tc.probe, r.output)
			}
			if !failedWith(r.failed, negativeCheck+tc.probe+" [") {
				t.Errorf("the probe %q did not fail; failed: %q", tc.probe, r.failed)
			}
			for _, name := range r.failed {
				if strings.Contains(name, negativeCheck) && !strings.Contains(name, negativeCheck+tc.probe+" [") {
					t.Errorf("another probe failed too: %q", name)
				}
			}
			if first := firstLine(r.report); !strings.HasPrefix(first, "# FAILED: ") {
				t.Errorf("the report's first line is %q, not a FAILED verdict", first)
			}
			if tc.made && !strings.Contains(r.report, "which the run revoked: its revoke answered success") {
				t.Errorf("the report does not name the key the double made and the run revoked:\n%s", r.report)
			}
			if n := runKeysLeft(t, srv); n != 0 {
				t.Errorf("the run left %d keys on the double", n)
			}
			assertClean(t, r, secrets...)
			assertNoMintedValue(t, r)
		})
	}
}

// focusLine is the pattern of a reproduction's ginkgo --focus line.
var focusLine = regexp.MustCompile(`ginkgo --focus '([^']+)' \./contract -- -contract\.env`)

// TestAFailedChecksGinkgoLineRunsItAlone: the --focus pattern a failed
// check's reproduction gives runs that check and no other.
func TestAFailedChecksGinkgoLineRunsItAlone(t *testing.T) {
	t.Parallel()
	srv := newCanaryDouble(t)
	// The type probe's: a key made for another merchant (the mid probe's)
	// is named by the cleanup too, since no listing of the run's
	// merchant can show it gone.
	srv.Inject(flexapitest.RouteCreate, flexapitest.AcceptInvalidCreate("type"))
	r, secrets := runSuite(t, srv, staticToken, lifecycleOn)
	m := focusLine.FindStringSubmatch(r.report)
	if r.exitCode == 0 || m == nil {
		t.Fatalf("exit %d; the report has no ginkgo --focus line:\n%s", r.exitCode, r.report)
	}
	focused, _ := runSuiteArgs(t, srv, staticToken, []string{"-ginkgo.focus=" + m[1]}, lifecycleOn)
	want := "[It] " + negativeCheck + contract.ProbeCreateBadType + " [negative, live]"
	if len(focused.failed) != 1 || focused.failed[0] != want || contains(focused.passed, "[It] ") {
		t.Errorf("the focused run failed %q and passed %q, want only %q", focused.failed, focused.passed, want)
	}
	if n := runKeysLeft(t, srv); n != 0 {
		t.Errorf("the runs left %d keys on the double", n)
	}
	assertClean(t, r, secrets...)
	assertClean(t, focused, secrets...)
}
