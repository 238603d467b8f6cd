package flexapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// decodeKeys decodes a list answer, {"keys": [...]}, and checks every key
// as the spec requires (see decodeKeysOneByOne). A small answer takes a
// faster way first (see decodeSmallKeys), which succeeds only where the
// one-by-one way would, with the same keys.
func decodeKeys(body []byte) ([]APIKey, error) {
	if keys, ok := decodeSmallKeys(body); ok {
		return keys, nil
	}
	return decodeKeysOneByOne(body)
}

// decodeKeysOneByOne decodes a list answer, {"keys": [...]}, and checks every key
// as the spec requires: all five fields present, none null but last_used,
// type not empty, last_four four characters. The first key that fails fails
// the whole list, and decoding stops there.
//
// The keys are decoded one at a time rather than by one json.Unmarshal of
// the body: encoding/json allocates every element of an array before
// anything can be checked, so a 9 MB body of empty objects, {"keys":
// [{},{},...]}, would cost three million zero keys, over a gigabyte.
// Checked one at a time, only valid keys are kept, and a valid key takes at
// least 88 bytes of body (five names and a date-time), which bounds the
// keys' memory by the body's size.
//
// Outside the keys, the rules are encoding/json's, as before: field names
// match case-insensitively, the last "keys" wins, unknown fields are
// skipped, nothing may follow the object.
func decodeKeysOneByOne(body []byte) ([]APIKey, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := expectDelim(dec, '{', "the body is not a JSON object"); err != nil {
		return nil, err
	}
	var keys []APIKey
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, decodingError(err)
		}
		name, _ := tok.(string)
		if !strings.EqualFold(name, "keys") {
			if err := dec.Decode(&skipValue{}); err != nil {
				return nil, decodingError(err)
			}
			continue
		}
		if keys, err = decodeKeyArray(dec); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, decodingError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("decoding JSON: data after the JSON object")
	}
	if keys == nil {
		return nil, errors.New(`"keys" is missing or null`)
	}
	return keys, nil
}

// decodeKeyArray decodes the value of "keys": nil for null, else a non-nil
// slice.
func decodeKeyArray(dec *json.Decoder) ([]APIKey, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, decodingError(err)
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('[') {
		return nil, errors.New(`decoding JSON: "keys" is not an array`)
	}
	keys := []APIKey{}
	var w wireKey
	for i := 0; dec.More(); i++ {
		w = wireKey{}
		if err := dec.Decode(&w); err != nil {
			return nil, fmt.Errorf("key %d: %w", i, decodingError(err))
		}
		k, err := w.key()
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		if len(keys) == cap(keys) {
			// Doubling: append grows large slices a quarter at a time,
			// which allocates about five times the final list in all.
			grown := make([]APIKey, len(keys), max(2*cap(keys), 8))
			copy(grown, keys)
			keys = grown
		}
		keys = append(keys, k)
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return nil, decodingError(err)
	}
	return keys, nil
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
	case errors.As(err, new(*keyFieldError)):
		return errors.New("decoding JSON: " + err.Error())
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

// wireKey is one key as it comes, each field telling whether it was
// present and whether it was null: the generated APIKey cannot.
type wireKey struct {
	Name      stringField `json:"name"`
	Type      stringField `json:"type"`
	CreatedAt timeField   `json:"created_at"`
	LastUsed  timeField   `json:"last_used"`
	LastFour  stringField `json:"last_four"`
}

// key checks w against the spec and returns it as an APIKey.
func (w *wireKey) key() (APIKey, error) {
	for _, f := range []struct {
		name          string
		set, null, ok bool
	}{
		{"name", w.Name.set, w.Name.null, false},
		{"type", w.Type.set, w.Type.null, false},
		{"created_at", w.CreatedAt.set, w.CreatedAt.null, false},
		{"last_used", w.LastUsed.set, w.LastUsed.null, true},
		{"last_four", w.LastFour.set, w.LastFour.null, false},
	} {
		switch {
		case !f.set:
			return APIKey{}, fmt.Errorf("%q is missing", f.name)
		case f.null && !f.ok:
			return APIKey{}, fmt.Errorf("%q is null", f.name)
		}
	}
	if w.Type.v == "" {
		return APIKey{}, errors.New(`"type" is empty`)
	}
	if n := utf8.RuneCountInString(w.LastFour.v); n != 4 {
		return APIKey{}, fmt.Errorf(`"last_four" has %d characters, want 4`, n)
	}
	k := APIKey{
		Name:      w.Name.v,
		Type:      APIKeyType(w.Type.v),
		CreatedAt: w.CreatedAt.v,
		LastFour:  w.LastFour.v,
	}
	if !w.LastUsed.null {
		used := w.LastUsed.v
		k.LastUsed = &used
	}
	return k, nil
}

// keyFieldError is a field of a key that has the wrong JSON type or format.
type keyFieldError struct{ what string }

func (e *keyFieldError) Error() string { return e.what }

// stringField is a JSON string that remembers whether it was present and
// whether it was null.
type stringField struct {
	v         string
	set, null bool
}

func (f *stringField) UnmarshalJSON(b []byte) error {
	// A field given twice (or as "name" and "NAME") is what its last
	// occurrence says, as encoding/json has it: nothing of an earlier one
	// stays.
	*f = stringField{set: true}
	if string(b) == "null" {
		f.null = true
		return nil
	}
	// The decoder has checked the syntax already: a quoted run without
	// escapes that is valid UTF-8 is the string itself. Anything else takes
	// encoding/json's path (escapes, invalid UTF-8 made U+FFFD).
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		inner := b[1 : len(b)-1]
		if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			f.v = string(inner)
			return nil
		}
	}
	if json.Unmarshal(b, &f.v) != nil {
		return &keyFieldError{"a field is not a string"}
	}
	return nil
}

// timeField is an RFC 3339 date-time that remembers whether it was present
// and whether it was null.
type timeField struct {
	v         time.Time
	set, null bool
}

func (f *timeField) UnmarshalJSON(b []byte) error {
	*f = timeField{set: true} // the last occurrence wins (see stringField)
	if string(b) == "null" {
		f.null = true
		return nil
	}
	// time's own error quotes the value: say less.
	if f.v.UnmarshalJSON(b) != nil {
		return &keyFieldError{"a date-time field is not an RFC 3339 date-time"}
	}
	return nil
}
