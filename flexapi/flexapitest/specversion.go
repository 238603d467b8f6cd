package flexapitest

import "github.com/flexcontract/flexfactor-apikeys/internal/spec"

// SpecVersionHeader is the header of every answer of the double: the
// info.version of the openapi.yaml it was built from (embedded, so it is
// the spec the double validates against). A client generated from a newer
// spec can refuse an older double instead of failing on a field it lacks.
const SpecVersionHeader = "X-Spec-Version"

// SpecVersion is the embedded openapi.yaml's info.version ("unknown" when
// it does not load: the double's other uses then fail with the reason).
func SpecVersion() string { return spec.Version() }
