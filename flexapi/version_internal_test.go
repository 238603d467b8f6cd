package flexapi

import (
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// TestVersionIsTheSpecs: the client's Version, which its User-Agent
// carries, is info.version of the spec it was generated from.
func TestVersionIsTheSpecs(t *testing.T) {
	if want := spec.Version(); Version != want {
		t.Errorf("flexapi.Version = %q, openapi.yaml's info.version = %q: give them one value", Version, want)
	}
	if want := "flexfactor-apikeys-go/" + Version; defaultUserAgent != want {
		t.Errorf("defaultUserAgent = %q, want %q", defaultUserAgent, want)
	}
}
