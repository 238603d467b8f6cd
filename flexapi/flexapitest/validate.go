package flexapitest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	apikeys "github.com/flexcontract/flexfactor-apikeys"
)

// requestValidator checks requests against openapi.yaml. The double routes
// requests itself (see match), so it looks up each route's operation once and
// hands the path parameters over, rather than asking a kin-openapi router,
// which matches unescaped paths and would split a mid holding "%2F".
type requestValidator struct {
	routes  map[Route]*routers.Route
	options *openapi3filter.Options
}

func newRequestValidator() (*requestValidator, error) {
	doc, err := loadSpec()
	if err != nil {
		return nil, err
	}
	v := &requestValidator{
		routes: map[Route]*routers.Route{},
		options: &openapi3filter.Options{
			MultiError: true,
			// The double checks tokens itself, answering 401 with the
			// documented body; the validator checks only the request's shape.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			// Request bodies carry the AppSecret: keep values out of errors.
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	}
	for route, op := range map[Route]struct{ method, path string }{
		RouteToken: {http.MethodPost, "/oauth2/token"},
		RouteList:  {http.MethodGet, "/api-keys/{mid}"},
	} {
		item := doc.Paths.Value(op.path)
		if item == nil || item.GetOperation(op.method) == nil {
			return nil, fmt.Errorf("flexapitest: openapi.yaml has no %s %s", op.method, op.path)
		}
		v.routes[route] = &routers.Route{
			Spec: doc, Path: op.path, PathItem: item,
			Method: op.method, Operation: item.GetOperation(op.method),
		}
	}
	return v, nil
}

// loadSpec loads and validates the embedded openapi.yaml.
func loadSpec() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(apikeys.OpenAPISpec)
	if err != nil {
		return nil, fmt.Errorf("flexapitest: load openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("flexapitest: openapi.yaml is invalid: %w", err)
	}
	return doc, nil
}

// check validates r, a request of route with the given path parameters, and
// returns the 400 answer for a request that does not match, nil otherwise.
func (v *requestValidator) check(r *http.Request, route Route, params map[string]string) *response {
	err := openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      v.routes[route],
		Options:    v.options,
	})
	if err == nil {
		return nil
	}
	return errorResponse(http.StatusBadRequest, validationMessages(err)...)
}

// validationMessages turns a validation error into messages that say where
// and why, never with a value from the request.
func validationMessages(err error) []string {
	var out []string
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
			where := "The request"
			switch {
			case e.Parameter != nil:
				where = fmt.Sprintf("The %s parameter %q", e.Parameter.In, e.Parameter.Name)
			case e.RequestBody != nil:
				where = "The request body"
			}
			if inner, ok := e.Err.(openapi3.MultiError); ok {
				for _, item := range inner {
					out = append(out, describe(where, item, e.Reason))
				}
				return
			}
			out = append(out, describe(where, e.Err, e.Reason))
		default:
			out = append(out, describe("The request", err, ""))
		}
	}
	walk(err)
	if len(out) == 0 {
		out = []string{"The request does not match the API's specification."}
	}
	return out
}

// describe says what is wrong at where, from a schema error's pointer and
// reason, or a parse error's kind; reason is the request error's own.
func describe(where string, err error, reason string) string {
	var schemaErr *openapi3.SchemaError
	if errors.As(err, &schemaErr) {
		at := "/" + strings.Join(schemaErr.JSONPointer(), "/")
		why := schemaErr.Reason
		if why == "" {
			why = fmt.Sprintf("it fails the schema's %q", schemaErr.SchemaField)
		}
		return fmt.Sprintf("%s does not match the specification at %s: %s.", where, at, why)
	}
	var parseErr *openapi3filter.ParseError
	if errors.As(err, &parseErr) {
		return where + " is not valid JSON."
	}
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired):
		return where + " is required but missing."
	case errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
		return where + " must not be empty."
	case strings.HasPrefix(reason, "header Content-Type has unexpected value"):
		return where + " must be sent as application/json."
	}
	return where + " does not match the specification."
}
