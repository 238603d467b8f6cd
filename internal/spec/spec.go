// Package spec is openapi.yaml as the module's code reads it: embedded by
// go generate (spec.gen.go, from oapi-codegen-spec.yaml at the root),
// loaded and validated by kin-openapi. The client, the double and the
// contract suite all read it here, so each validates against the spec the
// generated code came from, and none imports the module's root (whose
// tools.go would reach every consumer's go.mod).
package spec

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// Doc is the spec, loaded and validated once per process and shared by
// every caller, who must not change it. A caller that changes a document
// (its servers, its schemas) loads one of its own with Load.
var Doc = sync.OnceValues(Load)

// Load loads and validates a document of the caller's own.
func Load() (*openapi3.T, error) {
	doc, err := GetSpec()
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.yaml is invalid: %w", err)
	}
	return doc, nil
}

// Version is info.version of the embedded spec, or "unknown" when it does
// not load (every use of the spec then fails with the reason).
func Version() string {
	doc, err := Doc()
	if err != nil {
		return "unknown"
	}
	return doc.Info.Version
}

// Operation is doc's operation whose operationId is id, or nil.
func Operation(doc *openapi3.T, id string) *openapi3.Operation {
	_, op := find(doc, id)
	return op
}

// Path is the path of doc's operation whose operationId is id, as the
// spec writes it ("/api-keys/{mid}"), or "".
func Path(doc *openapi3.T, id string) string {
	path, _ := find(doc, id)
	return path
}

func find(doc *openapi3.T, id string) (string, *openapi3.Operation) {
	for path, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == id {
				return path, op
			}
		}
	}
	return "", nil
}

// ResponseSchema is the JSON schema of op's answer with status, or nil.
func ResponseSchema(op *openapi3.Operation, status int) *openapi3.Schema {
	if op == nil || op.Responses == nil {
		return nil
	}
	r := op.Responses.Status(status)
	if r == nil || r.Value == nil {
		return nil
	}
	return jsonSchema(r.Value.Content)
}

// RequestSchema is the JSON schema of op's request body, or nil.
func RequestSchema(op *openapi3.Operation) *openapi3.Schema {
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	return jsonSchema(op.RequestBody.Value.Content)
}

func jsonSchema(c openapi3.Content) *openapi3.Schema {
	if mt := c.Get("application/json"); mt != nil && mt.Schema != nil {
		return mt.Schema.Value
	}
	return nil
}

// Reason says which rule of the spec a value breaks, in one phrase that
// never quotes the value ("is null", `does not match the spec's
// "maxLength"`), to follow the member's name. kin-openapi's reasons mostly
// quote the schema, but a format's quotes the parse error, which carries
// the value (time.Parse quotes its input), an unknown member's names the
// member, and others may repeat the value; each of those is replaced by
// the rule's name. Validate with openapi3.DisableSchemaErrorDetails so
// that the error's own text holds no value either.
func Reason(se *openapi3.SchemaError) string {
	switch {
	case se.SchemaField == "format" && se.Schema != nil && se.Schema.Format == "date-time":
		return "is not an RFC 3339 date-time (the spec's format)"
	case se.SchemaField == "format" && se.Schema != nil:
		return fmt.Sprintf("is not a %s (the spec's format)", se.Schema.Format)
	case se.SchemaField == "nullable":
		return "is null"
	case se.SchemaField == "properties":
		return "has a member the spec does not allow"
	case se.Reason == "" || quotesValue(se.Reason, se.Value):
		return fmt.Sprintf("does not match the spec's %q", se.SchemaField)
	}
	return se.Reason
}

// quotesValue reports whether reason holds a string value, or any string
// member of an object or array value, of three bytes or more.
func quotesValue(reason string, v any) bool {
	switch v := v.(type) {
	case string:
		return len(v) >= 3 && strings.Contains(reason, v)
	case map[string]any:
		for k, e := range v {
			if quotesValue(reason, k) || quotesValue(reason, e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if quotesValue(reason, e) {
				return true
			}
		}
	}
	return false
}
