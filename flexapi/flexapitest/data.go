package flexapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// DefaultMID is the merchant that holds the documentation page's two example
// keys in a server's default data.
const DefaultMID = "mid_123456"

// Data maps merchant ids to their keys, each the raw JSON the list call puts
// in its "keys" array, in order. A merchant it does not name has no keys.
type Data map[string][]json.RawMessage

// The page's example keys, byte for byte in the page's field order: a used
// secret key and a never-used publishable key (openapi.yaml's TwoKeys).
const (
	exampleSecretKey      = `{"name":"My API Key","type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":"2024-11-18T10:00:00Z","last_four":"7dc0"}`
	examplePublishableKey = `{"name":"Frontend Key","type":"publishable","created_at":"2024-11-10T08:30:00Z","last_used":null,"last_four":"3abc"}`
)

// DefaultData returns a fresh copy of the data a server starts with:
// DefaultMID holds the page's two example keys, no other merchant has any.
func DefaultData() Data {
	return Data{DefaultMID: {
		json.RawMessage(exampleSecretKey),
		json.RawMessage(examplePublishableKey),
	}}
}

// MIDs returns the merchant ids d names, sorted.
func (d Data) MIDs() []string {
	return slices.Sorted(maps.Keys(d))
}

// clone copies d deeply, so that a caller changing its Data after passing it
// cannot race with the server reading it.
func (d Data) clone() Data {
	out := make(Data, len(d))
	for mid, keys := range d {
		cp := make([]json.RawMessage, len(keys))
		for i, k := range keys {
			cp[i] = bytes.Clone(k)
		}
		out[mid] = cp
	}
	return out
}

// encodeKeys turns each key into its compact JSON.
func encodeKeys(keys []any) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(keys))
	for i, k := range keys {
		b, err := json.Marshal(k)
		if err != nil {
			return nil, fmt.Errorf("key %d is not JSON-encodable: %w", i, err)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return nil, fmt.Errorf("key %d is not valid JSON: %w", i, err)
		}
		out = append(out, buf.Bytes())
	}
	return out, nil
}

// keyList is the list call's body for keys: {"keys":[...]} built from the
// raw keys, so odd seeded data goes on the wire as it is.
func keyList(keys []json.RawMessage) []byte {
	n := len(`{"keys":[]}`) + max(len(keys)-1, 0)
	for _, k := range keys {
		n += len(k)
	}
	b := make([]byte, 0, n) // one allocation, the size of the answer
	b = append(b, `{"keys":[`...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, k...)
	}
	return append(b, `]}`...)
}
