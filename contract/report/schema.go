package report

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// ObservationsSchema is the JSON Schema of observations.json
// (observations.schema.json, beside this file).
//
//go:embed observations.schema.json
var ObservationsSchema []byte

// ValidateObservations checks an observations file against
// ObservationsSchema with kin-openapi's schema validator. The schema keeps
// to the keywords JSON Schema and kin-openapi share; its $schema and $id
// are JSON Schema's and are dropped before kin-openapi reads it. Errors
// name the JSON pointer and the rule, never the value.
func ValidateObservations(b []byte) error {
	var raw map[string]any
	if err := json.Unmarshal(ObservationsSchema, &raw); err != nil {
		return fmt.Errorf("report: observations.schema.json: %w", err)
	}
	delete(raw, "$schema")
	delete(raw, "$id")
	clean, err := json.Marshal(raw)
	if err != nil {
		return fmt.Errorf("report: observations.schema.json: %w", err)
	}
	var schema openapi3.Schema
	if err := json.Unmarshal(clean, &schema); err != nil {
		return fmt.Errorf("report: observations.schema.json: %w", err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("not JSON")
	}
	err = schema.VisitJSON(v, openapi3.MultiErrors(), openapi3.EnableFormatValidation(), openapi3.DisableSchemaErrorDetails())
	var msgs []string
	for _, e := range schemaErrors(err) {
		msgs = append(msgs, "/"+strings.Join(e.JSONPointer(), "/")+": "+spec.Reason(e))
	}
	if len(msgs) > 0 || err != nil {
		return fmt.Errorf("does not match observations.schema.json: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// schemaErrors flattens kin-openapi's error tree. Only the pointer and
// the rule of each are printed: its reason may quote the value.
func schemaErrors(err error) []*openapi3.SchemaError {
	var out []*openapi3.SchemaError
	var me openapi3.MultiError
	var se *openapi3.SchemaError
	switch {
	case errors.As(err, &me):
		for _, e := range me {
			out = append(out, schemaErrors(e)...)
		}
	case errors.As(err, &se):
		out = append(out, se)
	}
	return out
}
