package selftest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/contract"
)

// TestAUnitRunSendsNothingWhateverTheEnvironment runs the contract suite as
// `go test ./contract` (and so `make test`) runs it, in a shell where every
// FLEXFACTOR_* variable points at a counting loopback server: the suite must
// test its embedded double, send that server nothing and write no report
// into FLEXFACTOR_REPORT_DIR. The same environment with -contract.env (what
// `make contract` passes) must reach the server, so the count can see a
// request when one is sent.
//
// FLEXFACTOR_ENV is left out: it names FlexFactor's own hosts, and a broken
// guard must not send a test's request off this machine.
func TestAUnitRunSendsNothingWhateverTheEnvironment(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	reportDir := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"TMPDIR=" + os.TempDir(),
		contract.EnvBaseURL + "=" + srv.URL + "/v1",
		contract.EnvToken + "=exported-token",
		contract.EnvAppKey + "=exported-app-key",
		contract.EnvAppSecret + "=exported-app-secret",
		contract.EnvMID + "=mid_exported",
		contract.EnvEmptyMID + "=mid_exported_empty",
		contract.EnvAllowProduction + "=1",
		contract.EnvStrictDocs + "=1",
		contract.EnvMaxRequests + "=5",
		contract.EnvRequestTimeout + "=5s",
		contract.EnvReportDir + "=" + reportDir,
	}
	runSuite := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, suiteBinary, append([]string{"-test.run=^TestContract$", "-ginkgo.no-color"}, args...)...)
		cmd.Env = env
		cmd.Dir = t.TempDir()
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}

	out, err := runSuite()
	if err != nil {
		t.Errorf("the suite without -%s failed (%v):\n%s", contract.FlagReadEnv, err, out)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the suite without -%s sent %d requests to the exported FLEXFACTOR_BASE_URL", contract.FlagReadEnv, n)
	}
	if !strings.Contains(out, "contract target: in-process flexapitest double") {
		t.Errorf("the suite without -%s did not test the embedded double:\n%s", contract.FlagReadEnv, out)
	}
	if entries, _ := os.ReadDir(reportDir); len(entries) > 0 {
		t.Errorf("the suite without -%s wrote %s into FLEXFACTOR_REPORT_DIR", contract.FlagReadEnv, entries[0].Name())
	}

	out, err = runSuite("-" + contract.FlagReadEnv)
	if err == nil {
		t.Errorf("the suite with -%s passed against a server that answers 500:\n%s", contract.FlagReadEnv, out)
	}
	if requests.Load() == 0 {
		t.Errorf("the suite with -%s sent no request to FLEXFACTOR_BASE_URL: this test could not see one:\n%s", contract.FlagReadEnv, out)
	}
}
