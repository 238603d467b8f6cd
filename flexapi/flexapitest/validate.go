package flexapitest

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// requestValidator checks every request against openapi.yaml: each route's
// operation is the one the generated handler matched (see newRouter), and
// its path parameters are the values ServeMux matched, one escaped segment
// each, so that a mid holding "%2F" stays one segment.
type requestValidator struct {
	routes  map[Route]*routers.Route
	options *openapi3filter.Options
	// params are the names of each route's path parameters, in the spec.
	params map[Route][]string
	// byPath holds the routes whose every parameter is in the path and
	// which take no body: with authentication left to the double, whether
	// such a request is valid depends on its path parameters alone, so the
	// path parameters of a valid one are remembered (at most maxValidPaths
	// in all) and not checked again. kin-openapi's check is most of the CPU
	// a list call costs the double otherwise.
	byPath map[Route]*sync.Map // path parameter's value -> struct{}
	// byBody holds the routes that take a body and no parameter: whether
	// such a request is valid depends on its Content-Type and body alone,
	// so those of a valid one are remembered, by a keyed 64-bit hash (no
	// body, and so no AppSecret, is kept), and not checked again. A clash
	// of hashes would skip the spec's check of one body, never the
	// handler's own (the token and create calls check their bodies
	// themselves), at a 2^-64 chance per body remembered.
	byBody map[Route]*sync.Map // hash of Content-Type and body -> struct{}
	seed   maphash.Seed
	// remembered counts each route's valid paths or bodies, so that one
	// route's (revoke's ids, each used once) cannot use up another's.
	remembered map[Route]*atomic.Int64
}

// maxValidPaths bounds the valid paths or bodies remembered per route.
const maxValidPaths = 4096

// maxRememberedPath is the longest path parameter whose validity is
// remembered: the values are kept as they are, and the spec bounds no
// mid's length, so that maxValidPaths alone would let a load of long mids
// hold gigabytes.
const maxRememberedPath = 256

// maxRememberedBody is the largest body whose validity is remembered.
const maxRememberedBody = 4 << 10

func newRequestValidator(routes map[Route]specRoute, doc *openapi3.T) *requestValidator {
	v := &requestValidator{
		routes:     map[Route]*routers.Route{},
		params:     map[Route][]string{},
		byPath:     map[Route]*sync.Map{},
		byBody:     map[Route]*sync.Map{},
		remembered: map[Route]*atomic.Int64{},
		seed:       maphash.MakeSeed(),
		options:    checkOptions(),
	}
	for route, sr := range routes {
		v.routes[route] = sr.kinRoute(doc)
		v.remembered[route] = new(atomic.Int64)
		for _, params := range []openapi3.Parameters{sr.item.Parameters, sr.op.Parameters} {
			for _, p := range params {
				if p.Value != nil && p.Value.In == openapi3.ParameterInPath {
					v.params[route] = append(v.params[route], p.Value.Name)
				}
			}
		}
		switch {
		case pathOnly(sr.item, sr.op):
			v.byPath[route] = &sync.Map{}
		case bodyOnly(sr.item, sr.op):
			v.byBody[route] = &sync.Map{}
		}
	}
	return v
}

// pathOnly reports whether the operation takes no body and at most one
// parameter, in the path.
func pathOnly(item *openapi3.PathItem, op *openapi3.Operation) bool {
	if op.RequestBody != nil {
		return false
	}
	n := 0
	for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, p := range params {
			if p.Value == nil || p.Value.In != openapi3.ParameterInPath {
				return false
			}
			n++
		}
	}
	return n <= 1
}

// bodyOnly reports whether the operation takes a body and no parameter.
func bodyOnly(item *openapi3.PathItem, op *openapi3.Operation) bool {
	return op.RequestBody != nil && len(item.Parameters) == 0 && len(op.Parameters) == 0
}

// check validates r, a request of route, and returns the 400 answer for a
// request that does not match, nil otherwise: the ModelState body of
// FlexFactor's errors page, each invalid field named (a body too large for
// the double answers 413). A request whose path or body is known valid
// costs a lookup.
func (v *requestValidator) check(r *http.Request, route Route) *response {
	if r.ContentLength > maxBody {
		return errorResponse(http.StatusRequestEntityTooLarge, "The request body is too large.")
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
	}
	// The path parameter of a route in byPath is its only one.
	var value string
	if names := v.params[route]; len(names) == 1 {
		value = r.PathValue(names[0])
	}
	valid, key := v.byPath[route], any(value)
	switch {
	case valid == nil:
		valid, key = v.bodyKey(r, route)
	case len(value) > maxRememberedPath:
		valid = nil // checked every time, never kept
	}
	if valid != nil {
		if _, ok := valid.Load(key); ok {
			return nil
		}
	}
	var params map[string]string
	for _, name := range v.params[route] {
		if params == nil {
			params = map[string]string{}
		}
		params[name] = r.PathValue(name)
	}
	err := openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      v.routes[route],
		Options:    v.options,
	})
	if err == nil {
		if valid != nil && v.remembered[route].Add(1) <= maxValidPaths {
			valid.Store(key, struct{}{})
		}
		return nil
	}
	if tooLarge(err) {
		return errorResponse(http.StatusRequestEntityTooLarge, "The request body is too large.")
	}
	return modelStateResponse(validationFields(err))
}

// tooLarge reports whether a validation error is the body's read past
// maxBody: kin-openapi's RequestError does not unwrap, so errors.As alone
// does not find it.
func tooLarge(err error) bool {
	var tooBig *http.MaxBytesError
	switch e := err.(type) {
	case openapi3.MultiError:
		return slices.ContainsFunc(e, tooLarge)
	case *openapi3filter.RequestError:
		return errors.As(e.Err, &tooBig)
	}
	return errors.As(err, &tooBig)
}

// bodyKey reads a small body of a route in byBody, puts it back for the
// validator and the handler, and returns the route's remembered bodies and
// the body's key; nil for another route or a body too large or unreadable.
func (v *requestValidator) bodyKey(r *http.Request, route Route) (*sync.Map, any) {
	bodies := v.byBody[route]
	if bodies == nil || r.Body == nil || r.ContentLength < 0 || r.ContentLength > maxRememberedBody {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRememberedBody+1))
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil || len(body) > maxRememberedBody {
		return nil, nil
	}
	var h maphash.Hash
	h.SetSeed(v.seed)
	_, _ = h.WriteString(r.Header.Get("Content-Type"))
	_ = h.WriteByte(0)
	_, _ = h.Write(body)
	return bodies, h.Sum64()
}

// validationFields turns a validation error into the invalid fields, each
// with messages that say why, never with a value from the request. A body
// field is named by its JSON path ("AppKey"), a parameter by its name, and a
// problem with the body as a whole by bodyField.
func validationFields(err error) fieldErrors {
	out := fieldErrors{}
	var walk func(error)
	walk = func(err error) {
		// Switch on the types themselves: errors.As would look through a
		// RequestError into the MultiError it wraps and lose the "where".
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, item := range e {
				walk(item)
			}
		case *openapi3filter.RequestError:
			param := ""
			if e.Parameter != nil {
				param = e.Parameter.Name
			}
			if inner, ok := e.Err.(openapi3.MultiError); ok {
				for _, item := range inner {
					describe(out, param, item, e.Reason)
				}
				return
			}
			describe(out, param, e.Err, e.Reason)
		default:
			describe(out, "", err, "")
		}
	}
	walk(err)
	if len(out) == 0 {
		out.add(bodyField, "The request does not match the API's specification.")
	}
	return out
}

// describe adds what is wrong, from a schema error's pointer and reason or a
// parse error's kind, under its field: param for a parameter, else the
// schema error's JSON path, else bodyField. reason is the request error's
// own.
func describe(out fieldErrors, param string, err error, reason string) {
	var schemaErr *openapi3.SchemaError
	if errors.As(err, &schemaErr) {
		field := param
		if field == "" {
			field = strings.Join(schemaErr.JSONPointer(), ".")
		}
		if field == "" {
			field = bodyField
		}
		name := "The " + field + " field"
		if field == bodyField {
			name = "The request body"
		}
		switch {
		case schemaErr.SchemaField == "required",
			schemaErr.SchemaField == "minLength" && schemaErr.Value == "":
			// ASP.NET's [Required] wording, which also covers "".
			out.add(field, name+" is required.")
		case schemaErr.SchemaField == "nullable" && field != bodyField:
			// A null member is a missing one to ASP.NET's [Required].
			out.add(field, name+" is required.")
		case (schemaErr.SchemaField == "type" || schemaErr.SchemaField == "nullable") &&
			schemaErr.Schema != nil && schemaErr.Schema.Type != nil:
			out.add(field, fmt.Sprintf("%s must be a JSON %s.", name, strings.Join(schemaErr.Schema.Type.Slice(), " or ")))
		default:
			out.add(field, fmt.Sprintf("%s does not match the specification: %s.", name, spec.Reason(schemaErr)))
		}
		return
	}
	field, name := bodyField, "The request body"
	if param != "" {
		field, name = param, fmt.Sprintf("The %s parameter", param)
	}
	var parseErr *openapi3filter.ParseError
	switch {
	case errors.As(err, &parseErr):
		out.add(field, name+" is not valid JSON.")
	case errors.Is(err, openapi3filter.ErrInvalidRequired) && param == "":
		out.add(field, "A non-empty request body is required.")
	case errors.Is(err, openapi3filter.ErrInvalidRequired):
		out.add(field, name+" is required.")
	case errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
		out.add(field, name+" must not be empty.")
	case strings.HasPrefix(reason, "header Content-Type has unexpected value"):
		out.add(field, name+" must be sent as application/json.")
	default:
		out.add(field, name+" does not match the specification.")
	}
}
