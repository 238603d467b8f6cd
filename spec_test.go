package apikeys_test

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// TestSpecIsValid loads openapi.yaml as every consumer does (internal/spec) and validates it,
// its examples included (named explicitly, so a change of kin-openapi's
// default cannot skip them), with kin-openapi.
func TestSpecIsValid(t *testing.T) {
	doc, err := spec.Doc()
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("validate openapi.yaml: %v", err)
	}
	if got, want := doc.OpenAPI, "3.0.3"; got != want {
		t.Errorf("openapi version = %q, want %q", got, want)
	}
}
