package flexapitest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

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
}

func newRequestValidator(routes map[Route]specRoute, doc *openapi3.T) *requestValidator {
	v := &requestValidator{
		routes:  map[Route]*routers.Route{},
		params:  map[Route][]string{},
		options: checkOptions(),
	}
	for route, sr := range routes {
		v.routes[route] = sr.kinRoute(doc)
		for _, params := range []openapi3.Parameters{sr.item.Parameters, sr.op.Parameters} {
			for _, p := range params {
				if p.Value != nil && p.Value.In == openapi3.ParameterInPath {
					v.params[route] = append(v.params[route], p.Value.Name)
				}
			}
		}
	}
	return v
}

// pathParam is the value of route's path parameter in r: the route's only
// one ("" for a route without one).
func (s *Server) pathParam(route Route, r *http.Request) string {
	if names := s.validator.params[route]; len(names) == 1 {
		return r.PathValue(names[0])
	}
	return ""
}

// check validates r, a request of route, and returns the 400 answer for a
// request that does not match, nil otherwise: the ModelState body of
// FlexFactor's errors page, each invalid field named (a body too large for
// the double answers 413).
func (v *requestValidator) check(r *http.Request, route Route) *response {
	if r.ContentLength > maxBody {
		return errorResponse(http.StatusRequestEntityTooLarge, "The request body is too large.")
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
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
