package flexapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// DecodeAPIKeyList decodes the body of a list answer as ListAPIKeys does:
// every key checked against the spec's schema (docs/client.md, "What the
// client checks in an answer"), the first that fails failing the list, its
// error naming the key and the rule, never a value. The contract suite
// decodes what it sees with it, so that the nightly run checks this decoder.
func DecodeAPIKeyList(body []byte) (*APIKeyList, error) {
	s, err := schemas()
	if err != nil {
		return nil, err
	}
	return decodeKeyList(s, body)
}

// decodeKeyList decodes a list answer one key at a time: one json.Unmarshal
// would allocate every element before anything is checked, so that a 9 MB
// body of {} keys would cost over a gigabyte. Here the first {} fails, and
// only valid keys are kept. The other members are decoded only when the
// spec declares them, and the answer is checked against its schema with the
// keys left out, so that its own rules ("keys" required, not null) are the
// spec's too.
func decodeKeyList(s *answerSchemas, body []byte) (*APIKeyList, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil {
		return nil, decodingError(err)
	} else if tok != json.Delim('{') {
		return nil, errors.New("decoding JSON: the body is not a JSON object")
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
		if err := validate(s.list, answer, -1); err != nil {
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
		return nil, validate(s.list, map[string]any{s.keyArray: tokenKind(tok)}, -1)
	}
	var (
		out     keyCollector
		vd      = newValueDecoder()
		maps    []map[string]any // grown to keyBatch as keys come
		values  []any
		raws    [][]byte // a key's bytes, its kept members only when an object
		kept    []byte   // the kept members of the batch's object keys
		ends    []int    // where each key ends in kept; -2: its own bytes hold declared members alone; -1: not an object
		checked = 0      // keys before the batch
	)
	flush := func() error {
		if err := validate(s.keyBatch, values, checked); err != nil {
			return err
		}
		from := 0
		for j, raw := range raws {
			k := out.next()
			var err error
			switch {
			case ends[j] >= 0:
				raw, from = kept[from:ends[j]], ends[j]
				fallthrough
			case ends[j] == -2:
				// Declared members alone, by their exact names.
				err = vd.decodeTyped(raw, k)
			default:
				err = vd.decodeInto(s.key, raw, values[j], k)
			}
			if err != nil {
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
		values, raws, kept, ends = values[:0], raws[:0], kept[:0], ends[:0]
		return nil
	}
	// batchMap is the place of the next key's map, reused from batch to
	// batch: what a checked key leaves behind is its strings, not its
	// containers.
	batchMap := func() *map[string]any {
		j := len(values)
		if j == len(maps) {
			maps = append(maps, map[string]any{})
		}
		clear(maps[j])
		return &maps[j]
	}
	for i := 0; dec.More(); i++ {
		start := dec.InputOffset()
		var (
			v   any
			end = -1
			err error
		)
		switch first := bytes.TrimLeft(body[start:], " \t\r\n,"); {
		case len(first) > 0 && first[0] == '{' && onlyDeclared(s.key, first):
			// A key of declared members alone, the usual one, is
			// decoded as it is: nothing in it needs leaving out.
			m := batchMap()
			v, end, err = *m, -2, dec.Decode(m)
		case len(first) > 0 && (first[0] == '{' || first[0] == '['):
			// Skipped, not decoded: an object is decoded from the
			// members the spec needs to see (keptMembers), an array is
			// judged as an empty one (a key is an object: what the
			// array holds cannot change that).
			if err = dec.Decode(&skipValue{}); err != nil || first[0] == '[' {
				v = []any{}
				break
			}
			from := len(kept)
			raw := bytes.TrimLeft(body[start:dec.InputOffset()], " \t\r\n,")
			if kept, err = keptMembers(s.key, raw, kept); err != nil {
				return nil, fmt.Errorf("key %d: %w", i, err)
			}
			m := batchMap()
			v, end, err = *m, len(kept), vd.decode(kept[from:], m)
		default:
			var scalar any
			err = dec.Decode(&scalar)
			v = scalar
		}
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, decodingError(err))
		}
		values, ends = append(values, v), append(ends, end)
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

// keptMembers appends to dst the object raw, one listed key whose syntax
// the decoder has checked, with only the members the spec's check and the
// generated type must see: the declared ones (s.Properties), matched by
// exact name, so that one differing only in case never reaches
// encoding/json's case-insensitive matching; undeclared ones only where the
// spec constrains them (an additionalProperties schema: whole; closed: a
// stand-in of their JSON type). Anything else is skipped without being
// decoded. A declared member holding an object or array its schema does
// not permit is a stand-in too: the check fails it all the same, without a
// generic copy of what it holds.
func keptMembers(s *openapi3.Schema, raw, dst []byte) ([]byte, error) {
	dst = append(dst, '{')
	w := memberWalk{raw: raw, i: 1}
	for n := 0; ; n++ {
		name, value, ok := w.next()
		if !ok {
			if w.err {
				return dst, errors.New("decoding JSON: the body is not the documented JSON")
			}
			return append(dst, '}'), nil
		}
		switch p := declaredProperty(s, name); {
		case p != nil:
			if (value[0] == '{' && !p.Type.Permits(openapi3.TypeObject)) || (value[0] == '[' && !p.Type.Permits(openapi3.TypeArray)) {
				value = standIn(value)
			}
		case s.AdditionalProperties.Schema != nil:
		case s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has:
			value = standIn(value)
		default:
			n--
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = append(append(append(dst, name...), ':'), value...)
	}
}

// onlyDeclared reports whether raw begins with an object whose members are
// all declared properties of s, by their exact names, none holding an
// object or array its schema does not permit: one keptMembers would keep
// whole. It reads only that object's bytes, and answers false for any it
// cannot step through (the decoder then says what is wrong with it).
func onlyDeclared(s *openapi3.Schema, raw []byte) bool {
	w := memberWalk{raw: raw, i: 1}
	for {
		name, value, ok := w.next()
		if !ok {
			return !w.err
		}
		p := declaredProperty(s, name)
		if p == nil || (value[0] == '{' && !p.Type.Permits(openapi3.TypeObject)) || (value[0] == '[' && !p.Type.Permits(openapi3.TypeArray)) {
			return false
		}
	}
}

// declaredProperty is the schema of the property of s named by name, a
// JSON string as the body has it, or nil for an undeclared member.
func declaredProperty(s *openapi3.Schema, name []byte) *openapi3.Schema {
	key := name[1 : len(name)-1]
	if bytes.IndexFunc(key, func(r rune) bool { return r == '\\' || r >= utf8.RuneSelf }) >= 0 {
		// An escape, or bytes encoding/json would replace: the name as
		// it decodes.
		var decoded string
		if json.Unmarshal(name, &decoded) != nil {
			return nil
		}
		key = []byte(decoded)
	}
	if p := s.Properties[string(key)]; p != nil {
		return p.Value
	}
	return nil
}

// standIn is the smallest JSON value of value's type.
func standIn(value []byte) []byte {
	switch value[0] {
	case '{':
		return []byte("{}")
	case '[':
		return []byte("[]")
	case '"':
		return []byte(`""`)
	case 't', 'f':
		return []byte("false")
	case 'n':
		return []byte("null")
	}
	return []byte("0")
}

// memberWalk steps through the members of a JSON object whose syntax
// encoding/json has checked, without decoding them: only the bounds of
// each name and value are found (strings skipped escape by escape, nesting
// counted), so a member's cost is its bytes read once. It still checks its
// bounds and reports err rather than reading past the object.
type memberWalk struct {
	raw []byte
	i   int
	err bool
}

// next is the next member's name (a JSON string, quotes included) and
// value, or false after the last one or on an error.
func (w *memberWalk) next() (name, value []byte, ok bool) {
	w.space()
	if w.i < len(w.raw) && w.raw[w.i] == ',' {
		w.i++
		w.space()
	}
	if w.i < len(w.raw) && w.raw[w.i] == '}' {
		return nil, nil, false
	}
	start := w.i
	if !w.str() {
		return w.fail()
	}
	name = w.raw[start:w.i]
	w.space()
	if w.i >= len(w.raw) || w.raw[w.i] != ':' {
		return w.fail()
	}
	w.i++
	w.space()
	start = w.i
	if !w.value() || w.i == start {
		return w.fail()
	}
	return name, w.raw[start:w.i], true
}

func (w *memberWalk) fail() ([]byte, []byte, bool) {
	w.err = true
	return nil, nil, false
}

func (w *memberWalk) space() {
	for w.i < len(w.raw) && isSpace(w.raw[w.i]) {
		w.i++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// str steps over the string at w.i.
func (w *memberWalk) str() bool {
	if w.i >= len(w.raw) || w.raw[w.i] != '"' {
		return false
	}
	for j := w.i + 1; j < len(w.raw); j++ {
		switch w.raw[j] {
		case '\\':
			j++
		case '"':
			w.i = j + 1
			return true
		}
	}
	return false
}

// value steps over the value at w.i: a string, a nesting of objects and
// arrays, or a literal (up to what ends it).
func (w *memberWalk) value() bool {
	depth := 0
	for w.i < len(w.raw) {
		switch c := w.raw[w.i]; {
		case c == '"':
			if !w.str() {
				return false
			}
		case c == '{' || c == '[':
			depth++
			w.i++
			continue
		case c == '}' || c == ']':
			if depth == 0 {
				return true // the end of a literal, and of the object
			}
			depth--
			w.i++
		case depth == 0 && (c == ',' || isSpace(c)):
			return true
		default:
			w.i++
			continue
		}
		if depth == 0 {
			return true
		}
	}
	return false
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
