package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// Where a Failure was found.
const (
	whereRequest     = "request"
	whereStatus      = "status"
	whereContentType = "Content-Type"
	whereBody        = "body"
)

// A Failure is one way a response breaks openapi.yaml: where (status,
// Content-Type or body), a JSON pointer into the body, and why. It never
// carries a value from the response: a broken server may put a secret
// anywhere, and failures end up in reports.
type Failure struct {
	Where   string
	Pointer string
	Reason  string
}

// String renders the failure as "body /keys/0/created_at: reason".
func (f Failure) String() string {
	if f.Pointer == "" {
		return f.Where + ": " + f.Reason
	}
	return f.Where + " " + f.Pointer + ": " + f.Reason
}

// Validator checks captured responses against openapi.yaml with
// kin-openapi. It validates the bytes that came off the wire, never
// re-encoded structs: the generated structs drop unknown fields and
// zero-fill missing ones, which would hide exactly what the suite looks for.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

// NewValidator loads the embedded openapi.yaml and routes requests to base,
// the target's base URL with /v1. The spec's servers name FlexFactor's
// hosts; they are replaced by base so that a loopback double or any other
// host routes to the same operations.
func NewValidator(base string) (*Validator, error) {
	// A document of its own: its servers change.
	doc, err := spec.Load()
	if err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	doc.Servers = openapi3.Servers{{URL: strings.TrimSuffix(base, "/")}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("contract: route openapi.yaml: %w", err)
	}
	return &Validator{doc: doc, router: router}, nil
}

// specVersion is info.version of openapi.yaml.
func (v *Validator) specVersion() string { return v.doc.Info.Version }

// Validate checks ex against the operation its request routes to: the
// status must be documented, the media type declared for it, and the body
// valid against its schema, formats included. It returns every failure, or
// none for a valid response.
func (v *Validator) Validate(ctx context.Context, ex *Exchange) []Failure {
	route, params, err := v.router.FindRoute(ex.Request)
	if err != nil {
		return []Failure{{Where: whereRequest, Reason: "the request matches no operation of openapi.yaml"}}
	}
	op := route.Operation
	if op.Responses.Status(ex.Status) == nil && op.Responses.Default() == nil {
		return []Failure{{Where: whereStatus, Reason: fmt.Sprintf(
			"status %d is not documented for %s (documented: %s)",
			ex.Status, op.OperationID, strings.Join(documentedStatuses(op), ", "))}}
	}
	response := op.Responses.Status(ex.Status)
	if response == nil {
		response = op.Responses.Default()
	}
	if content := response.Value.Content; len(content) > 0 {
		mediaType := ex.mediaType()
		if content.Get(mediaType) == nil {
			return []Failure{{Where: whereContentType, Reason: fmt.Sprintf(
				"media type %s is not documented for %s %d (documented: %s)",
				printableMediaType(mediaType), op.OperationID, ex.Status, strings.Join(sortedKeys(content), ", "))}}
		}
		if strings.HasSuffix(mediaType, "json") {
			if failure, ok := checkJSON(ex.Body); !ok {
				return []Failure{failure}
			}
		}
	}

	opts := validationOptions()
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    ex.Request,
			PathParams: params,
			Route:      route,
			Options:    opts,
		},
		Status:  ex.Status,
		Header:  ex.Header,
		Body:    io.NopCloser(bytes.NewReader(ex.Body)),
		Options: opts,
	}
	if err := openapi3filter.ValidateResponse(ctx, input); err != nil {
		return failuresOf(err)
	}
	return nil
}

// ResponseSchema is the schema openapi.yaml declares for operation's
// status as JSON, or nil.
func (v *Validator) ResponseSchema(operationID string, status int) *openapi3.Schema {
	return spec.ResponseSchema(spec.Operation(v.doc, operationID), status)
}

// enumValues is the enum of the named component schema, e.g. APIKeyType.
func (v *Validator) enumValues(component string) []string {
	ref, ok := v.doc.Components.Schemas[component]
	if !ok || ref.Value == nil {
		return nil
	}
	var values []string
	for _, e := range ref.Value.Enum {
		if s, ok := e.(string); ok {
			values = append(values, s)
		}
	}
	return values
}

func documentedStatuses(op *openapi3.Operation) []string {
	var codes []string
	for code := range op.Responses.Map() {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	return codes
}

func sortedKeys[V any](m map[string]V) []string {
	keys := mapsKeys(m)
	slices.Sort(keys)
	return keys
}

func mapsKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// printableMediaType keeps a hostile Content-Type from carrying anything
// but a short media type into a report.
func printableMediaType(mt string) string {
	if mt == "" {
		return "(none)"
	}
	if len(mt) > 64 || strings.ContainsFunc(mt, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return "(unprintable)"
	}
	return mt
}

// checkJSON reports a body that is not one well-formed JSON value, with the
// byte offset of the problem but none of the body.
func checkJSON(body []byte) (Failure, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Failure{Where: whereBody, Reason: "the body is empty, not JSON"}, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var v any
	if err := dec.Decode(&v); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return Failure{Where: whereBody, Reason: fmt.Sprintf("the body is not valid JSON (syntax error at byte %d)", syntax.Offset)}, false
		}
		return Failure{Where: whereBody, Reason: "the body is not valid JSON (it ends too early)"}, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return Failure{Where: whereBody, Reason: "the body holds more than one JSON value"}, false
	}
	return Failure{}, true
}

// valueFreeSchemaErrors tells kin-openapi not to append the schema and the
// offending value to every schema error's message, which it does unless
// told not to.
var valueFreeSchemaErrors = []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}

// validationOptions are kin-openapi's options for a response check. Two
// layers keep values out of what the suite prints: these options make
// kin-openapi's own error text value-free, and failuresOf builds failures
// from the fixed parts of its errors (spec.Reason) rather than from that
// text.
func validationOptions() *openapi3filter.Options {
	opts := &openapi3filter.Options{
		IncludeResponseStatus:   true,
		MultiError:              true,
		SchemaValidationOptions: valueFreeSchemaErrors,
	}
	opts.WithCustomSchemaErrorFunc(spec.Reason)
	return opts
}

// failuresOf flattens kin-openapi's error tree into failures, one per
// schema error, each with its JSON pointer and a reason free of values.
func failuresOf(err error) []Failure {
	var out []Failure
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *openapi3.SchemaError:
			out = append(out, Failure{Where: whereBody, Pointer: jsonPointer(e.JSONPointer()), Reason: spec.Reason(e)})
		case openapi3.MultiError:
			for _, inner := range e {
				walk(inner)
			}
		case *openapi3filter.ResponseError:
			before := len(out)
			walk(e.Err)
			if len(out) == before {
				out = append(out, Failure{Where: whereBody, Reason: responseReason(e)})
			}
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			before := len(out)
			walk(e.Unwrap())
			if len(out) == before {
				out = append(out, Failure{Where: whereBody, Reason: "the response does not match openapi.yaml"})
			}
		default:
			out = append(out, Failure{Where: whereBody, Reason: "the response does not match openapi.yaml"})
		}
	}
	walk(err)
	return out
}

// responseReason keeps the fixed part of a ResponseError: its Reason is
// written by kin-openapi from the spec, except the Content-Type one, which
// quotes the header and is caught before validation.
func responseReason(e *openapi3filter.ResponseError) string {
	switch {
	case e.Reason == "status is not supported":
		return "the status is not documented"
	case strings.HasPrefix(e.Reason, "response body doesn't match schema"):
		return "the body does not match its schema"
	case strings.HasPrefix(e.Reason, "failed to decode"):
		return "the body could not be decoded"
	default:
		return "the response does not match openapi.yaml"
	}
}

// jsonPointer renders an RFC 6901 pointer.
func jsonPointer(tokens []string) string {
	if len(tokens) == 0 {
		return "/"
	}
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// An Exchange is one request and its response as captured from the wire.
type Exchange struct {
	Operation string
	// Request is the request sent; its body, if any, is consumed.
	Request *http.Request
	Status  int
	Header  http.Header
	// Body is the raw response body, at most MaxBody bytes.
	Body []byte
	// Attempts is how many connections the transport used for it: more
	// than one means it retried.
	Attempts int
	// RequestBody is the body sent, where the sender kept it (the create
	// and the probes' requests), for the reproduction of a failure.
	RequestBody []byte
}

// mediaType is the response's media type without parameters, lower case,
// or "" when Content-Type is missing or unparsable.
func (ex *Exchange) mediaType() string {
	mt, _, err := mime.ParseMediaType(ex.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return strings.ToLower(mt)
}

// answer is "200 application/json": the status and the media type, as
// observations record them.
func (ex *Exchange) answer() string {
	return strconv.Itoa(ex.Status) + " " + printableMediaType(ex.mediaType())
}

// GomegaString keeps Gomega from printing the request's Authorization
// header or the body in a failure message.
func (ex *Exchange) GomegaString() string {
	if ex == nil {
		return "<no exchange>"
	}
	return ex.summary()
}

// summary is "GET /v1/api-keys/mid_123456 -> 200 application/json, 312 bytes".
func (ex *Exchange) summary() string {
	return ex.call() + " " + printableMediaType(ex.mediaType()) + ", " + strconv.Itoa(len(ex.Body)) + " bytes"
}

// call is "GET /v1/api-keys/mid_123456 -> 200".
func (ex *Exchange) call() string {
	path := ""
	if ex.Request != nil && ex.Request.URL != nil {
		path = ex.Request.Method + " " + (&url.URL{Path: ex.Request.URL.Path, RawPath: ex.Request.URL.RawPath}).EscapedPath() + " -> "
	}
	return path + strconv.Itoa(ex.Status)
}

// failuresByCall checks each answer and lists each failure once, with the
// calls that answered it: "body /errors: ... (GET /v1/api-keys/mid_1 -> 401,
// DELETE /v1/api-keys/key_1 -> 401)". A fault seen on several calls is one
// line, not one failure per call.
func failuresByCall(exs []*Exchange, check func(*Exchange) []Failure) []string {
	var order []string
	calls := map[string][]string{}
	for _, ex := range exs {
		for _, f := range check(ex) {
			k := f.String()
			if _, seen := calls[k]; !seen {
				order = append(order, k)
			}
			if c := ex.call(); !slices.Contains(calls[k], c) {
				calls[k] = append(calls[k], c)
			}
		}
	}
	out := make([]string, len(order))
	for i, k := range order {
		out[i] = k + " (" + strings.Join(calls[k], ", ") + ")"
	}
	return out
}
