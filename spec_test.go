package apikeys_test

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	apikeys "github.com/flexcontract/flexfactor-apikeys"
)

// TestSpecIsValid loads openapi.yaml as every consumer does and validates it,
// its examples included, with kin-openapi.
func TestSpecIsValid(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(apikeys.OpenAPISpec)
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("validate openapi.yaml: %v", err)
	}
	if got, want := doc.OpenAPI, "3.0.3"; got != want {
		t.Errorf("openapi version = %q, want %q", got, want)
	}
}
