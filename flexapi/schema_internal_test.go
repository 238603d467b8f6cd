package flexapi

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// A rule whose reason repeats what was sent, such as kin-openapi's
// `property "<name>" is unsupported` when a spec closes an object, is told
// by its keyword alone: today's spec closes no answer, so the schema is
// made here.
func TestAReasonThatQuotesTheAnswerIsToldByItsKeyword(t *testing.T) {
	const canary = "CANARYmemberName4"
	no := false
	closed := &openapi3.Schema{
		Type:                 &openapi3.Types{openapi3.TypeObject},
		Properties:           openapi3.Schemas{"name": openapi3.NewStringSchema().NewRef()},
		AdditionalProperties: openapi3.AdditionalProperties{Has: &no},
	}
	err := validate(closed, map[string]any{"name": "n", canary: 1}, -1)
	if err == nil {
		t.Fatal("a closed object took an undeclared member")
	}
	if strings.Contains(err.Error(), canary) {
		t.Errorf("the error quotes the answer: %s", err)
	}
}
