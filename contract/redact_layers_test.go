package contract

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// The redactor is layered: the suite never prints a value, the run teaches
// its redactor every secret it meets, and every writer redacts. The canary
// runs of the self-test pass as long as one layer holds, so each layer is
// proven here on its own: each test fails when its layer alone is removed.

// hides fails t for each canary that survives red.
func hides(t *testing.T, red *Redactor, where string, canaries ...string) {
	t.Helper()
	for _, c := range canaries {
		if got := red.Redact("a " + c + " b"); strings.Contains(got, c) {
			t.Errorf("%s: the redactor does not hide %s: %q", where, c, got)
		}
	}
}

func TestConfigSecretsNameEverySecretOfTheConfiguration(t *testing.T) {
	cfg := config{Token: "CANARYtoken001", AppKey: "CANARYappkey01", AppSecret: "CANARYsecret01",
		BaseURL: "https://CANARYuser01:CANARYpass01@host.test/v1?api_key=CANARYquery01"}
	hides(t, NewRedactor(cfg.Secrets()...), "Config.Secrets",
		"CANARYtoken001", "CANARYappkey01", "CANARYsecret01", "CANARYuser01", "CANARYpass01", "CANARYquery01")
}

func TestConfigStringShowsNoSecretWithoutTheRedactor(t *testing.T) {
	cfg := config{Mode: modeLive, AppKey: "CANARYappkey01", AppSecret: "CANARYsecret01", MID: "m",
		BaseURL: "https://CANARYuser01:CANARYpass01@host.test/v1?api_key=CANARYquery01#CANARYfrag01"}
	s := cfg.String()
	for _, c := range []string{"CANARYappkey01", "CANARYa", "CANARYsecret01", "CANARYuser01", "CANARYpass01", "CANARYquery01", "CANARYfrag01"} {
		if strings.Contains(s, c) {
			t.Errorf("Config.String shows %s: %q", c, s)
		}
	}
}

func TestALongerSecretHoldingAShorterOneIsHiddenWhole(t *testing.T) {
	red := NewRedactor("CANARYshort1", "CANARYshort1-and-its-tail")
	if got := red.Redact("x CANARYshort1-and-its-tail y"); strings.Contains(got, "its-tail") {
		t.Errorf("a part of the longer secret shows: %q", got)
	}
}

func TestTheUserOfABaseURLIsASecretOnItsOwn(t *testing.T) {
	red := NewRedactor()
	red.addURL("https://CANARYuser01:CANARYpass01@host.test/v1")
	hides(t, red, "AddURL", "CANARYuser01")
}

func TestACreateAnswersValueIsLearnt(t *testing.T) {
	body := []byte(`{"id":"key_1","mid":"m","name":"n","type":"secret","value":"CANARYcreated001","scopes":[],"created_at":"2026-01-01T00:00:00Z","errors":[]}`)
	red := NewRedactor()
	red.learnBody(body)
	hides(t, red, "LearnBody of a create answer", "CANARYcreated001")

	// The lifecycle registers it too, whoever else did.
	r := &suiteRun{Redactor: NewRedactor()}
	r.recordCreated(&createdKey{Type: "secret", Name: "n"}, &Exchange{Operation: report.OpCreateAPIKey, Status: 201, Body: body})
	hides(t, r.Redactor, "recordCreated", "CANARYcreated001")
}

// tokenServer answers the token call with canary tokens and the listing
// with a canary key value.
func tokenServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			_, _ = w.Write([]byte(`{"accessToken":"CANARYaccess0001","refreshToken":"CANARYrefresh001","expires":1}`))
			return
		}
		_, _ = w.Write([]byte(`{"keys":[{"name":"n","type":"secret","created_at":"2026-01-01T00:00:00Z","last_used":null,"last_four":"0001","value":"CANARYlisted0001"}]}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAuthenticateTeachesTheRedactorTheTokens(t *testing.T) {
	srv := tokenServer(t)
	// No OnResponse: Authenticate's own registration alone.
	r := &suiteRun{Config: config{BaseURL: srv.URL + "/v1", AppKey: "k", AppSecret: "s"},
		Wire: NewWireClient(srv.URL+"/v1", 5*time.Second, 5), Redactor: NewRedactor()}
	if err := r.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	hides(t, r.Redactor, "Authenticate", "CANARYaccess0001", "CANARYrefresh001")
}

func TestARunsRedactorLearnsFromEveryResponse(t *testing.T) {
	srv := tokenServer(t)
	r, err := newRun(config{BaseURL: srv.URL + "/v1", RequestTimeout: 5 * time.Second, MaxRequests: 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Wire.ListAPIKeys(context.Background(), "m", Bearer("t")); err != nil {
		t.Fatal(err)
	}
	hides(t, r.Redactor, "NewRun's wire client", "CANARYlisted0001")
}

// failedReport is a run whose one failure message carries a canary.
func failedReport() types.Report {
	return types.Report{SuiteDescription: "s", SpecReports: types.SpecReports{{
		LeafNodeType: types.NodeTypeIt, LeafNodeText: "a check", ContainerHierarchyTexts: []string{"A thing"},
		State: types.SpecStateFailed, Failure: types.Failure{Message: "leaked CANARYinmessage01"},
	}}}
}

func TestTheJUnitFileGoesThroughTheRedactor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := report.WriteJUnit(path, failedReport(), NewRedactor("CANARYinmessage01")); err != nil {
		t.Fatal(err)
	}
	fileHidesTheCanary(t, path)
}

func TestTheMarkdownReportGoesThroughTheRedactor(t *testing.T) {
	d := report.ReportData{SpecVersion: "0.2.0", Observed: NewObserver().Snapshot(),
		Verdict: report.Verdict{Kind: report.VerdictFailed, Why: "1 check", ReadFirst: "A thing › a check: leaked CANARYinmessage01"}}
	path, err := report.WriteReportFile(t.TempDir(), failedReport(), d, NewRedactor("CANARYinmessage01"))
	if err != nil {
		t.Fatal(err)
	}
	fileHidesTheCanary(t, path)
}

// fileHidesTheCanary fails unless the file at path shows failedReport's
// canary redacted.
func fileHidesTheCanary(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("CANARYinmessage01")) || !bytes.Contains(b, []byte(redacted)) {
		t.Errorf("%s carries a secret the redactor knows:\n%s", filepath.Base(path), b)
	}
}

// TestAReproductionEntryGoesThroughTheRedactor: a failed check's curl
// commands reach its report entries redacted, whatever its request
// carried: a value the run learnt, in the URL and in the body sent.
func TestAReproductionEntryGoesThroughTheRedactor(t *testing.T) {
	const canary = "CANARYreproduce01"
	req, err := http.NewRequest(http.MethodDelete, "http://127.0.0.1:9/v1/api-keys/"+canary, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	ex := &Exchange{Operation: report.OpRevokeAPIKey, Request: req, RequestBody: []byte(`{"name":"` + canary + `"}`)}
	// Curl itself keeps the canary, in both places: only the redactor
	// hides it.
	if c := curl(ex, "tok", "app"); strings.Count(c, canary) != 2 {
		t.Fatalf("the command does not carry the request's canary twice, so the test proves nothing: %s", c)
	}
	entries := reproduceEntries([]*Exchange{ex, ex}, "tok", "app", NewRedactor(canary))
	if len(entries) != 1 {
		t.Fatalf("%d entries for one exchange judged twice: %q", len(entries), entries)
	}
	if strings.Contains(entries[0], canary) || !strings.Contains(entries[0], redacted) {
		t.Errorf("the reproduction entry carries a secret the redactor knows: %s", entries[0])
	}
}
