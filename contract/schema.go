package contract

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
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
		return fmt.Errorf("contract: observations.schema.json: %w", err)
	}
	delete(raw, "$schema")
	delete(raw, "$id")
	clean, err := json.Marshal(raw)
	if err != nil {
		return fmt.Errorf("contract: observations.schema.json: %w", err)
	}
	var schema openapi3.Schema
	if err := json.Unmarshal(clean, &schema); err != nil {
		return fmt.Errorf("contract: observations.schema.json: %w", err)
	}
	v, err := DecodeJSON(b)
	if err != nil {
		return fmt.Errorf("not JSON")
	}
	opts := append([]openapi3.SchemaValidationOption{openapi3.MultiErrors(), openapi3.EnableFormatValidation()}, valueFreeSchemaErrors...)
	if err := schema.VisitJSON(jsonNumbersToFloats(v), opts...); err != nil {
		var msgs []string
		for _, f := range failuresOf(err) {
			msgs = append(msgs, f.Pointer+": "+f.Reason)
		}
		return fmt.Errorf("does not match observations.schema.json: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// jsonNumbersToFloats turns json.Number into float64, which kin-openapi's
// VisitJSON expects.
func jsonNumbersToFloats(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonNumbersToFloats(e)
		}
	case []any:
		for i, e := range v {
			v[i] = jsonNumbersToFloats(e)
		}
	case json.Number:
		f, _ := v.Float64()
		return f
	}
	return v
}
