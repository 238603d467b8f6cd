package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// A negativeProbe is a request openapi.yaml says the target must refuse: a create
// or revoke without a token, or with a body or an id the spec does not
// allow. Each is checked invalid against the spec before it is sent
// (Validator.requestProblem), so that a probe never sends a request the
// spec allows; the one exception says so (WellFormed).
type negativeProbe struct {
	// Key names the probe in the suite's table.
	Key string
	// Operation is the operationId the request is for.
	Operation string
	// Method and Path are the request line the generated request builder
	// makes for Operation (builtPath): Path is below the base URL,
	// escaped, "/api-keys" or "/api-keys/<id>" as openapi.yaml says today;
	// "" when the builder could not make it.
	Method string
	Path   string
	// Body is the JSON body sent, nil for none.
	Body []byte
	// Token says whether the run's token is sent; without it, no
	// Authorization header is.
	Token bool
	// Want is the status the spec documents for the refusal; 0 for any
	// answer that is not a success.
	Want int
	// WellFormed marks the probe whose request the spec cannot tell
	// invalid: a revoke of an id no key has is well-formed; only the id
	// makes it invalid.
	WellFormed bool
	// Creates says a wrong accept makes a key, which the run then revokes.
	Creates bool
	// Name is the key name a create probe sends, "" for none.
	Name string
	// Sends is what the request holds, in words, for docs and reports.
	Sends string
}

// The probes' keys, in the order they are sent.
const (
	ProbeCreateNoToken  = "a create without a token"
	ProbeCreateBadName  = "a create with a name holding <"
	ProbeCreateBadType  = "a create with a type the create page does not list"
	ProbeCreateNoMID    = "a create without a mid"
	ProbeRevokeNoToken  = "a revoke without a token"
	ProbeRevokeNoSuchID = "a revoke of an id that does not exist"
)

// negativeRequests is what the probes add to a run's requests: one each.
// A target that wrongly creates a key costs one revoke more per key, from
// a request of the budget reserved before each create probe.
const negativeRequests = 6

// probeCreates is the most keys the probes can make on a target that
// accepts every create it should refuse.
const probeCreates = 4

// unlistedType is a key type the create page does not list.
const unlistedType = "admin"

// probeKeyName is the name a create probe gives its key: a leftover is
// recognisable as the run's, what follows "-probe-" says which probe.
func probeKeyName(runID, what string) string { return "contract-" + runID + "-probe-" + what }

// noSuchKeyID is the id a run revokes to see it refused: no key has it,
// made of the run id as it is.
func noSuchKeyID(runID string) string { return "contract-" + runID + "-no-such-key" }

// probesOf are the negative and missing-auth probes of a run whose id is
// runID, for the merchant mid, in the order they are sent.
func probesOf(runID, mid string) []negativeProbe {
	createMethod, createPath := builtPath(oapi.NewCreateAPIKeyRequestWithBody(builderServer, "application/json", nil))
	revokeMethod, revokePath := builtPath(oapi.NewRevokeAPIKeyRequest(builderServer, noSuchKeyID(runID)))
	create := func(key string, body map[string]string, token bool, want int, sends string) negativeProbe {
		// Not json.Marshal: it would send the name's < as \u003c, which a
		// person reading the reproduction should not have to decode.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(body)
		b := bytes.TrimSpace(buf.Bytes())
		return negativeProbe{Key: key, Operation: report.OpCreateAPIKey, Method: createMethod, Path: createPath,
			Body: b, Token: token, Want: want, Creates: true, Name: body["name"], Sends: sends}
	}
	return []negativeProbe{
		create(ProbeCreateNoToken,
			map[string]string{"mid": mid, "name": probeKeyName(runID, "no-token"), "type": "public"}, false, http.StatusUnauthorized,
			"a valid body (a public key) and no Authorization header"),
		create(ProbeCreateBadName,
			map[string]string{"mid": mid, "name": probeKeyName(runID, "<name>"), "type": "public"}, true, http.StatusBadRequest,
			"the run's token and a public key named with < and >"),
		create(ProbeCreateBadType,
			map[string]string{"mid": mid, "name": probeKeyName(runID, "unlisted-type"), "type": unlistedType}, true, http.StatusBadRequest,
			`the run's token and the type "`+unlistedType+`"`),
		create(ProbeCreateNoMID,
			map[string]string{"name": probeKeyName(runID, "no-mid"), "type": "public"}, true, http.StatusBadRequest,
			"the run's token and a public key without mid"),
		{Key: ProbeRevokeNoToken, Operation: report.OpRevokeAPIKey, Method: revokeMethod, Path: revokePath,
			Want: http.StatusUnauthorized, Sends: "the id no key has (contract-<run id>-no-such-key) and no Authorization header"},
		{Key: ProbeRevokeNoSuchID, Operation: report.OpRevokeAPIKey, Method: revokeMethod, Path: revokePath,
			Token: true, WellFormed: true, Sends: "the run's token and the id contract-<run id>-no-such-key, which no key has"},
	}
}

// builderServer is the server the probes' requests are built for: the
// generated builders resolve the spec's path ("./api-keys") against it, so
// what they make is the path below any base URL, as the wire client's
// requests (WireClient.server) are below its base.
const builderServer = "/"

// builtPath is the method and escaped path of a request a generated
// builder made for builderServer: the spec's, so that a path change in
// openapi.yaml and go generate reach the probes as they reach the rest of
// the suite. A builder's error leaves both "", which RequestProblem
// reports and the probe is not sent.
func builtPath(req *http.Request, err error) (method, path string) {
	if err != nil || req.URL.IsAbs() || req.URL.RawQuery != "" {
		return "", ""
	}
	return req.Method, req.URL.EscapedPath()
}

// A probeOutcome is what became of one probe.
type probeOutcome struct {
	Probe    negativeProbe
	Exchange *Exchange
	// NotSent says why the probe was not sent, "" when it was.
	NotSent string
	// Problem says how the target failed the probe, "" when it refused
	// the request as the spec says (or the probe was not sent).
	Problem string
	// Stray is the key the target made although it should have refused
	// the create, nil when it made none.
	Stray *createdKey
}

// SendProbes sends every probe of the run, one after another, checks
// each request invalid against openapi.yaml first, and each answer
// against it after; a key a create probe wrongly made is revoked at once
// and joins the lifecycle's strays, for the cleanup and the report. It
// needs the lifecycle (for the run id and the strays).
func (r *suiteRun) SendProbes(ctx context.Context) []*probeOutcome {
	return r.sendProbes(ctx, probesOf(r.lifecycle.RunID, r.Config.MID))
}

// sendProbes is SendProbes of the given probes.
func (r *suiteRun) sendProbes(ctx context.Context, probes []negativeProbe) []*probeOutcome {
	var out []*probeOutcome
	for _, p := range probes {
		res := &probeOutcome{Probe: p}
		out = append(out, res)
		answered := "probe " + p.Key + ": answered"
		if problem := r.Validator.requestProblem(ctx, r.Wire.base, p); problem != "" {
			res.NotSent = problem
			r.Observer.RecordJudged(answered, "not sent: openapi.yaml allows the request")
			continue
		}
		auth := noAuth()
		if p.Token {
			auth = Bearer(r.token)
		}
		if p.Creates {
			r.Wire.reserve(1)
		}
		ex, err := r.Wire.sendProbe(ctx, p.Operation, p.Method, p.Path, p.Body, auth)
		res.Exchange = ex
		if err != nil {
			r.Observer.RecordJudged(answered, "no answer")
			res.Problem = "the request failed: " + rootMessage(err)
			if p.Creates {
				r.Wire.unreserve(1)
				if !errors.Is(err, errBudgetExceeded) {
					res.Stray = r.stray(p, nil)
				}
			}
			continue
		}
		r.Observer.RecordJudged(answered, ex.answer())
		res.Problem = r.judgeProbe(p, ex)
		if p.Creates {
			if refused(ex) {
				r.Wire.unreserve(1)
				continue
			}
			res.Stray = r.stray(p, ex)
			if res.Stray.ID == "" {
				r.Wire.unreserve(1)
			}
			r.Revoke(ctx, res.Stray)
		}
	}
	return out
}

// refused reports whether a create answer is a refusal: a 4xx, which
// makes no key. Anything else may have made one.
func refused(ex *Exchange) bool { return ex.Status >= 400 && ex.Status < 500 }

// stray records a key a create probe may have made: from its answer, or
// (ex nil: no answer) as uncertain.
func (r *suiteRun) stray(p negativeProbe, ex *Exchange) *createdKey {
	var asked struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(p.Body, &asked)
	k := &createdKey{Type: asked.Type, Name: p.Name, Probe: p.Key}
	if ex == nil {
		k.CreateProblem, k.Uncertain = "the create probe got no answer, so the key may exist", true
	} else {
		r.recordCreated(k, ex)
		if ex.Status < 500 && !k.Created {
			// A 2xx that says it failed, or a 3xx: the key may exist.
			k.Uncertain = true
		}
	}
	r.lifecycle.mu.Lock()
	r.lifecycle.Strays = append(r.lifecycle.Strays, k)
	r.lifecycle.mu.Unlock()
	return k
}

// judgeProbe says how the answer to p fails what the spec documents for
// it, or "".
func (r *suiteRun) judgeProbe(p negativeProbe, ex *Exchange) string {
	var problems []string
	switch {
	case p.Want != 0 && ex.Status != p.Want:
		problems = append(problems, fmt.Sprintf("%s; openapi.yaml documents %d for %s", ex.summary(), p.Want, p.Key))
	case p.Want == 0 && succeeded(ex):
		problems = append(problems, ex.summary()+": the target answered success to "+p.Key)
	}
	// Recorded for the observations; the body is judged with every other
	// refusal's, once for a fault they share.
	r.Check(ex)
	return strings.Join(problems, "\n")
}

// succeeded reports whether an answer says the call succeeded: a 2xx
// without success false or errors.
func succeeded(ex *Exchange) bool {
	var body struct {
		Success *bool           `json:"success"`
		Errors  json.RawMessage `json:"errors"`
	}
	_ = json.Unmarshal(ex.Body, &body)
	return ex.Status >= 200 && ex.Status <= 299 && (body.Success == nil || *body.Success) && emptyJSON(body.Errors)
}

// requestProblem checks p's request against openapi.yaml, as it would be
// sent to base, and says why it must not be sent: "" when the spec finds it
// invalid (the probe's point) or when it is WellFormed and the spec finds
// it valid. The token is checked present, not valid: a request without
// one is invalid by the operation's security.
func (v *Validator) requestProblem(ctx context.Context, base string, p negativeProbe) string {
	if p.Method == "" || p.Path == "" {
		return "the probe's request cannot be built from openapi.yaml's path"
	}
	req, err := http.NewRequestWithContext(ctx, p.Method, base+p.Path, bytes.NewReader(p.Body))
	if err != nil {
		return "the probe's request cannot be built"
	}
	if p.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.Token {
		req.Header.Set("Authorization", "Bearer probe")
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return "the probe's request matches no operation of openapi.yaml"
	}
	if route.Operation.OperationID != p.Operation {
		return "the probe's request routes to " + route.Operation.OperationID + ", not " + p.Operation
	}
	opts := &openapi3filter.Options{
		MultiError:              true,
		SchemaValidationOptions: valueFreeSchemaErrors,
		AuthenticationFunc:      bearerPresent,
	}
	err = openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route, Options: opts,
	})
	switch {
	case err == nil && !p.WellFormed:
		return "openapi.yaml allows this request, so it is no negative probe: the probe is out of date with the spec"
	case err != nil && p.WellFormed:
		return "openapi.yaml finds this request invalid, but only its id should be wrong: the probe is out of date with the spec"
	}
	return ""
}

// bearerPresent is the spec's security as far as a request's shape goes:
// an http bearer scheme needs an Authorization header of that scheme.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	scheme := in.SecurityScheme
	if scheme == nil || scheme.Type != "http" || !strings.EqualFold(scheme.Scheme, "bearer") {
		return fmt.Errorf("security scheme %s is not checked by the probes", in.SecuritySchemeName)
	}
	s, tok, ok := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(s, "Bearer") || strings.TrimSpace(tok) == "" {
		return errors.New("no bearer token")
	}
	return nil
}
