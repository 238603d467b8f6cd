package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

// observer collects Observed during a run; it is safe for concurrent use.
type observer struct {
	mu sync.Mutex
	o  report.Observed
	// breaks are the ways each operation's answers broke openapi.yaml,
	// by the fact RecordMatch keeps them under.
	breaks map[string]map[string]bool
	// seen are the answers RecordResponse counted: the target's, not
	// those the suite provoked from the double with a client of its own.
	seen map[*Exchange]bool
}

// NewObserver returns an observer that has seen nothing.
func NewObserver() *observer {
	return &observer{o: report.Observed{Types: map[string]int{}, Undocumented: map[string]int{}, MediaTypes: map[string]int{},
		Responses: map[string]int{}, ErrorShapes: map[string]string{}, GroundTruth: map[string]string{}, Judged: map[string]string{}},
		breaks: map[string]map[string]bool{}, seen: map[*Exchange]bool{}}
}

// Snapshot is a copy of what was observed, for the report.
func (ob *observer) Snapshot() report.Observed {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	o := ob.o
	o.Types, o.Undocumented, o.MediaTypes = clone(o.Types), clone(o.Undocumented), clone(o.MediaTypes)
	o.Responses, o.ErrorShapes, o.GroundTruth = clone(o.Responses), clone(o.ErrorShapes), clone(o.GroundTruth)
	o.Judged = clone(o.Judged)
	return o
}

func clone[V any](m map[string]V) map[string]V {
	c := make(map[string]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// RecordListing adds the raw key objects of a 200 listing. Call it once
// per merchant listed.
func (ob *observer) RecordListing(keys []map[string]any) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	o := &ob.o
	o.ListingSeen = true
	o.Keys += len(keys)
	pairs := map[[2]string]int{}
	for _, k := range keys {
		if t, ok := k["type"].(string); ok {
			o.Types[t]++
		} else {
			o.Types["(not a string)"]++
		}
		if v, ok := k["last_used"]; ok && v == nil {
			o.NullLastUsed++
		}
		name, _ := k["name"].(string)
		four, _ := k["last_four"].(string)
		pairs[[2]string{name, four}]++
	}
	for _, n := range pairs {
		if n > 1 {
			o.DuplicatePairs++
		}
	}
}

// RecordUndocumented adds the undocumented fields of one response.
func (ob *observer) RecordUndocumented(op string, status int, fields map[string]int) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	for f, n := range fields {
		ob.o.Undocumented[fmt.Sprintf("%s %d %s", op, status, f)] += n
	}
}

// RecordResponse counts a response by operation, status and media type,
// and keeps the shape of an error body (never its values).
func (ob *observer) RecordResponse(ex *Exchange) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	ob.seen[ex] = true
	ob.o.Responses[ex.Operation+" "+ex.answer()]++
	if ex.Status >= 400 {
		ob.o.ErrorShapes[fmt.Sprintf("%s %d", ex.Operation, ex.Status)] = bodyShape(ex.Body)
	}
}

// RecordGroundTruth records a fact the run proved on data it made itself,
// such as "created public key listed as" = "publishable".
func (ob *observer) RecordGroundTruth(fact, value string) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	ob.o.GroundTruth[fact] = value
}

// RecordJudged records a fact a check judged, such as what a negative
// probe was answered, under a name that stays the same from run to run.
func (ob *observer) RecordJudged(fact, value string) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	ob.o.Judged[fact] = value
}

// arrayIndex is an array index in a JSON pointer.
var arrayIndex = regexp.MustCompile(`/[0-9]+(/|$)`)

// RecordMatch records how one answer of an operation matched openapi.yaml:
// "<operation> <status> matches openapi.yaml" is "yes" while every answer
// did, else the failures of all of them, array indexes as "*", each once.
// An answer RecordResponse did not count is not the target's: it is left
// out.
func (ob *observer) RecordMatch(ex *Exchange, failures []Failure) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if !ob.seen[ex] {
		return
	}
	fact := fmt.Sprintf("%s %d matches openapi.yaml", ex.Operation, ex.Status)
	set := ob.breaks[fact]
	if set == nil {
		set = map[string]bool{}
		ob.breaks[fact] = set
	}
	for _, f := range failures {
		f.Pointer = arrayIndex.ReplaceAllString(arrayIndex.ReplaceAllString(f.Pointer, "/*$1"), "/*$1")
		set[f.String()] = true
	}
	ob.o.Judged[fact] = "yes"
	if len(set) > 0 {
		ob.o.Judged[fact] = strings.Join(slices.Sorted(maps.Keys(set)), "; ")
	}
}

// RecordMediaType counts a response's media type.
func (ob *observer) RecordMediaType(mt string) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	ob.o.MediaTypes[printableMediaType(mt)]++
	ob.o.Checked++
}

// decodeKeys decodes a listing body into its raw key objects, keeping
// every field as sent (numbers as json.Number). It fails when the body has
// no array of objects under the member openapi.yaml's listing holds its
// keys in.
func decodeKeys(body []byte) ([]map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("the body is not a JSON object")
	}
	member := specFacts.keysMember
	raw, ok := top[member].([]any)
	if !ok {
		return nil, fmt.Errorf("the body has no %q array", member)
	}
	keys := make([]map[string]any, 0, len(raw))
	for i, item := range raw {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("/%s/%d is not an object", member, i)
		}
		keys = append(keys, m)
	}
	return keys, nil
}

// DecodeJSON decodes any JSON body with numbers kept exact.
func DecodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the body is not JSON")
	}
	return v, nil
}

// UndocumentedFields walks value along schema and counts each object
// member the schema does not declare, by pointer with array indexes as
// "*": {"/keys/*/id": 2}. Objects whose schema declares no properties
// (free-form objects) are not walked.
func UndocumentedFields(schema *openapi3.Schema, value any) map[string]int {
	out := map[string]int{}
	var walk func(s *openapi3.Schema, v any, path string)
	walk = func(s *openapi3.Schema, v any, path string) {
		if s == nil {
			return
		}
		switch v := v.(type) {
		case map[string]any:
			if len(s.Properties) == 0 {
				return
			}
			for name, member := range v {
				p := path + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
				prop, ok := s.Properties[name]
				if !ok {
					out[p]++
					continue
				}
				if prop.Value != nil {
					walk(prop.Value, member, p)
				}
			}
		case []any:
			if s.Items == nil || s.Items.Value == nil {
				return
			}
			for _, item := range v {
				walk(s.Items.Value, item, path+"/*")
			}
		}
	}
	walk(schema, value, "")
	return out
}

// keySecurityProblems checks the page's Key Security note on each raw key
// object: "the full key value for secret keys is not returned". Exactly:
//
//  1. no member, at any depth, is named like a key value (value, key,
//     api_key, secret, secret_key, token, ... compared without case, '_'
//     and '-');
//  2. last_four is at most four characters, so it cannot hold the value;
//  3. no other string member, at any depth, looks like a key (16 or more
//     characters, no white space) and ends with the key's last_four: that
//     would be the full value under another name.
//
// It checks the keys whose type is not one of NonSecretTypes: the note
// promises nothing for public, publishable and tokenization keys, whose
// value a listing may show (the lifecycle records whether it does). A key
// of an unknown or missing type is checked. The failures name pointers,
// never values.
func keySecurityProblems(keys []map[string]any) []Failure {
	return keyValueSuspects(keys, false)
}

// NonSecretTypes are the key types the Key Security note does not cover:
// the known types of openapi.yaml but those its x-secret-values names.
var NonSecretTypes = nonSecretTypes(specFacts)

// keyValueSuspects is KeySecurityProblems, over every key when all is set:
// the redactor learns the suspects of every key, secret or not.
func keyValueSuspects(keys []map[string]any, all bool) []Failure {
	var out []Failure
	for i, k := range keys {
		if t, _ := k["type"].(string); !all && slices.Contains(NonSecretTypes, t) {
			continue
		}
		base := "/keys/" + strconv.Itoa(i)
		four, _ := k["last_four"].(string)
		if utf8.RuneCountInString(four) > 4 {
			out = append(out, Failure{Where: whereBody, Pointer: base + "/last_four", Reason: "last_four is longer than four characters: it may carry the key"})
		}
		var walk func(v any, path string, top bool)
		walk = func(v any, path string, top bool) {
			switch v := v.(type) {
			case map[string]any:
				names := mapsKeys(v)
				slices.Sort(names)
				for _, name := range names {
					p := path + "/" + name
					if redact.IsSecretField(name) {
						out = append(out, Failure{Where: whereBody, Pointer: p, Reason: fmt.Sprintf("a key object carries a member named %q, which may hold the full key value", name)})
						continue
					}
					if top && name == "last_four" {
						continue
					}
					walk(v[name], p, false)
				}
			case []any:
				for j, item := range v {
					walk(item, path+"/"+strconv.Itoa(j), false)
				}
			case string:
				if len(four) == 4 && looksLikeKey(v) && strings.HasSuffix(v, four) {
					out = append(out, Failure{Where: whereBody, Pointer: path, Reason: "a string that looks like a key ends with the key's last_four: it may be the full key value"})
				}
			}
		}
		walk(k, base, true)
	}
	return out
}

func looksLikeKey(s string) bool {
	return utf8.RuneCountInString(s) >= 16 && !strings.ContainsFunc(s, unicode.IsSpace)
}

// bodyShape describes a JSON body by its structure alone: member names and
// value types, never values: {"errors":[string]}. An array shows its
// items' shapes, each once. A body that is not JSON is "not JSON".
func bodyShape(body []byte) string {
	v, err := DecodeJSON(body)
	if err != nil {
		if len(bytes.TrimSpace(body)) == 0 {
			return "empty"
		}
		return "not JSON"
	}
	var shape func(v any, depth int) string
	shape = func(v any, depth int) string {
		if depth > 8 {
			return "…"
		}
		switch v := v.(type) {
		case map[string]any:
			names := sortedKeys(v)
			parts := make([]string, len(names))
			for i, n := range names {
				parts[i] = strconv.Quote(n) + ":" + shape(v[n], depth+1)
			}
			return "{" + strings.Join(parts, ",") + "}"
		case []any:
			var items []string
			for _, item := range v {
				if s := shape(item, depth+1); !slices.Contains(items, s) {
					items = append(items, s)
				}
			}
			slices.Sort(items)
			return "[" + strings.Join(items, "|") + "]"
		case string:
			return "string"
		case json.Number:
			return "number"
		case bool:
			return "boolean"
		case nil:
			return "null"
		}
		return "?"
	}
	return shape(v, 0)
}
