package flexapitest_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

const goodYAML = `# two merchants
mid_a:
  - name: Backend
    type: secret
    created_at: 2024-11-16T12:00:00Z   # unquoted: a YAML timestamp, kept as written
    last_used: "2024-11-18T10:00:00+01:00"
    last_four: "0042"
    scopes: [read]
  - name: Tokens
    type: tokenization
    created_at: "2024-01-01T00:00:00Z"
    last_used: null
    last_four: abcd
mid_empty: []
`

const goodJSON = `{
  "mid_a": [
    {"name": "Web", "type": "public", "created_at": "2024-11-10T08:30:00.5Z", "last_used": null, "last_four": "3abc"}
  ]
}`

func TestLoadData(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("YAML", func(t *testing.T) {
		d, err := flexapitest.LoadData(write("keys.yaml", goodYAML))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(d.MIDs(), ","); got != "mid_a,mid_empty" {
			t.Errorf("mids %s", got)
		}
		srv, _ := newFake(t, flexapitest.WithData(d))
		tok := srv.IssueToken()
		e := do(t, srv, http.MethodGet, "/v1/api-keys/mid_a", bearer(tok), "")
		mustMatchSpec(t, e)
		// The spec's fields first in its order, then others; values as written.
		want := `{"keys":[{"name":"Backend","type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":"2024-11-18T10:00:00+01:00","last_four":"0042","scopes":["read"]},` +
			`{"name":"Tokens","type":"tokenization","created_at":"2024-01-01T00:00:00Z","last_used":null,"last_four":"abcd"}]}`
		if string(e.body) != want {
			t.Errorf("got  %s\nwant %s", e.body, want)
		}
		for _, mid := range []string{"mid_empty", flexapitest.DefaultMID} {
			e = do(t, srv, http.MethodGet, "/v1/api-keys/"+mid, bearer(tok), "")
			mustMatchSpec(t, e)
			if string(e.body) != `{"keys":[]}` {
				t.Errorf("%s: %s, want no keys (the file replaces the default data)", mid, e.body)
			}
		}
	})

	// The listing's type is open and its name has no create-time pattern
	// (openapi.yaml's ListedAPIKeyType and APIKey.name), so a data file may
	// hold what other teams' clients must decode: the double refuses only
	// what the spec refuses.
	t.Run("a type the spec does not list and a name with <", func(t *testing.T) {
		d, err := flexapitest.LoadData(write("open.yaml", "m:\n  - {name: \"<b>\", type: restricted, created_at: \"2024-01-01T00:00:00Z\", last_used: null, last_four: abcd}\n"))
		if err != nil {
			t.Fatal(err)
		}
		srv, _ := newFake(t, flexapitest.WithData(d))
		e := do(t, srv, http.MethodGet, "/v1/api-keys/m", bearer(srv.IssueToken()), "")
		mustMatchSpec(t, e)
		var got struct{ Keys []struct{ Name, Type string } }
		if err := json.Unmarshal(e.body, &got); err != nil || len(got.Keys) != 1 || got.Keys[0].Name != "<b>" || got.Keys[0].Type != "restricted" {
			t.Errorf("got %s (%v), want the one key as the file holds it", e.body, err)
		}
	})

	t.Run("JSON", func(t *testing.T) {
		d, err := flexapitest.LoadData(write("keys.json", goodJSON))
		if err != nil {
			t.Fatal(err)
		}
		if len(d["mid_a"]) != 1 || !json.Valid(d["mid_a"][0]) {
			t.Errorf("data %v", d)
		}
	})

	for _, tc := range []struct {
		name, file, content, want string
	}{
		{"empty file", "e.yaml", "  \n", "e.yaml: the file is empty"},
		{"JSON syntax", "s.json", "{\n  \"m\": [\n    {\"name\": \"x\",}\n  ]\n}", "s.json: invalid JSON at line 3, column 18"},
		{"truncated JSON", "t.json", `{"m": [`, "t.json: invalid JSON: unexpected end of file"},
		{"two JSON values", "two.json", `{} {}`, "two.json: invalid JSON: more than one value"},
		{"YAML syntax", "s.yaml", "m:\n  - name: x\n   type: [\n", "s.yaml: invalid YAML: line "},
		// The line of the mistake, not of the block it is in.
		{"YAML indent, less", "in.yaml", "mid_123456:\n  - name: Backend\n    type: secret\n   created_at: \"2024-11-16T12:00:00Z\"\n    last_used: null\n    last_four: \"0042\"\n", "in.yaml: invalid YAML: line 4: "},
		{"YAML indent, more", "in2.yaml", "mid_123456:\n  - name: Backend\n    type: secret\n    created_at: \"2024-11-16T12:00:00Z\"\n      last_used: null\n    last_four: \"0042\"\n", "in2.yaml: invalid YAML: line 5: "},
		{"a key's full value", "v.yaml", "m:\n  - name: x\n    type: secret\n    created_at: \"2024-01-01T00:00:00Z\"\n    last_used: null\n    last_four: abcd\n    value: sk_live_0123456789abcd\n", `v.yaml:2: merchant "m", key 0: line 7: field "value" would carry the key's full value`},
		{"a nested secret", "ns.json", `{"m":[{"name":"x","type":"public","created_at":"2024-01-01T00:00:00Z","last_used":null,"last_four":"abcd","meta":{"Secret_Key":"sk_0123456789abcd"}}]}`, `field "Secret_Key" would carry the key's full value`},
		{"top level list", "l.yaml", "- a\n- b\n", "l.yaml:1: the top level must be an object"},
		{"keys not a list", "k.yaml", "m:\n  name: x\n", `k.yaml:2: merchant "m": its keys must be a list`},
		{"key not an object", "o.yaml", "m:\n  - just a string\n", `o.yaml:2: merchant "m", key 0: a key must be an object`},
		{"missing field", "f.yaml", "m:\n  - name: x\n    type: secret\n    created_at: \"2024-01-01T00:00:00Z\"\n    last_used: null\n", `f.yaml:2: merchant "m", key 0: missing field "last_four"`},
		{"missing last_used", "lu.json", `{"m":[{"name":"x","type":"secret","created_at":"2024-01-01T00:00:00Z","last_four":"abcd"}]}`, `merchant "m", key 0: missing field "last_used"`},
		{"bad date", "d.yaml", "m:\n  - {name: x, type: secret, created_at: yesterday, last_used: null, last_four: abcd}\n", `line 2: field "created_at" does not match openapi.yaml's APIKey: is not an RFC 3339 date-time (the spec's format)`},
		{"bad last_used", "u.yaml", "m:\n  - {name: x, type: secret, created_at: \"2024-01-01T00:00:00Z\", last_used: never, last_four: abcd}\n", `line 2: field "last_used" does not match openapi.yaml's APIKey: is not an RFC 3339 date-time (the spec's format)`},
		{"short last_four", "lf.yaml", "m:\n  - {name: x, type: secret, created_at: \"2024-01-01T00:00:00Z\", last_used: null, last_four: abc}\n", `line 2: field "last_four" does not match openapi.yaml's APIKey: minimum string length is 4`},
		{"numeric last_four", "n.yaml", "m:\n  - {name: x, type: secret, created_at: \"2024-01-01T00:00:00Z\", last_used: null, last_four: 1234}\n", `line 2: field "last_four" must be a string (quote it)`},
		{"duplicate mid", "dup.yaml", "m: []\nm: []\n", `dup.yaml:2: merchant "m" appears twice`},
		{"duplicate field", "df.json", `{"m":[{"name":"x","name":"y","type":"secret","created_at":"2024-01-01T00:00:00Z","last_used":null,"last_four":"abcd"}]}`, `merchant "m", key 0: field "name" appears twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := flexapitest.LoadData(write(tc.file, tc.content))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}

	t.Run("unreadable file", func(t *testing.T) {
		_, err := flexapitest.LoadData(filepath.Join(dir, "missing.yaml"))
		if err == nil || !strings.Contains(err.Error(), "missing.yaml") || !strings.Contains(err.Error(), "no such file") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestSeededData(t *testing.T) {
	odd := json.RawMessage(`{"name":"Odd","type":"restricted","created_at":"yesterday"}`)
	srv, _ := newFake(t,
		flexapitest.WithData(flexapitest.Data{"m1": {odd}}),
		flexapitest.WithKeys("m2", map[string]any{"name": "B"}, map[string]any{"name": "A"}),
	)
	tok := srv.IssueToken()
	e := do(t, srv, http.MethodGet, "/v1/api-keys/m1", bearer(tok), "")
	if string(e.body) != `{"keys":[`+string(odd)+`]}` {
		t.Errorf("odd data changed on the wire: %s", e.body)
	}
	if specErrors(t, e) == nil {
		t.Errorf("odd data passed the spec")
	}
	e = do(t, srv, http.MethodGet, "/v1/api-keys/m2", bearer(tok), "")
	if string(e.body) != `{"keys":[{"name":"B"},{"name":"A"}]}` {
		t.Errorf("order not kept: %s", e.body)
	}
	if e = do(t, srv, http.MethodGet, "/v1/api-keys/"+flexapitest.DefaultMID, bearer(tok), ""); string(e.body) != `{"keys":[]}` {
		t.Errorf("WithData kept the default data: %s", e.body)
	}
	if err := srv.SetKeys("m1"); err != nil {
		t.Fatal(err)
	}
	if e = do(t, srv, http.MethodGet, "/v1/api-keys/m1", bearer(tok), ""); string(e.body) != `{"keys":[]}` {
		t.Errorf("SetKeys did not empty m1: %s", e.body)
	}
	if err := srv.SetKeys("m1", func() {}); err == nil {
		t.Errorf("SetKeys took an unencodable key")
	}
	if d := srv.Data(); len(d["m2"]) != 2 {
		t.Errorf("Data() = %v", d)
	}
	// WithKeys on top of the default data keeps mid_123456.
	srv2, _ := newFake(t, flexapitest.WithKeys("x"))
	if n := len(srv2.Data()[flexapitest.DefaultMID]); n != 2 {
		t.Errorf("WithKeys dropped the default keys: %d", n)
	}
}
