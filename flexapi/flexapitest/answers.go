package flexapitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// encodeAs encodes v, a generated model of the spec's schema name, the way
// FlexFactor's pages show it: every property that may be null and that v
// leaves out is sent as null (the generated types omit an unset pointer;
// the failure examples spell "value": null out), and the members come in
// the order of the schema's required list, the pages' field order (the
// generated types' is alphabetical), the others after them.
func encodeAs(name string, v any) []byte {
	b, _ := json.Marshal(v)
	doc, err := spec.Doc()
	if err != nil {
		return b
	}
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return b
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil {
		return b
	}
	for prop, s := range ref.Value.Properties {
		if _, ok := obj[prop]; !ok && allowsNull(s) {
			obj[prop] = json.RawMessage("null")
		}
	}
	out := make([]byte, 0, len(b)+64)
	out = append(out, '{')
	member := func(k string) {
		if len(out) > 1 {
			out = append(out, ',')
		}
		kb, _ := json.Marshal(k)
		out = append(append(append(out, kb...), ':'), obj[k]...)
		delete(obj, k)
	}
	for _, k := range ref.Value.Required {
		if _, ok := obj[k]; ok {
			member(k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		member(k)
	}
	return append(out, '}')
}

// allowsNull reports whether the schema allows null: nullable, or an anyOf
// (oneOf) of which one does, or an allOf of which all do (the spec's
// AnyValue, through a property's allOf).
func allowsNull(ref *openapi3.SchemaRef) bool {
	if ref == nil || ref.Value == nil {
		return false
	}
	s := ref.Value
	if s.Nullable {
		return true
	}
	for _, alts := range [][]*openapi3.SchemaRef{s.AnyOf, s.OneOf} {
		for _, sub := range alts {
			if allowsNull(sub) {
				return true
			}
		}
	}
	if len(s.AllOf) == 0 {
		return false
	}
	for _, sub := range s.AllOf {
		if !allowsNull(sub) {
			return false
		}
	}
	return true
}

// withMember adds the string member name to the end of raw, a JSON object
// encodeAs made: a field no schema has, for the deliberate breaks of a
// self-test.
func withMember(raw []byte, name, value string) []byte {
	if len(raw) < 2 || raw[len(raw)-1] != '}' {
		return raw
	}
	k, _ := json.Marshal(name)
	v, _ := json.Marshal(value)
	out := append(bytes.Clone(raw[:len(raw)-1]), ',')
	out = append(append(append(out, k...), ':'), v...)
	return append(out, '}')
}

// checkOptions are kin-openapi's options of the double's checks: every
// problem, not the first; the token left to the double, which answers 401
// with the documented body; the response's status checked too; and no
// value in any error (schema error details off), for request bodies carry
// the AppSecret and answers tokens and key values.
func checkOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		MultiError:              true,
		IncludeResponseStatus:   true,
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
	}
}

// kinRoute is the route as kin-openapi's checks take it.
func (sr specRoute) kinRoute(doc *openapi3.T) *routers.Route {
	return &routers.Route{Spec: doc, Path: sr.path, PathItem: sr.item, Method: sr.method, Operation: sr.op}
}

// answerValidator checks the double's faithful answers against
// openapi.yaml (WithResponseValidation): status, Content-Type and body. It
// runs before a fault changes the answer, so that a fault still sends what
// it was asked to, broken on purpose; an answer that fails is replaced by a
// 500 that names what is wrong, and the error log says so too.
type answerValidator struct {
	routes   map[Route]*routers.Route
	options  *openapi3filter.Options
	errorLog func(format string, args ...any)
}

func newAnswerValidator(routes map[Route]specRoute, doc *openapi3.T, logf func(string, ...any)) *answerValidator {
	v := &answerValidator{routes: map[Route]*routers.Route{}, errorLog: logf, options: checkOptions()}
	for route, sr := range routes {
		v.routes[route] = sr.kinRoute(doc)
	}
	return v
}

// check returns resp when it matches the spec, else a 500 saying why.
func (v *answerValidator) check(r *http.Request, route Route, resp *response) *response {
	rt := v.routes[route]
	if rt == nil {
		return resp
	}
	err := openapi3filter.ValidateResponse(r.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, Route: rt, Options: v.options},
		Status:                 resp.status,
		Header:                 resp.headers(),
		Body:                   io.NopCloser(bytes.NewReader(resp.body)),
		Options:                v.options,
	})
	if err == nil {
		return resp
	}
	why := answerProblems(err)
	v.errorLog("flexapitest: the %s answer (%d) does not match openapi.yaml: %s", route, resp.status, why)
	return errorResponse(http.StatusInternalServerError, "flexapitest: the double's answer does not match openapi.yaml: "+why+".")
}

// answerProblems says what is wrong with an answer, each schema problem by
// its JSON path and reason, never with a value (schema error details are
// off, and no error's own text is used when it may quote one).
func answerProblems(err error) string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, item := range e {
				walk(item)
			}
			return
		case *openapi3filter.ResponseError:
			if e.Err != nil {
				before := len(out)
				walk(e.Err)
				if len(out) > before {
					return
				}
			}
			out = append(out, e.Reason)
			return
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			where := strings.Join(se.JSONPointer(), "/")
			if where == "" {
				where = "the body"
			}
			out = append(out, where+": "+spec.Reason(se))
			return
		}
		var pe *openapi3filter.ParseError
		if errors.As(err, &pe) {
			out = append(out, "the body is not valid JSON")
			return
		}
		out = append(out, "it does not match the operation's responses")
	}
	walk(err)
	return strings.Join(out, "; ")
}
