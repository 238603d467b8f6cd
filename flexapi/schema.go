package flexapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// relaxForAnswers drops from s the keywords the client does not enforce on
// an answer (docs/client.md, "What the client enforces"): pattern, enum,
// minimum and maximum say whether a value is one the spec expects, not
// whether the client can use it. The contract suite reports them.
func relaxForAnswers(s *openapi3.Schema, seen map[*openapi3.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	s.Pattern = ""
	s.Enum = nil
	s.Min, s.Max = nil, nil
	s.ExclusiveMin, s.ExclusiveMax = openapi3.ExclusiveBound{}, openapi3.ExclusiveBound{}
	relax := func(refs ...*openapi3.SchemaRef) {
		for _, r := range refs {
			if r != nil {
				relaxForAnswers(r.Value, seen)
			}
		}
	}
	relax(s.Items, s.Not)
	relax(s.OneOf...)
	relax(s.AnyOf...)
	relax(s.AllOf...)
	for _, p := range s.Properties {
		relax(p)
	}
	relax(s.AdditionalProperties.Schema)
}

// answerSchemas are the schemas of the answers the client decodes, and of
// the create request it checks.
type answerSchemas struct {
	list     *openapi3.Schema // listApiKeys' 200, its key array left out
	keyArray string           // the list's member that holds the keys
	key      *openapi3.Schema // one listed key
	keyBatch *openapi3.Schema // an array of them
	// bareListValid: the list's schema allows an answer of a key array
	// alone, whatever its keys.
	bareListValid bool
	created       map[int]*openapi3.Schema // createApiKey's 2xx answers, by status
	token         *openapi3.Schema         // createToken's 200
	request       *openapi3.Schema         // createApiKey's request, not relaxed
}

// schemas loads the answers' schemas once, on first use.
var schemas = sync.OnceValues(func() (*answerSchemas, error) {
	// A document of its own: relaxForAnswers changes its schemas.
	doc, err := spec.Load()
	if err != nil {
		return nil, err
	}
	seen := map[*openapi3.Schema]bool{}
	answer := func(opID string, status int) *openapi3.Schema {
		s := spec.ResponseSchema(spec.Operation(doc, opID), status)
		relaxForAnswers(s, seen)
		return s
	}
	s := &answerSchemas{created: map[int]*openapi3.Schema{}}
	if s.list = answer(operationIDs[OpListAPIKeys], 200); s.list == nil {
		return nil, errors.New("openapi.yaml: listApiKeys has no JSON 200 answer")
	}
	// The keys are the list's one array member: they are streamed and
	// checked one at a time, the rest of the answer as a whole.
	for name, p := range s.list.Properties {
		if p.Value != nil && p.Value.Type.Is(openapi3.TypeArray) && p.Value.Items != nil {
			if s.key != nil {
				return nil, errors.New("openapi.yaml: listApiKeys' answer has more than one array")
			}
			s.keyArray, s.key = name, p.Value.Items.Value
		}
	}
	if s.key == nil {
		return nil, errors.New("openapi.yaml: listApiKeys' answer has no array of keys")
	}
	s.keyBatch = &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray}, Items: openapi3.NewSchemaRef("", s.key)}
	s.bareListValid = validate(s.list, map[string]any{s.keyArray: []any{}}, -1) == nil
	for status := 200; status < 300; status++ {
		if c := answer(operationIDs[OpCreateAPIKey], status); c != nil {
			s.created[status] = c
		}
	}
	if s.token = answer(operationIDs[OpTokenExchange], 200); s.token == nil || len(s.created) == 0 {
		return nil, errors.New("openapi.yaml: createToken or createApiKey has no JSON 2xx answer")
	}
	if shared, err := spec.Doc(); err != nil {
		return nil, err
	} else if s.request = spec.RequestSchema(spec.Operation(shared, operationIDs[OpCreateAPIKey])); s.request == nil {
		return nil, errors.New("openapi.yaml: createApiKey has no JSON request body")
	}
	return s, nil
})

// schemaOptions keep every value out of kin-openapi's errors (it appends
// the schema and the offending value to each message unless told not to)
// and validate as a response. A date-time is checked as the generated
// types read it, by time.Parse with RFC 3339, which is also cheaper than
// kin-openapi's regular expression and the parse after it.
var schemaOptions = []openapi3.SchemaValidationOption{
	openapi3.DisableSchemaErrorDetails(),
	openapi3.VisitAsResponse(),
	// One map for every validation: WithStringFormatValidator would make
	// one per call.
	openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
		"date-time": openapi3.NewCallbackValidator(func(v string) error {
			_, err := time.Parse(time.RFC3339, v)
			return err
		}),
	}),
}

// validate checks v, a value decoded from JSON, against s, and says why it
// does not match in one line without quoting any part of it: the member it
// is about and the spec's rule, in spec.Reason's words. For a batch of keys
// (first >= 0, v an array whose first key is numbered first) the line names
// the key by its number in the listing.
func validate(s *openapi3.Schema, v any, first int) error {
	var se *openapi3.SchemaError
	if err := s.VisitJSON(v, schemaOptions...); err == nil || !errors.As(err, &se) {
		if err != nil {
			return errors.New("does not match openapi.yaml")
		}
		return nil
	}
	pointer := se.JSONPointer()
	if se.SchemaField == "required" && len(pointer) > 0 {
		// kin-openapi points at the missing member itself.
		pointer = pointer[:len(pointer)-1]
	}
	var b strings.Builder
	for i, p := range pointer {
		n, err := strconv.Atoi(p)
		switch {
		case i == 0 && first >= 0 && err == nil:
			fmt.Fprintf(&b, "key %d", first+n)
			if len(pointer) > 1 {
				b.WriteString(":")
			}
		case err == nil:
			b.WriteString("[" + p + "]")
		case i == 1 && first >= 0:
			b.WriteString(" " + strconv.Quote(p))
		default:
			b.WriteString(strconv.Quote(p))
		}
	}
	reason := spec.Reason(se)
	switch {
	case b.Len() == 0:
		return errors.New(reason)
	case strings.HasPrefix(reason, "is "):
		return errors.New(b.String() + " " + reason)
	}
	return errors.New(b.String() + ": " + reason)
}

// valueDecoder decodes JSON values, one at a time, with one json.Decoder:
// json.Unmarshal allocates its decoding state on every call, which a
// listing's keys would pay twice each.
type valueDecoder struct {
	src bytes.Reader
	dec *json.Decoder
}

func newValueDecoder() *valueDecoder {
	d := &valueDecoder{}
	d.dec = json.NewDecoder(&d.src)
	return d
}

// decode decodes raw, one JSON value, into v.
func (d *valueDecoder) decode(raw []byte, v any) error {
	d.src.Reset(raw)
	return d.dec.Decode(v)
}

// decodeChecked decodes one JSON value, raw, into the generated type out
// after checking it against s.
func (d *valueDecoder) decodeChecked(s *openapi3.Schema, raw []byte, out any) error {
	var v any
	if err := d.decode(raw, &v); err != nil {
		return decodingError(err)
	}
	if err := validate(s, v, -1); err != nil {
		return err
	}
	return d.decodeInto(s, raw, v, out)
}

// decodeInto decodes raw, a JSON value already checked against s whose
// generic form is v, into the generated type out.
//
// encoding/json matches member names case-insensitively and the schema
// does not: {"last_four": "abcd", "LAST_FOUR": "a long value"} passes the
// schema (an undeclared member is allowed) and would decode the long one.
// So a value with a member that differs from a declared name only in case
// is decoded from its declared members alone.
func (d *valueDecoder) decodeInto(s *openapi3.Schema, raw []byte, v any, out any) error {
	if m, ok := v.(map[string]any); ok && foldsOntoDeclared(s, m) {
		declared := make(map[string]any, len(s.Properties))
		for name := range s.Properties {
			if e, ok := m[name]; ok {
				declared[name] = e
			}
		}
		var err error
		if raw, err = json.Marshal(declared); err != nil {
			return errors.New("decoding JSON: the body is not the documented JSON")
		}
	}
	return d.decodeTyped(raw, out)
}

// decodeTyped decodes raw, a JSON value already checked against the schema
// out was generated from and holding no member that differs from a
// declared one only in case, into out.
func (d *valueDecoder) decodeTyped(raw []byte, out any) error {
	if err := d.decode(raw, out); err != nil {
		// A value the spec allows and the generated type cannot hold.
		return errors.New("decoding JSON: the body does not fit the generated types")
	}
	return nil
}

// foldsOntoDeclared reports whether m has a member that is not a declared
// property of s but matches one without case, as encoding/json would.
func foldsOntoDeclared(s *openapi3.Schema, m map[string]any) bool {
	for name := range m {
		if _, ok := s.Properties[name]; ok {
			continue
		}
		for declared := range s.Properties {
			if strings.EqualFold(name, declared) {
				return true
			}
		}
	}
	return false
}
