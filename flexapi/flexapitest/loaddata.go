package flexapitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"

	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// LoadData reads a data file: a JSON or YAML object that maps each merchant
// id to its list of keys, each with the five fields of the list call:
//
//	mid_123456:
//	  - name: My API Key
//	    type: secret
//	    created_at: "2024-11-16T12:00:00Z"
//	    last_used: null
//	    last_four: "7dc0"
//
// Unlike WithData and SetKeys, it checks every key against openapi.yaml's APIKey, so the
// server it seeds answers only valid responses. Its errors name the file,
// the line and the problem.
func LoadData(path string) (Data, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("data file: %w", err)
	}
	return ParseData(path, b)
}

// ParseData parses the contents of a data file (see LoadData); name is used
// in errors, and a name ending in ".json" is parsed as strict JSON.
func ParseData(name string, b []byte) (Data, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%s: the file is empty; it must map merchant ids to their keys", name)
	}
	if strings.EqualFold(filepath.Ext(name), ".json") {
		if err := checkJSONSyntax(b); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	// JSON is YAML: one parser for both keeps the line of every node, for
	// the errors below.
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: invalid YAML: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("%s: the file must hold one document", name)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the top level must be an object mapping merchant ids to lists of keys", name, root.Line)
	}
	data := Data{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return nil, fmt.Errorf("%s:%d: a merchant id must be a non-empty string", name, k.Line)
		}
		mid := k.Value
		if _, dup := data[mid]; dup {
			return nil, fmt.Errorf("%s:%d: merchant %q appears twice", name, k.Line, mid)
		}
		if v.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("%s:%d: merchant %q: its keys must be a list", name, v.Line, mid)
		}
		keys := make([]json.RawMessage, 0, len(v.Content))
		for j, item := range v.Content {
			raw, err := parseKey(item)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: merchant %q, key %d: %w", name, item.Line, mid, j, err)
			}
			keys = append(keys, raw)
		}
		data[mid] = keys
	}
	return data, nil
}

// checkJSONSyntax reports a JSON syntax error with its line and column.
func checkJSONSyntax(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if _, err2 := dec.Token(); err2 == nil {
			return fmt.Errorf("invalid JSON: more than one value")
		}
		return nil
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := lineCol(b, syn.Offset)
		return fmt.Errorf("invalid JSON at line %d, column %d: %s", line, col, syn.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: unexpected end of file")
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

func lineCol(b []byte, offset int64) (line, col int) {
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	before := b[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return line, max(col, 1)
}

// apiKeySchema is openapi.yaml's APIKey, which every key of a data file is
// checked against: its required list says which fields a key must have,
// and the key as encoded must match it whole.
func apiKeySchema() (*openapi3.Schema, error) {
	doc, err := spec.Doc()
	if err != nil {
		return nil, err
	}
	ref := doc.Components.Schemas["APIKey"]
	if ref == nil || ref.Value == nil {
		return nil, errors.New("openapi.yaml has no APIKey schema")
	}
	return ref.Value, nil
}

// parseKey checks one key node against openapi.yaml's APIKey and returns its
// JSON, fields in the spec's order, unknown fields after them.
func parseKey(n *yaml.Node) (json.RawMessage, error) {
	schema, err := apiKeySchema()
	if err != nil {
		return nil, err
	}
	if n.Kind != yaml.MappingNode {
		return nil, errors.New("a key must be an object with " + strings.Join(schema.Required, ", "))
	}
	fields := map[string]*yaml.Node{}
	var order []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		if _, dup := fields[n.Content[i].Value]; dup {
			return nil, fmt.Errorf("field %q appears twice", n.Content[i].Value)
		}
		fields[n.Content[i].Value] = n.Content[i+1]
		order = append(order, n.Content[i].Value)
	}
	for _, f := range schema.Required {
		if _, ok := fields[f]; !ok {
			return nil, fmt.Errorf("missing field %q", f)
		}
	}
	if err := refuseKeyValues(n); err != nil {
		return nil, err
	}
	str := func(f string) (string, error) {
		v := fields[f]
		// An unquoted date is a YAML timestamp: accept it as the string it is.
		if v.Kind != yaml.ScalarNode || (v.Tag != "!!str" && v.Tag != "!!timestamp") {
			return "", fmt.Errorf("line %d: field %q must be a string (quote it)", v.Line, f)
		}
		return v.Value, nil
	}
	// A value must be a YAML string where it is one: an unquoted 1234 or
	// true would be encoded as a JSON number or boolean. The rest (formats,
	// lengths, null) is the schema check's after the encoding, so the spec
	// alone says what a listed key may hold.
	for _, f := range order {
		if p := schema.Properties[f]; p != nil && p.Value != nil && p.Value.Type.Is(openapi3.TypeString) {
			if v := fields[f]; !(v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
				if _, err := str(f); err != nil {
					return nil, err
				}
			}
		}
	}

	// Encode in the spec's field order, then the others as written.
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	emit := func(k string) error {
		var v any
		if err := fields[k].Decode(&v); err != nil {
			return fmt.Errorf("field %q: %w", k, err)
		}
		if n := fields[k]; n.Tag == "!!timestamp" {
			v = n.Value
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(normalize(v))
		if err != nil {
			return fmt.Errorf("field %q cannot be encoded as JSON: %w", k, err)
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
		return nil
	}
	known := schema.Required
	for _, k := range known {
		if err := emit(k); err != nil {
			return nil, err
		}
	}
	for _, k := range order {
		if !slices.Contains(known, k) {
			if err := emit(k); err != nil {
				return nil, err
			}
		}
	}
	buf.WriteByte('}')
	var v any
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
		return nil, err
	}
	if err := schema.VisitJSON(v, openapi3.VisitAsResponse()); err != nil {
		return nil, schemaProblem(err, fields)
	}
	return buf.Bytes(), nil
}

// schemaProblem says which field of a key breaks APIKey and why, with its
// line, never its value.
func schemaProblem(err error, fields map[string]*yaml.Node) error {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return errors.New("the key does not match openapi.yaml's APIKey")
	}
	reason := spec.Reason(se)
	path := se.JSONPointer()
	if len(path) > 0 {
		if n := fields[path[0]]; n != nil {
			return fmt.Errorf("line %d: field %q does not match openapi.yaml's APIKey: %s", n.Line, path[0], reason)
		}
	}
	return fmt.Errorf("the key does not match openapi.yaml's APIKey: %s", reason)
}

// refuseKeyValues fails on a member, at any depth of a key, named like a
// key's full value (value, secret_key, token, ...): the list call never
// carries one (its Key Security note), so a double seeded with one would
// teach its users the opposite.
func refuseKeyValues(n *yaml.Node) error {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; redact.IsSecretField(k.Value) {
				return fmt.Errorf("line %d: field %q would carry the key's full value, which the list call never returns: remove it", k.Line, k.Value)
			}
			if err := refuseKeyValues(n.Content[i+1]); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if err := refuseKeyValues(item); err != nil {
				return err
			}
		}
	}
	return nil
}

// normalize turns YAML's map[any]any (non-string keys) into JSON objects.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalize(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = normalize(e)
		}
		return t
	}
	return v
}
