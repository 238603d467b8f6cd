package selftest

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// deadBaseURL is a loopback base URL where nothing listens.
func deadBaseURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/v1"
}

// Each scenario is a mistake or an outage as a new user meets it. The
// report's first line must name the cause, the console must say it before
// any spec runs, and no more than two checks may fail (the target's own
// check, and the verdict when nothing else failed), each one readable
// sentence.
func TestANewUserReadsOneCause(t *testing.T) {
	tests := []struct {
		name  string
		creds credentials
		setup func(t *testing.T, srv *flexapitest.Server) []string // extra environment
		first string                                               // the report's first line starts with it
		also  []string                                             // the report says these too
	}{
		{"a dead port", staticToken, func(t *testing.T, _ *flexapitest.Server) []string {
			return []string{"FLEXFACTOR_BASE_URL=" + deadBaseURL(t)}
		}, "# BROKEN TARGET: target unreachable: 127.0.0.1:", []string{"is the server running"}},
		{"a wrong token", staticToken, func(*testing.T, *flexapitest.Server) []string {
			return []string{"FLEXFACTOR_TOKEN=wrong-" + canaryBreak}
		}, "# BROKEN TARGET: token rejected: the listing answered 401 application/json", []string{"check FLEXFACTOR_TOKEN"}},
		{"a wrong AppSecret", appCredentials, func(*testing.T, *flexapitest.Server) []string {
			return []string{"FLEXFACTOR_APP_SECRET=wrong-" + canaryBreak}
		}, "# BROKEN TARGET: token rejected: the token call answered 401", []string{"FLEXFACTOR_APP_SECRET"}},
		{"a base URL without /v1", appCredentials, func(_ *testing.T, srv *flexapitest.Server) []string {
			return []string{"FLEXFACTOR_BASE_URL=" + strings.TrimSuffix(srv.URL, "/v1")}
		}, "# BROKEN TARGET: not found: the token call answered 404", []string{"does not end in /v1", "did you mean http://127.0.0.1:"}},
		{"a slow target", staticToken, func(_ *testing.T, srv *flexapitest.Server) []string {
			srv.Inject(flexapitest.RouteList, flexapitest.Latency(10*time.Second).Always())
			return []string{"FLEXFACTOR_REQUEST_TIMEOUT=1s"}
		}, "# BROKEN TARGET: the listing timed out after 1s", []string{"FLEXFACTOR_REQUEST_TIMEOUT"}},
		{"an HTML 502 listing", staticToken, func(_ *testing.T, srv *flexapitest.Server) []string {
			srv.Inject(flexapitest.RouteList, flexapitest.GatewayPage(502).Always())
			return nil
		}, "# BROKEN TARGET: the target is failing: the listing answered 502 text/html", nil},
		{"a rate-limited listing", staticToken, func(_ *testing.T, srv *flexapitest.Server) []string {
			srv.Inject(flexapitest.RouteList, flexapitest.JSONBody(429, map[string]any{"errors": []string{"slow down " + canaryBreak}}).Always())
			return nil
		}, "# BROKEN TARGET: rate-limited: the listing answered 429 application/json", []string{"try again later"}},
		{"a base URL with userinfo and a query secret", staticToken, func(_ *testing.T, srv *flexapitest.Server) []string {
			u := strings.Replace(srv.URL, "http://", "http://"+canaryUser+":"+canaryPass+"@", 1) + "?api_key=" + canaryQuery
			return []string{"FLEXFACTOR_BASE_URL=" + u}
		}, "# INCONCLUSIVE: the run is misconfigured", []string{"must carry no user:password@, ?query or #fragment"}},
		{"an unparsable timeout", staticToken, func(*testing.T, *flexapitest.Server) []string {
			return []string{"FLEXFACTOR_REQUEST_TIMEOUT=15"}
		}, "# INCONCLUSIVE: the run is misconfigured", []string{`FLEXFACTOR_REQUEST_TIMEOUT="15" must be a duration such as "15s"`}},
	}
	// How the history keeps each night: an outage is counted apart from
	// the contract's failures; the rest are not outages.
	outage := map[string]string{"a dead port": report.TargetUnreachable, "a slow target": report.TargetUnreachable,
		"a wrong token": report.TargetTokenRefused, "a wrong AppSecret": report.TargetTokenRefused,
		"an HTML 502 listing": report.TargetDown, "a rate-limited listing": report.TargetDown}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newCanaryDouble(t)
			extra := tt.setup(t, srv)
			r, secrets := runSuite(t, srv, tt.creds, extra...)
			if r.exitCode == 0 {
				t.Fatalf("the run passed\n%s", r.output)
			}
			if first := firstLine(r.report); !strings.HasPrefix(first, tt.first) {
				t.Errorf("the report's first line is %q, want it to start %q", first, tt.first)
			}
			if second := strings.SplitN(r.report, "\n", 4)[2]; !strings.HasPrefix(second, "**Read first:** ") {
				t.Errorf("the report's second paragraph is %q, not the line to read first", second)
			}
			for _, want := range tt.also {
				if !strings.Contains(r.report, want) {
					t.Errorf("the report does not say %q", want)
				}
			}
			if len(r.failed) > 2 {
				t.Errorf("%d checks failed, not one cause: %q", len(r.failed), r.failed)
			}
			if strings.HasPrefix(tt.first, "# BROKEN TARGET") {
				said := strings.Index(r.output, "contract: BROKEN TARGET: ")
				firstSpec := strings.Index(r.output, "[It] ")
				if said < 0 || (firstSpec >= 0 && said > firstSpec) {
					t.Errorf("the console does not say the cause before the specs run")
				}
				if !strings.Contains(r.report, "| not run |") {
					t.Errorf("the report marks no check as not run")
				}
			}
			if h := readObservations(t, r).History; len(h) != 1 || h[0].Target != outage[tt.name] {
				t.Errorf("the history keeps the night as %+v, want the target %q", h, outage[tt.name])
			}
			assertClean(t, r, secrets...)
		})
	}
}
