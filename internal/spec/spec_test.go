package spec

import (
	"errors"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
)

// TestTheEmbeddedSpecIsOpenAPIYAML: the document every caller loads is
// openapi.yaml's, operation ids as the spec spells them: oapi-codegen
// re-serialises the spec it embeds, and rewrites those ids unless told not
// to. make check-generated fails on an embedded copy older than the spec;
// this fails on one that is not the spec at all.
func TestTheEmbeddedSpecIsOpenAPIYAML(t *testing.T) {
	want, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := want.MarshalJSON()
	gotJSON, _ := got.MarshalJSON()
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("the embedded spec is not openapi.yaml; run go generate ./...\n%s", cmp.Diff(string(wantJSON), string(gotJSON)))
	}
	for _, id := range []string{"listApiKeys", "createApiKey", "revokeApiKey", "createToken"} {
		if Operation(got, id) == nil {
			t.Errorf("no operation %s", id)
		}
	}
	if d, _ := Doc(); d == got {
		t.Error("Load returned the shared document")
	}
}

// TestReasonQuotesNoValue: whatever rule a value breaks, Reason says the
// rule without the value, which may be a secret the server sent.
func TestReasonQuotesNoValue(t *testing.T) {
	const canary = "CANARYreason5Zq"
	str := openapi3.NewStringSchema
	closed := openapi3.NewObjectSchema().WithProperty("name", str())
	closed.AdditionalProperties = openapi3.AdditionalProperties{Has: new(false)}
	for name, c := range map[string]struct {
		schema *openapi3.Schema
		value  any
	}{
		"a date-time":     {str().WithFormat("date-time"), canary},
		"a long member":   {str().WithMaxLength(4), canary},
		"a pattern":       {str().WithPattern("^[a-z]+$"), canary},
		"an enum value":   {str().WithEnum("secret", "public"), canary},
		"a wrong type":    {openapi3.NewIntegerSchema(), canary},
		"an extra member": {closed, map[string]any{canary: "x"}},
		"an array member": {openapi3.NewArraySchema().WithItems(openapi3.NewIntegerSchema()), []any{canary}},
	} {
		err := c.schema.VisitJSON(c.value, openapi3.DisableSchemaErrorDetails(), openapi3.VisitAsResponse())
		var se *openapi3.SchemaError
		if !errors.As(err, &se) {
			t.Errorf("%s: error %v, want a *SchemaError", name, err)
			continue
		}
		if got := Reason(se); got == "" || strings.Contains(got, canary) {
			t.Errorf("%s: Reason = %q", name, got)
		}
	}
}
