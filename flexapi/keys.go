package flexapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DecodeAPIKeyList decodes the body of a list answer, {"keys": [...]}, as
// ListAPIKeys does: into the generated types, every key checked against
// openapi.yaml's schema of a listed key (see docs/client.md for the rules a
// client enforces and those it leaves to the contract suite). The first key
// that fails fails the whole list, and decoding stops there. Its errors
// name the key and the rule, never a value. The contract suite decodes the
// listings it sees with it, so that the nightly run checks the decoder
// users run.
func DecodeAPIKeyList(body []byte) (*APIKeyList, error) {
	s, err := schemas()
	if err != nil {
		return nil, err
	}
	return decodeKeyList(s, body)
}

// decodeKeyList decodes a list answer one key at a time rather than by one
// json.Unmarshal of the body: encoding/json allocates every element of an
// array before anything can be checked, so a 9 MB body of empty objects,
// {"keys": [{},{},...]}, would cost three million zero keys, over a
// gigabyte. Checked one at a time, the first {} fails, and only valid keys
// are kept, each taking more of the body than it takes of memory.
//
// Members of the answer other than the keys are decoded only when the spec
// declares them (an undeclared one is skipped without being copied); the
// answer is then checked against its schema with the keys left out, so
// that its own rules ("keys" required, not null) are the spec's too.
// Outside the keys, the rules are encoding/json's: the last "keys" wins,
// nothing may follow the object.
func decodeKeyList(s *answerSchemas, body []byte) (*APIKeyList, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := expectDelim(dec, '{', "the body is not a JSON object"); err != nil {
		return nil, err
	}
	answer := map[string]any{}
	var keys []APIKey
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, decodingError(err)
		}
		name, _ := tok.(string)
		if name == s.keyArray {
			if keys, err = decodeKeyArray(s, body, dec); err != nil {
				return nil, err
			}
			answer[name] = []any{}
			if keys == nil {
				answer[name] = nil
			}
			continue
		}
		if _, declared := s.list.Properties[name]; !declared {
			if err := dec.Decode(&skipValue{}); err != nil {
				return nil, decodingError(err)
			}
			continue
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, decodingError(err)
		}
		answer[name] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, decodingError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("decoding JSON: data after the JSON object")
	}
	// An answer of keys alone is the one the spec's schema was checked
	// against when it was loaded (bareListValid): no need to check it again.
	if keys == nil || len(answer) > 1 || !s.bareListValid {
		if err := validate(s.list, answer); err != nil {
			return nil, err
		}
	}
	list := &APIKeyList{}
	if len(answer) > 1 {
		// Members the spec declares beside the keys reach the generated
		// type too.
		delete(answer, s.keyArray)
		rest, err := json.Marshal(answer)
		if err != nil || json.Unmarshal(rest, list) != nil {
			return nil, errors.New("decoding JSON: the body does not fit the generated types")
		}
	}
	list.Keys = keys
	return list, nil
}

// keyBatch is how many keys are checked against the schema at a time: one
// validation of a batch costs kin-openapi's settings once rather than once
// per key, and a batch's generic values are all that is held of it.
const keyBatch = 64

// decodeKeyArray decodes the value of the key array: nil for null, else a
// non-nil slice of keys, each checked against the key schema. body is what
// dec reads, so that a key's bytes are sliced from it, not copied.
func decodeKeyArray(s *answerSchemas, body []byte, dec *json.Decoder) ([]APIKey, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, decodingError(err)
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('[') {
		// Checked against the schema as what it is, for the spec's words.
		return nil, validate(s.list, map[string]any{s.keyArray: tokenKind(tok)})
	}
	var (
		out     keyCollector
		vd      = newValueDecoder()
		maps    []map[string]any // grown to keyBatch as keys come
		values  []any
		raws    [][]byte
		checked = 0 // keys before the batch
	)
	flush := func() error {
		if err := validateKeys(s.keyBatch, values, checked); err != nil {
			return err
		}
		for j, raw := range raws {
			k := out.next()
			if err := vd.decodeInto(s.key, raw, values[j], k); err != nil {
				return fmt.Errorf("key %d: %w", checked+j, err)
			}
		}
		if checked == 0 && len(raws) == keyBatch {
			// The first batch tells the size of a key: room for as many
			// more as the rest of the body could hold, at most one
			// slice's worth of overshoot (a valid key takes more of the
			// body than of the slice).
			size := 0
			for _, raw := range raws {
				size += len(raw) + 1
			}
			rest := len(body) - int(dec.InputOffset())
			out.reserve(keyBatch + rest*keyBatch/size + 1)
		}
		checked += len(values)
		values, raws = values[:0], raws[:0]
		return nil
	}
	for i := 0; dec.More(); i++ {
		start := dec.InputOffset()
		j := len(values)
		var err error
		if first := bytes.TrimLeft(body[start:], " \t\r\n,"); len(first) > 0 && first[0] == '{' {
			// Each map is reused from batch to batch: what a checked key
			// leaves behind is its strings, not its containers.
			if j == len(maps) {
				maps = append(maps, map[string]any{})
			}
			clear(maps[j])
			err = dec.Decode(&maps[j])
			values = append(values, maps[j])
		} else {
			var v any
			err = dec.Decode(&v)
			values = append(values, v)
		}
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, decodingError(err))
		}
		raws = append(raws, bytes.TrimLeft(body[start:dec.InputOffset()], " \t\r\n,"))
		if len(values) == keyBatch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return nil, decodingError(err)
	}
	return out.keys(), nil
}

// keyCollector gathers keys in one slice sized from the first batch
// (reserve), and beyond it in chunks joined once: a slice that doubles
// allocates up to four times the final list, chunks twice.
type keyCollector struct {
	full  [][]APIKey
	cur   []APIKey
	count int
}

const keyChunk = 1024

// next returns the place of the next key.
func (c *keyCollector) next() *APIKey {
	if len(c.cur) == cap(c.cur) {
		if c.cur != nil {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]APIKey, 0, min(keyChunk, max(1, c.count)))
	}
	c.cur = c.cur[:len(c.cur)+1]
	c.count++
	return &c.cur[len(c.cur)-1]
}

// reserve makes room for n keys in all in one slice, the keys so far
// copied into it.
func (c *keyCollector) reserve(n int) {
	if n <= c.count {
		return
	}
	grown := make([]APIKey, 0, n)
	for _, chunk := range c.full {
		grown = append(grown, chunk...)
	}
	c.cur, c.full = append(grown, c.cur...), nil
}

// keys is every key, in order, in one slice; never nil.
func (c *keyCollector) keys() []APIKey {
	if len(c.full) == 0 {
		if c.cur == nil {
			return []APIKey{}
		}
		return c.cur
	}
	all := make([]APIKey, 0, c.count)
	for _, chunk := range c.full {
		all = append(all, chunk...)
	}
	return append(all, c.cur...)
}

// tokenKind is a scalar token as a value of its JSON type, for the schema
// to judge (an object's opening brace is an empty object).
func tokenKind(tok json.Token) any {
	switch tok {
	case json.Delim('{'):
		return map[string]any{}
	}
	switch tok.(type) {
	case string:
		return ""
	case float64:
		return 0.0
	case bool:
		return false
	}
	return tok
}

func expectDelim(dec *json.Decoder, want json.Delim, msg string) error {
	tok, err := dec.Token()
	if err != nil {
		return decodingError(err)
	}
	if tok != want {
		return errors.New("decoding JSON: " + msg)
	}
	return nil
}

// decodingError says what encoding/json found, without the values it may
// quote.
func decodingError(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("decoding JSON: unexpected end of JSON input")
	case errors.As(err, &typeErr):
		if typeErr.Field != "" {
			return fmt.Errorf("decoding JSON: %q is a JSON %s", typeErr.Field, typeErr.Value)
		}
		return fmt.Errorf("decoding JSON: a JSON %s where an object belongs", typeErr.Value)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Errorf("decoding JSON: invalid JSON at byte %d", syntaxErr.Offset)
	}
	return errors.New("decoding JSON: the body is not the documented JSON")
}

// skipValue decodes any JSON value into nothing, without copying it.
type skipValue struct{}

func (*skipValue) UnmarshalJSON([]byte) error { return nil }
