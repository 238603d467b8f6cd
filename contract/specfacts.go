package contract

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// What the suite reads from openapi.yaml beyond validating a response:
// which member of a listing holds the keys, and the key types it judges by.
// The schemas and extensions of openapi.yaml the suite's key types come
// from: a listed key's type, whose known values are another schema's enum
// (x-known-values), the values the list page's field table gives, the types
// the Key Security note covers, and the types a key can be created with.
const (
	listedTypeSchema   = "ListedAPIKeyType"
	newTypeSchema      = "NewAPIKeyType"
	knownValuesExt     = "x-known-values"
	fieldTableValueExt = "x-field-table-values"
	secretValuesExt    = "x-secret-values"
)

// facts are the key types of openapi.yaml the suite needs and the member
// of a listing that holds its keys, read once.
type facts struct {
	known, table, secret, creatable []string
	keysMember                      string
}

// specFacts are the facts of the embedded spec. The spec is compiled
// in and checked by the tests: a spec that lacks them is a build of the
// suite that cannot judge a listing, so it panics, as regexp.MustCompile
// does on a bad pattern.
var specFacts = func() facts {
	f, err := readFacts()
	if err != nil {
		panic("contract: " + err.Error())
	}
	return f
}()

func readFacts() (facts, error) {
	doc, err := spec.Doc()
	if err != nil {
		return facts{}, err
	}
	component := func(name string) (*openapi3.Schema, error) {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			return nil, fmt.Errorf("openapi.yaml has no schema %s", name)
		}
		return ref.Value, nil
	}
	listed, err := component(listedTypeSchema)
	if err != nil {
		return facts{}, err
	}
	knownRef, _ := listed.Extensions[knownValuesExt].(string)
	known, err := component(knownRef[strings.LastIndex(knownRef, "/")+1:])
	if err != nil {
		return facts{}, fmt.Errorf("%s's %s: %w", listedTypeSchema, knownValuesExt, err)
	}
	created, err := component(newTypeSchema)
	if err != nil {
		return facts{}, err
	}
	f := facts{
		known:     stringList(known.Enum),
		table:     stringList(listed.Extensions[fieldTableValueExt]),
		secret:    stringList(known.Extensions[secretValuesExt]),
		creatable: stringList(created.Enum),
	}
	// The listing's keys are its one array member, as the client reads them.
	if list := spec.ResponseSchema(spec.Operation(doc, report.OpListAPIKeys), 200); list != nil {
		for name, p := range list.Properties {
			if p.Value != nil && p.Value.Type.Is(openapi3.TypeArray) {
				f.keysMember = name
			}
		}
	}
	switch {
	case f.keysMember == "":
		return facts{}, fmt.Errorf("openapi.yaml's %s has no JSON 200 answer with an array of keys", report.OpListAPIKeys)
	case len(f.known) == 0 || len(f.creatable) == 0:
		return facts{}, fmt.Errorf("openapi.yaml's %s or %s has no enum", knownRef, newTypeSchema)
	case len(f.table) == 0:
		return facts{}, fmt.Errorf("openapi.yaml's %s has no %s", listedTypeSchema, fieldTableValueExt)
	case len(f.secret) == 0:
		return facts{}, fmt.Errorf("openapi.yaml's %s has no %s", knownRef, secretValuesExt)
	}
	return f, nil
}

// stringList is the strings of a decoded JSON or YAML list.
func stringList(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	case []string:
		out = append(out, v...)
	}
	return out
}

// nonSecretTypes are the known types the Key Security note does not cover.
func nonSecretTypes(f facts) []string {
	var out []string
	for _, t := range f.known {
		if !slices.Contains(f.secret, t) {
			out = append(out, t)
		}
	}
	return out
}

// lifecycleTypes are one type a key can be created with that the Key
// Security note does not cover, then one it covers, each the first of its
// kind in the create call's enum: the lifecycle sees whether a listing
// shows the value of either. Which two kinds is the suite's choice; which
// types they are is the spec's.
func lifecycleTypes(f facts) []string {
	var open, secret string
	for _, t := range f.creatable {
		switch {
		case slices.Contains(f.secret, t) && secret == "":
			secret = t
		case !slices.Contains(f.secret, t) && open == "":
			open = t
		}
	}
	if open == "" || secret == "" {
		panic(fmt.Sprintf("contract: openapi.yaml's %s lacks a type its %s names or one it does not", newTypeSchema, secretValuesExt))
	}
	return []string{open, secret}
}

// typeAlternation is a regular expression's alternation of types, each
// matched literally.
func typeAlternation(types []string) string {
	quoted := make([]string, len(types))
	for i, t := range types {
		quoted[i] = regexp.QuoteMeta(t)
	}
	return strings.Join(quoted, "|")
}
