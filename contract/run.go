package contract

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// suiteRun is one contract run against one target: its wire client, validator,
// token and observations. The suite makes one per process.
type suiteRun struct {
	Config    config
	Wire      *WireClient
	Validator *Validator
	Observer  *observer
	Redactor  *Redactor

	token         string
	tokenExchange *Exchange
	broken        *targetError

	listingOnce sync.Once
	listing     *Exchange
	listingErr  error

	checkedMu sync.Mutex
	checked   map[*Exchange][]Failure

	// lifecycle is the keys the run made, nil when it made none.
	lifecycle *keyLifecycle
}

// newRun prepares a run against cfg.BaseURL; it sends nothing yet. The
// run's redactor knows cfg's secrets and learns the values in every
// response body the wire client receives.
func newRun(cfg config) (*suiteRun, error) {
	v, err := NewValidator(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	r := &suiteRun{
		Config:    cfg,
		Wire:      NewWireClient(cfg.BaseURL, cfg.RequestTimeout, cfg.MaxRequests),
		Validator: v,
		Observer:  NewObserver(),
		Redactor:  NewRedactor(cfg.Secrets()...),
	}
	r.Wire.onResponse = func(ex *Exchange) {
		r.Redactor.learnBody(ex.Body)
		r.Observer.RecordResponse(ex)
	}
	return r, nil
}

// Preflight gets the run's token and its shared listing, before any spec
// runs. When either fails (unreachable, timed out, TLS, 401, 404, 5xx, a
// body that is not JSON) it returns the one cause, also kept as Broken, so
// that the specs that need the target are marked not run because of it
// instead of failing one by one.
func (r *suiteRun) Preflight(ctx context.Context) *targetError {
	if err := r.Authenticate(ctx); err != nil {
		r.broken = asTargetError(tokenStep, r, err)
		return r.broken
	}
	ex, err := r.Listing(ctx)
	switch {
	case err != nil:
		r.broken = asTargetError(listingStep, r, err)
	default:
		s := listingStep
		if r.Config.UsesAppCredentials() {
			s.credentials = "the token the token call gave for " + EnvAppKey
		}
		r.broken = responseCause(s, ex, r.Config.BaseURL)
	}
	return r.broken
}

func asTargetError(s step, r *suiteRun, err error) *targetError {
	var te *targetError
	if errors.As(err, &te) {
		return te
	}
	return transportCause(s, r.Config.Host(), r.Config.RequestTimeout, err)
}

// setupRequests is the most requests the suite's setup sends one after
// another: the token, the listing, and with the lifecycle a create per type,
// a listing, the negative probes and the revoke of each key a create probe
// may wrongly make.
var setupRequests = 2 + len(createdTypes) + 1 + negativeRequests + probeCreates

// setupSlack is what the setup may take beyond its requests' timeouts.
const setupSlack = 10 * time.Second

// SetupTimeout bounds the suite's setup (Preflight and the lifecycle's
// start): each of its requests may take the whole request timeout, the
// token call included, whatever FLEXFACTOR_REQUEST_TIMEOUT says.
func (c config) SetupTimeout() time.Duration {
	return time.Duration(setupRequests)*c.RequestTimeout + setupSlack
}

// maxSetupTimeout is SetupTimeout at MaxRequestTimeout: a bound a Ginkgo
// node can be declared with before the configuration is read.
var maxSetupTimeout = config{RequestTimeout: maxRequestTimeout}.SetupTimeout()

// Broken is the cause Preflight found, or nil when the target answered.
func (r *suiteRun) Broken() *targetError { return r.broken }

// Authenticate gets the run's bearer token: the static one, or one
// exchanged for the app's credentials (one request, kept for the token
// specs to check). It fails with a *TargetError when the exchange yields
// no token, and with the wire client's error when it could not be made.
func (r *suiteRun) Authenticate(ctx context.Context) error {
	if !r.Config.UsesAppCredentials() {
		r.token = r.Config.Token
		return nil
	}
	ex, err := r.Wire.createToken(ctx, r.Config.AppKey, r.Config.AppSecret)
	if err != nil {
		return err
	}
	r.tokenExchange = ex
	if te := responseCause(tokenStep, ex, r.Config.BaseURL); te != nil {
		return te
	}
	// Into the generated answer type: encoding/json skips a member of the
	// wrong type (the token checks report it) and decodes the others, and
	// a body that is not JSON leaves the token empty.
	var body oapi.TokenResponse
	_ = json.Unmarshal(ex.Body, &body)
	if body.AccessToken == "" {
		return &targetError{Cause: "the token call answered 200 without an accessToken", Hint: "see the token checks below"}
	}
	r.token = body.AccessToken
	r.Redactor.Add(body.AccessToken)
	if body.RefreshToken != "" {
		r.Redactor.Add(body.RefreshToken)
	}
	return nil
}

// Token is the run's bearer token. Never print it.
func (r *suiteRun) Token() string { return r.token }

// TokenExchange is the token call of Authenticate, or nil when the run
// uses a static token.
func (r *suiteRun) TokenExchange() *Exchange { return r.tokenExchange }

// Listing lists the run's mid once, with the run's token, and returns the
// same exchange to every caller: the specs that look at the listing share
// one request. The first successful 200 listing is recorded in the
// observations.
func (r *suiteRun) Listing(ctx context.Context) (*Exchange, error) {
	r.listingOnce.Do(func() {
		r.listing, r.listingErr = r.Wire.ListAPIKeys(ctx, r.Config.MID, Bearer(r.token))
		if r.listingErr != nil {
			return
		}
		r.Check(r.listing)
		if r.listing.Status == 200 {
			if keys, err := decodeKeys(r.listing.Body); err == nil {
				r.Observer.RecordListing(keys)
			}
		}
	})
	if r.listingErr != nil {
		return nil, r.listingErr
	}
	return r.listing, nil
}

// SharedListing is the exchange Listing made, or nil before it.
func (r *suiteRun) SharedListing() *Exchange { return r.listing }

// Check validates ex against openapi.yaml and records its media type and
// undocumented fields. Validation is memoised per exchange, so that specs
// sharing the listing do not count its fields twice.
func (r *suiteRun) Check(ex *Exchange) []Failure {
	if ex == nil {
		return []Failure{{Where: whereRequest, Reason: "no response"}}
	}
	r.checkedMu.Lock()
	defer r.checkedMu.Unlock()
	if r.checked == nil {
		r.checked = map[*Exchange][]Failure{}
	}
	if f, ok := r.checked[ex]; ok {
		return f
	}
	failures := r.Validator.Validate(context.Background(), ex)
	r.checked[ex] = failures
	r.Observer.RecordMatch(ex, failures)
	r.Observer.RecordMediaType(ex.mediaType())
	if schema := r.Validator.ResponseSchema(ex.Operation, ex.Status); schema != nil {
		if v, err := DecodeJSON(ex.Body); err == nil {
			r.Observer.RecordUndocumented(ex.Operation, ex.Status, UndocumentedFields(schema, v))
		}
	}
	return failures
}

// Undocumented returns the undocumented fields of ex, by pointer.
func (r *suiteRun) Undocumented(ex *Exchange) map[string]int {
	schema := r.Validator.ResponseSchema(ex.Operation, ex.Status)
	v, err := DecodeJSON(ex.Body)
	if schema == nil || err != nil {
		return nil
	}
	return UndocumentedFields(schema, v)
}

// ReportData gathers what the Markdown report shows beyond the specs.
func (r *suiteRun) ReportData() report.ReportData {
	return report.ReportData{
		Target:      r.Config.String(),
		Host:        r.Config.Host(),
		SpecVersion: r.Validator.specVersion(),
		Strict:      r.Config.Strict,
		Stats:       r.Wire.stats(),
		Observed:    r.Observer.Snapshot(),
		SpecTypes:   r.Validator.enumValues("APIKeyType"),
		TableTypes:  specFacts.table,
		Notes:       r.Config.Notes,
	}
}
