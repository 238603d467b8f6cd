package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// DecodingLosses decodes a 200 listing with the generated client's own
// parser (oapi.ParseListAPIKeysResponse) and with the Go client's decoder
// (flexapi.DecodeAPIKeyList, the one users run), and compares every
// documented field of every key with the raw bytes: a field missing,
// changed, made up, or a null (last_used's) that did not stay null is a
// loss.
// Undocumented fields are not compared: the generated structs drop them by
// design, and the report lists them. A listing the Go client refuses breaks
// the spec, which the wire check reports; it is no loss here.
func DecodingLosses(ex *Exchange) []Failure {
	resp := &http.Response{StatusCode: ex.Status, Header: ex.Header.Clone(), Body: io.NopCloser(bytes.NewReader(ex.Body))}
	parsed, err := oapi.ParseListAPIKeysResponse(resp)
	if err != nil {
		return []Failure{{Where: whereBody, Reason: "the generated client cannot decode the body"}}
	}
	if parsed.JSON200 == nil {
		return []Failure{{Where: whereBody, Reason: "the generated client decoded no APIKeyList (JSON200 is nil)"}}
	}
	raw, err := decodeKeys(ex.Body)
	if err != nil {
		return []Failure{{Where: whereBody, Reason: err.Error()}}
	}
	out := keyLosses("the generated client", raw, parsed.JSON200.Keys)
	if list, err := flexapi.DecodeAPIKeyList(ex.Body); err == nil {
		out = append(out, keyLosses("the Go client", raw, list.Keys)...)
	}
	return out
}

// keyLosses compares the keys who decoded, typed, with the raw ones: each
// member the generated APIKey declares (its JSON names are the spec's
// properties) must come back, from a JSON encoding of the typed key, as the
// raw key had it: the same value (a date-time the same instant), null for
// null, nothing made up for a member the raw key lacks. It knows no field
// by name, so a change to the spec reaches it through go generate alone.
func keyLosses(who string, raw []map[string]any, typed []oapi.APIKey) []Failure {
	if len(typed) != len(raw) {
		return []Failure{{Where: whereBody, Pointer: "/keys", Reason: fmt.Sprintf("%s decoded %d keys of %d", who, len(typed), len(raw))}}
	}
	var out []Failure
	for i, k := range raw {
		lost := func(field, why string) {
			out = append(out, Failure{Where: whereBody, Pointer: "/keys/" + strconv.Itoa(i) + "/" + field, Reason: who + " " + why})
		}
		got, err := jsonObject(typed[i])
		if err != nil {
			lost("", "cannot encode the key it decoded")
			continue
		}
		for _, field := range apiKeyMembers {
			want, inRaw := k[field]
			have, inTyped := got[field]
			switch {
			case !inRaw:
				if inTyped && !isZeroJSON(have) {
					lost(field, "made up a value the body does not have")
				}
			case want == nil && have != nil:
				lost(field, "decoded null to a value")
			case want != nil && have == nil:
				lost(field, "decoded a value to nil")
			case !sameJSON(want, have):
				lost(field, "decoded a different value")
			}
		}
	}
	return out
}

// apiKeyMembers are the JSON names of the generated APIKey's fields.
var apiKeyMembers = func() []string {
	var names []string
	t := reflect.TypeFor[oapi.APIKey]()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}()

// jsonObject is v encoded to JSON and decoded as an object, numbers kept
// as json.Number like DecodeKeys keeps them.
func jsonObject(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	return m, dec.Decode(&m)
}

// sameJSON reports whether two decoded JSON values are equal, two strings
// that are the same RFC 3339 instant included (an encoding of a time.Time
// may write it otherwise).
func sameJSON(a, b any) bool {
	if sa, ok := a.(string); ok {
		if sb, ok := b.(string); ok && sa != sb {
			ta, errA := time.Parse(time.RFC3339Nano, sa)
			tb, errB := time.Parse(time.RFC3339Nano, sb)
			return errA == nil && errB == nil && ta.Equal(tb)
		}
	}
	return reflect.DeepEqual(a, b)
}

// isZeroJSON reports whether v is what encoding/json writes for a Go zero
// value: the generated struct zero-fills a required member the body lacks,
// which the wire check reports, not this one.
func isZeroJSON(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == "" || v == "0001-01-01T00:00:00Z"
	case json.Number:
		return v == "0"
	case bool:
		return !v
	}
	return false
}
