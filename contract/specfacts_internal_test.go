package contract

import (
	"slices"
	"testing"
)

// The suite's key types and the listing's keys member are read from
// openapi.yaml: today's spec gives these, and each list keeps to the spec's
// known or creatable types.
func TestKeyTypesComeFromTheSpec(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want []string
	}{
		{"the field table's types", specFacts.table, []string{"secret", "public"}},
		{"NonSecretTypes", NonSecretTypes, []string{"public", "publishable", "tokenization"}},
		{"LifecycleTypes", createdTypes, []string{"public", "secret"}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v (from openapi.yaml)", tc.name, tc.got, tc.want)
		}
	}
	if specFacts.keysMember != "keys" {
		t.Errorf("the listing's keys are under %q, want keys (from openapi.yaml)", specFacts.keysMember)
	}
	for _, typ := range createdTypes {
		if !slices.Contains(specFacts.creatable, typ) {
			t.Errorf("the lifecycle creates a %s key, which openapi.yaml's %s does not name", typ, newTypeSchema)
		}
	}
	if slices.Contains(NonSecretTypes, createdTypes[1]) || !slices.Contains(NonSecretTypes, createdTypes[0]) {
		t.Errorf("LifecycleTypes %v are not one type the Key Security note does not cover, then one it covers", createdTypes)
	}
}
