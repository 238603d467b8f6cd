package flexapi

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzKeptMembers: for any JSON object, the members keptMembers keeps
// decode to what encoding/json reads for the spec's declared names, matched
// exactly (a declared object or array member aside, which the key schema
// does not permit and keptMembers stands in for), and nothing else; and
// onlyDeclared says true just when there is nothing else to leave out.
func FuzzKeptMembers(f *testing.F) {
	for _, seed := range []string{
		`{"name":"n","type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":null,"last_four":"abcd"}`,
		` { "name" : "a" , "x" : [ 1 , { } , "]}" ] , "type":"t" } `,
		`{"x":{"y":"\"}],{","z":[[["\\"]]]},"name":"after \"quotes\" and ]}"}`,
		`{"na\u006de":"escaped name","\u004eAME":"case variant","NAME":"x","Name":7}`,
		`{"name":"first","name":"second","last_used":null,"last_used":"2024-11-18T10:00:00Z"}`,
		`{"x":1e5,"y":-0.5,"z":true,"w":false,"v":null,"type":1.5E-3}`,
		`{"nàme":"non-ASCII","\u212aey":"kelvin","name":"n"}`,
		`{"name":[{"a":1},{"a":2}],"type":{"b":[]}}`,
		`{}`,
		`{"x":[]}`,
	} {
		f.Add(seed)
	}
	s, err := schemas()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var all map[string]any
		if json.Unmarshal([]byte(raw), &all) != nil || all == nil {
			return
		}
		// onlyDeclared is asked about the body from the key on, as the
		// decoder has it.
		trimmed := []byte(raw)
		for len(trimmed) > 0 && isSpace(trimmed[0]) {
			trimmed = trimmed[1:]
		}
		want := map[string]any{}
		allDeclared := true
		for name, v := range all {
			p := s.key.Properties[name]
			if p == nil {
				allDeclared = false
				continue
			}
			switch v.(type) {
			case map[string]any:
				if !p.Value.Type.Permits("object") {
					v, allDeclared = map[string]any{}, false
				}
			case []any:
				if !p.Value.Type.Permits("array") {
					v, allDeclared = []any{}, false
				}
			}
			want[name] = v
		}
		kept, err := keptMembers(s.key, trimmed, nil)
		if err != nil {
			t.Fatalf("keptMembers(%s): %v", raw, err)
		}
		var got map[string]any
		if err := json.Unmarshal(kept, &got); err != nil {
			t.Fatalf("keptMembers(%s) = %s: %v", raw, kept, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("keptMembers(%s) = %s (-want +got):\n%s", raw, kept, diff)
		}
		if got := onlyDeclared(s.key, append(trimmed, `,{"more":1}]}`...)); got != allDeclared {
			t.Errorf("onlyDeclared(%s) = %v, want %v", raw, got, allDeclared)
		}
	})
}
