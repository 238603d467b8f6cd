package flexapitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Faults on demand, by the convention of Prism's mock server: a request's
// Prefer header (RFC 7240) names what it wants of the double,
// "Prefer: code=429" or "Prefer: code=500, delay=2s", and WithPrefer
// (cmd/flexfactor-mock's -prefer) names what every request gets; a request's
// own preference of a name comes first. Names the double does not know are
// ignored, as RFC 7240 asks; a known name with a value it cannot use answers
// 400, naming Prefer.

// preference is one row of the table of preferences the double knows.
type preference struct {
	name  string
	value string // what follows "=" in the table; "" when nothing does
	// answer says what the double answers; checked whether that answer is
	// checked against the spec before it goes out.
	answer  string
	checked bool
	// fault is the preference's fault on route, or false when it does not
	// apply to route; nil for code and example, which preferred serves.
	fault func(route Route, value string) (Fault, bool)
	// parse checks a value, for a 400 (or Start's error) that says why.
	parse func(value string) error
}

// maxDelay bounds a delay preference: every wait ends.
const maxDelay = 5 * time.Minute

// preferences is the table: Preferences prints it, -h and docs/double.md
// show it.
var preferences = []preference{
	{name: "code", value: "N", checked: true,
		answer: "the spec's answer for status N of the call, in place of the operation (no token is issued, no key made or revoked): its example body, in the media type the `Accept` header names or else one the spec gives an example for, and the headers it declares (`Retry-After` of a 429); a status the call does not declare answers 400 naming `Prefer`",
		parse: func(v string) error {
			if n, err := strconv.Atoi(v); err != nil || n < 100 || n > 599 {
				return errors.New("code must be a status from 100 to 599")
			}
			return nil
		}},
	{name: "example", value: "NAME", checked: true,
		answer: "with `code`, the spec's example of that name (`code=200, example=twoKeys`); else the first by name"},
	{name: "delay", value: "DURATION", checked: true,
		answer: "the answer, after `DURATION` (`1.5s`, `200ms`; at most 5m); the wait ends when the client gives up",
		parse: func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 || d > maxDelay {
				return fmt.Errorf("delay must be a duration from 0 to %v, such as 1.5s", maxDelay)
			}
			return nil
		},
		fault: func(_ Route, v string) (Fault, bool) {
			d, _ := time.ParseDuration(v)
			return Latency(d), true
		}},
	{name: "stall",
		answer: "the headers and half the body, then nothing until the client gives up or the double stops",
		fault:  func(Route, string) (Fault, bool) { return StallBody(), true }},
	{name: "missing-field", value: "FIELD",
		answer: "the answer without `FIELD`: in every listed key on a list call (`missing-field=last_used`), at the top of the body on the others (`missing-field=accessToken`)",
		parse: func(v string) error {
			if v == "" || strings.ContainsAny(v, "/*") {
				return errors.New("missing-field must name one member, such as last_used")
			}
			return nil
		},
		fault: func(route Route, v string) (Fault, bool) {
			if route == RouteList {
				return RemoveField("keys/*/" + v), true
			}
			return RemoveField(v).OnStatus(http.StatusOK, http.StatusCreated), true
		}},
	{name: "unknown-type", checked: true,
		answer: "on a list call, every key's `type` `restricted`: a listed type the spec admits and no client's enum knows",
		fault: func(route Route, _ string) (Fault, bool) {
			return SetField("keys/*/type", "restricted"), route == RouteList
		}},
	{name: "revoke-204", checked: true,
		answer: "on a revoke that succeeds, 204 without a body, as the errors page says a DELETE answers",
		fault: func(route Route, _ string) (Fault, bool) {
			return Fault{name: "revoke 204", statuses: []int{http.StatusOK}, transform: func(r *response) error {
				r.status, r.header, r.body = http.StatusNoContent, http.Header{}, nil
				return nil
			}}, route == RouteRevoke
		}},
	{name: "malformed",
		answer: "the first half of the body, with a `Content-Length` that matches it: the transfer succeeds, the JSON is broken",
		fault:  func(Route, string) (Fault, bool) { return TruncatedBody(), true }},
}

// Preferences is the table of the Prefer preferences the double knows, in
// Markdown: cmd/flexfactor-mock's -h prints it and docs/double.md holds it
// (a test keeps them the same).
func Preferences() string {
	var b strings.Builder
	b.WriteString("| `Prefer` | the double answers | checked against the spec |\n|---|---|---|\n")
	for _, p := range preferences {
		name := p.name
		if p.value != "" {
			name += "=" + p.value
		}
		checked := "no: broken on purpose"
		if p.checked {
			checked = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, p.answer, checked)
	}
	return b.String()
}

// WithPrefer serves every request as if it carried the Prefer header value
// (see Preferences): "code=503", "delay=2s", "unknown-type". A request's
// own preference of a name comes first; a code the call does not declare
// leaves that call alone. Start fails for a name the double does not know
// or a value it cannot use.
func WithPrefer(value string) Option {
	return func(c *config) error {
		prefs, err := parsePrefer([]string{value})
		if err != nil {
			return fmt.Errorf("flexapitest: WithPrefer: %w", err)
		}
		for name := range prefs {
			if !slices.ContainsFunc(preferences, func(p preference) bool { return p.name == name }) {
				return fmt.Errorf("flexapitest: WithPrefer: %q is not a preference the double knows", name)
			}
		}
		c.prefer = prefs
		return nil
	}
}

// parsePrefer reads Prefer header values (RFC 7240: name[=value], comma
// separated, parameters after ";" ignored) into name -> value, and checks
// the values of the names the double knows. Of two own faults the double
// can apply one: asking for two is an error.
func parsePrefer(values []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			item, _, _ = strings.Cut(item, ";")
			name, value, _ := strings.Cut(strings.TrimSpace(item), "=")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			value = strings.TrimSpace(value)
			if u, err := strconv.Unquote(value); err == nil && strings.HasPrefix(value, `"`) {
				value = u
			}
			out[name] = value
		}
	}
	faults := 0
	for _, p := range preferences {
		v, ok := out[p.name]
		if !ok {
			continue
		}
		if p.parse != nil {
			if err := p.parse(v); err != nil {
				return nil, err
			}
		}
		if p.fault != nil {
			faults++
		}
	}
	if faults > 1 {
		return nil, errors.New("it names more than one of the double's own faults; they do not combine")
	}
	return out, nil
}

// preferencesOf is what r prefers of its route: its Prefer header's
// preferences over WithPrefer's. The error, for a request's own header, is
// the 400 to answer. WithPrefer's code applies to the calls that declare it.
func (s *Server) preferencesOf(route Route, r *http.Request) (map[string]string, *response) {
	header := r.Header.Values("Prefer")
	if len(header) == 0 && s.cfg.prefer == nil {
		return nil, nil
	}
	own, err := parsePrefer(header)
	if err != nil {
		return nil, preferRefused(err.Error())
	}
	prefs := maps.Clone(s.cfg.prefer)
	if prefs == nil {
		prefs = map[string]string{}
	}
	_, ownCode := own["code"]
	if code, ok := prefs["code"]; ownCode || ok && s.declares(route, code) != nil {
		// The request's code goes with its own example; WithPrefer's
		// code leaves the calls that do not declare it alone.
		delete(prefs, "code")
		delete(prefs, "example")
	}
	if ownFault(own) != "" {
		delete(prefs, ownFault(prefs))
	}
	maps.Copy(prefs, own)
	if code, ok := own["code"]; ok {
		if err := s.declares(route, code); err != nil {
			return nil, preferRefused(err.Error())
		}
	}
	if name, ok := prefs["example"]; ok && prefs["code"] != "" {
		if _, _, err := s.specExample(route, prefs["code"], name, ""); err != nil {
			return nil, preferRefused(err.Error())
		}
	}
	return prefs, nil
}

// ownFault is the name of the double's own fault prefs name, or "".
func ownFault(prefs map[string]string) string {
	for _, p := range preferences {
		if _, ok := prefs[p.name]; ok && p.fault != nil {
			return p.name
		}
	}
	return ""
}

// preferredFault is the fault prefs choose for route, if any, marked to be
// checked when its answer stays within the spec.
func preferredFault(route Route, prefs map[string]string) *Fault {
	for _, p := range preferences {
		v, ok := prefs[p.name]
		if !ok || p.fault == nil {
			continue
		}
		f, applies := p.fault(route, v)
		if !applies {
			return nil
		}
		f.checked = p.checked
		return &f
	}
	return nil
}

func preferRefused(why string) *response {
	return modelStateResponse(fieldErrors{"Prefer": {"The Prefer header cannot be met: " + why + "."}})
}

// declares returns nil when the route's operation declares status code (or
// its range), else why not.
func (s *Server) declares(route Route, code string) error {
	n, _ := strconv.Atoi(code)
	op := s.operations[route].op
	if op.Responses.Status(n) != nil {
		return nil
	}
	return fmt.Errorf("the spec declares no %d answer for this call; it declares %s", n, strings.Join(op.Responses.Keys(), ", "))
}

// preferred answers a request that prefers a status (Prefer: code=N) with
// the spec's answer for it, in place of the operation.
func (s *Server) preferred(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := s.routeOf(r)
		prefs, _ := s.preferencesOf(route, r) // faulted answered an error
		code, ok := prefs["code"]
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		s.specAnswer(route, r, code, prefs["example"]).write(w)
	})
}

// specAnswer is the spec's answer for status code of route's operation:
// an example body in the media type r accepts (else one the spec gives an
// example for), and the headers the response declares, each its example's
// value.
func (s *Server) specAnswer(route Route, r *http.Request, code, example string) *response {
	n, _ := strconv.Atoi(code)
	ref := s.operations[route].op.Responses.Status(n)
	resp := &response{status: n, header: http.Header{}}
	for _, name := range slices.Sorted(maps.Keys(ref.Value.Headers)) {
		if h := ref.Value.Headers[name]; h != nil && h.Value != nil {
			resp.header.Set(name, headerExample(&h.Value.Parameter))
		}
	}
	if len(ref.Value.Content) == 0 {
		return resp
	}
	mediaType, body, err := s.specExample(route, code, example, r.Header.Get("Accept"))
	if err != nil {
		s.cfg.errorLog.Printf("flexapitest: Prefer: code=%d on %s: %v", n, route, err)
		return errorResponse(http.StatusInternalServerError, "flexapitest: "+err.Error()+".")
	}
	resp.body = body
	resp.header.Set("Content-Type", mediaType)
	return resp
}

// specExample picks the media type and example body of status code of
// route's operation: the media type accept names, else one with an
// example (application/json first); the example named, else the first by
// name; an example of another media type of the same response, or the
// schema's, when the chosen media type has none.
func (s *Server) specExample(route Route, code, name, accept string) (string, []byte, error) {
	n, _ := strconv.Atoi(code)
	content := s.operations[route].op.Responses.Status(n).Value.Content
	types := slices.Sorted(maps.Keys(content))
	slices.SortStableFunc(types, func(a, b string) int {
		return boolOrder(hasExample(content[b])) - boolOrder(hasExample(content[a])) +
			2*(boolOrder(b == "application/json")-boolOrder(a == "application/json"))
	})
	chosen := types[0]
	for part := range strings.SplitSeq(accept, ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && content[mt] != nil {
			chosen = mt
			break
		}
	}
	// The chosen media type's examples first, then the others'.
	order := append([]string{chosen}, slices.DeleteFunc(slices.Clone(types), func(t string) bool { return t == chosen })...)
	var names []string
	for _, t := range order {
		mt := content[t]
		if name != "" {
			if ex := mt.Examples[name]; ex != nil && ex.Value != nil {
				return contentType(chosen), mustJSON(ex.Value.Value), nil
			}
			names = append(names, slices.Sorted(maps.Keys(mt.Examples))...)
			continue
		}
		if len(mt.Examples) > 0 {
			first := slices.Sorted(maps.Keys(mt.Examples))[0]
			if ex := mt.Examples[first]; ex.Value != nil {
				return contentType(chosen), mustJSON(ex.Value.Value), nil
			}
		}
		if mt.Example != nil {
			return contentType(chosen), mustJSON(mt.Example), nil
		}
		if mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Example != nil {
			return contentType(chosen), mustJSON(mt.Schema.Value.Example), nil
		}
	}
	if name == "" {
		if ex := s.exampleOfSchema(content[chosen].Schema); ex != nil {
			return contentType(chosen), mustJSON(ex), nil
		}
	}
	if name != "" {
		slices.Sort(names)
		return "", nil, fmt.Errorf("the spec has no example of that name for %d; it has %s", n, strings.Join(slices.Compact(names), ", "))
	}
	return "", nil, fmt.Errorf("the spec gives no example for %d of this call", n)
}

// exampleOfSchema is the first example, by call and status, that the spec
// gives another answer of the same schema: the errors page's ModelState
// 400 is declared by reference on several calls and exemplified on one.
func (s *Server) exampleOfSchema(schema *openapi3.SchemaRef) any {
	if schema == nil || schema.Value == nil {
		return nil
	}
	for _, route := range slices.Sorted(maps.Keys(s.operations)) {
		responses := s.operations[route].op.Responses
		for _, key := range responses.Keys() {
			ref := responses.Value(key)
			if ref == nil || ref.Value == nil {
				continue
			}
			for _, t := range slices.Sorted(maps.Keys(ref.Value.Content)) {
				mt := ref.Value.Content[t]
				if mt.Schema == nil || mt.Schema.Value != schema.Value {
					continue
				}
				for _, name := range slices.Sorted(maps.Keys(mt.Examples)) {
					if ex := mt.Examples[name]; ex.Value != nil {
						return ex.Value.Value
					}
				}
				if mt.Example != nil {
					return mt.Example
				}
			}
		}
	}
	return nil
}

func hasExample(mt *openapi3.MediaType) bool {
	return mt != nil && (len(mt.Examples) > 0 || mt.Example != nil || mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Example != nil)
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// contentType is a JSON media type as the double sends it, with its charset.
func contentType(mediaType string) string {
	if strings.HasSuffix(mediaType, "json") {
		return mediaType + "; charset=utf-8"
	}
	return mediaType
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// headerExample is a declared header's value: its example, else its
// schema's example or default, else 1 (a Retry-After of one second).
func headerExample(p *openapi3.Parameter) string {
	v := p.Example
	for _, name := range slices.Sorted(maps.Keys(p.Examples)) {
		if v == nil && p.Examples[name].Value != nil {
			v = p.Examples[name].Value.Value
		}
	}
	if v == nil && p.Schema != nil && p.Schema.Value != nil {
		v = p.Schema.Value.Example
		if v == nil {
			v = p.Schema.Value.Default
		}
	}
	if v == nil {
		return "1"
	}
	if s, ok := v.(string); ok {
		return s
	}
	return string(mustJSON(v))
}
