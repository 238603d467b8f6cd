package flexapitest

import (
	"context"
	"sync"

	apikeys "github.com/flexcontract/flexfactor-apikeys"
)

// SpecVersionHeader is the header of every answer of the double: the
// info.version of the openapi.yaml it was built from (embedded, so it is
// the spec the double validates against). A client generated from a newer
// spec can refuse an older double instead of failing on a field it lacks.
const SpecVersionHeader = "X-Spec-Version"

// SpecVersion is the embedded openapi.yaml's info.version; it is read once.
var SpecVersion = sync.OnceValue(func() string {
	doc, err := apikeys.LoadSpec(context.Background())
	if err != nil {
		// The double's other users fail on the same spec with the error;
		// an answer still says it knows no version.
		return "unknown"
	}
	return doc.Info.Version
})
