package flexapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Route names one of the double's routes, for faults and the request log.
type Route string

// The routes.
const (
	// RouteToken is POST /v1/oauth2/token.
	RouteToken Route = "token"
	// RouteList is GET /v1/api-keys/{mid}.
	RouteList Route = "list"
	// RouteCreate is POST /v1/api-keys.
	RouteCreate Route = "create"
	// RouteRevoke is DELETE /v1/api-keys/{id}.
	RouteRevoke Route = "revoke"
)

// routeOther is every request that matches no operation (404, 405), as the
// request log names it ("other"); faults cannot be injected on it.
const routeOther Route = "other"

// Fault is a way for a route to misbehave, built by one of this file's
// constructors and given to Server.Inject. A fault applies to every request
// of its route until cleared, unless Times limits it; OnStatus limits it to
// requests whose faithful answer has one of the given statuses.
//
// Each request takes the first injected fault of its route that applies to it;
// faults do not combine.
type Fault struct {
	name     string
	times    int   // 0: always
	statuses []int // the faithful statuses it applies to; nil: any
	authOff  bool
	// refuse, when it reports true for a request, answers it with the
	// documented 401 instead.
	refuse func(*http.Request) bool
	header http.Header
	// transform changes the faithful response; nil keeps it.
	transform func(*response) error
	// deliver writes the response in a broken way; nil writes it normally.
	deliver func(ctx context.Context, w http.ResponseWriter, resp *response)
	// accept serves a request the route should refuse, before the request
	// check, or returns nil to leave it be (faults_accept.go); serve runs
	// the route's checks and handler on a request.
	accept func(s *Server, route Route, r *http.Request, serve func(*http.Request) *response) *response
	// checked: the fault leaves the answer within the spec, so that it is
	// checked again after the fault (with WithResponseValidation).
	checked bool
}

// faulted applies to each request the first fault of its route that
// applies: an accepting fault before the request is served
// (faults_accept.go); else the fault the request's Prefer header (or
// WithPrefer) chooses; else the first injected fault that applies to the
// status of the checked answer.
func (s *Server) faulted(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := s.routeOf(r)
		prefs, refused := s.preferencesOf(route, r)
		if refused != nil {
			refused.write(w)
			return
		}
		serve := func(r *http.Request) *response { return capture(next, r) }
		resp := s.acceptInvalid(route, r, serve)
		if resp == nil {
			resp = serve(r)
		}
		f := preferredFault(route, prefs)
		if f == nil || !f.appliesTo(resp.status) {
			f = s.takeFault(route, resp.status)
		}
		if f == nil {
			resp.write(w)
			return
		}
		if f.authOff {
			authorized := r.Clone(r.Context())
			authorized.Header.Set("Authorization", "Bearer "+s.IssueToken())
			resp = serve(authorized)
		}
		resp.headers() // faults change the header map
		if f.refuse != nil && f.refuse(r) {
			resp = errorResponse(http.StatusUnauthorized, msgInvalidToken)
		}
		if f.transform != nil {
			if err := f.transform(resp); err != nil {
				resp = errorResponse(http.StatusInternalServerError, "flexapitest: "+err.Error())
			}
		}
		h := resp.headers()
		for k, vs := range f.header {
			h[k] = append(h[k], vs...)
		}
		if f.checked && s.answers != nil {
			resp = s.answers.check(r, route, resp)
		}
		if f.deliver != nil {
			f.deliver(r.Context(), w, resp)
			return
		}
		resp.write(w)
	})
}

// String names the fault, for test output.
func (f Fault) String() string {
	s := f.name
	if f.times > 0 {
		s += fmt.Sprintf(" x%d", f.times)
	}
	if len(f.statuses) > 0 {
		s += fmt.Sprintf(" on %v", f.statuses)
	}
	return s
}

// Times limits the fault to the next n requests it applies to; n <= 0 means
// always, the default.
func (f Fault) Times(n int) Fault {
	f.times = max(n, 0)
	return f
}

// Once is Times(1).
func (f Fault) Once() Fault { return f.Times(1) }

// Always undoes Times: the fault applies until cleared.
func (f Fault) Always() Fault { return f.Times(0) }

// OnStatus limits the fault to requests whose faithful answer has one of
// the given statuses: JSONBody(401, ...).OnStatus(401) changes only the
// 401 answers. Mutations and AuthNotEnforced set a default (200 and 401).
func (f Fault) OnStatus(codes ...int) Fault {
	f.statuses = slices.Clone(codes)
	return f
}

// WithHeader adds a header to the fault's response (kept by every fault
// that sends one).
func (f Fault) WithHeader(key, value string) Fault {
	h := f.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Add(key, value)
	f.header = h
	return f
}

func (f Fault) appliesTo(status int) bool {
	return len(f.statuses) == 0 || slices.Contains(f.statuses, status)
}

// replace answers with its own status, header and body instead.
func replace(name string, status int, contentType string, body []byte) Fault {
	return Fault{name: name, transform: func(r *response) error {
		r.status = status
		r.header = http.Header{}
		if contentType != "" {
			r.header.Set("Content-Type", contentType)
		}
		r.body = body
		return nil
	}}
}

// Status answers with the status and the list page's errors body,
// {"errors": [messages...]}, a default message when none is given. It serves
// for the documented 500 as for undocumented statuses (403, 418, 503...).
func Status(code int, messages ...string) Fault {
	if len(messages) == 0 {
		messages = []string{defaultMessage(code)}
	}
	return replace(fmt.Sprintf("status %d", code), code, jsonType, errorsBody(messages...))
}

// InternalError is the page's documented 500 answer.
func InternalError() Fault {
	return Status(http.StatusInternalServerError, msgInternal)
}

// TooManyRequests answers 429 with the errors body and Retry-After in whole
// seconds.
func TooManyRequests(retryAfter time.Duration) Fault {
	secs := int((retryAfter + time.Second - 1) / time.Second)
	return Status(http.StatusTooManyRequests).WithHeader("Retry-After", strconv.Itoa(max(secs, 0)))
}

// GatewayPage answers with a gateway's HTML error page (text/html), the way a
// proxy in front of an API answers 502, 503 or 504.
func GatewayPage(code int) Fault {
	text := fmt.Sprintf("%d %s", code, http.StatusText(code))
	page := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	return replace(fmt.Sprintf("gateway page %d", code), code, "text/html", []byte(page))
}

// JSONBody answers with the status and body encoded as JSON, such as an
// undocumented error shape: JSONBody(401, map[string]string{"message": "no"}).
// An unencodable body answers its encoding error's text.
func JSONBody(code int, body any) Fault {
	b, err := json.Marshal(body)
	if err != nil {
		b = []byte(strconv.Quote(err.Error()))
	}
	return replace(fmt.Sprintf("json body %d", code), code, jsonType, b)
}

// Raw answers with exactly the status, headers and body given.
func Raw(code int, header http.Header, body []byte) Fault {
	f := replace(fmt.Sprintf("raw %d", code), code, "", bytes.Clone(body))
	f.header = header.Clone()
	return f
}

// ContentType sends the faithful body under another Content-Type, such as
// "text/plain; charset=utf-8".
func ContentType(contentType string) Fault {
	return Fault{name: "content type " + contentType, transform: func(r *response) error {
		r.headers().Set("Content-Type", contentType)
		return nil
	}}
}

// TruncatedBody sends the first half of the faithful body, with a
// Content-Length that matches it: the transfer succeeds, the JSON is broken.
func TruncatedBody() Fault {
	return Fault{name: "truncated body", transform: func(r *response) error {
		r.body = r.body[:len(r.body)/2]
		return nil
	}}
}

// OversizedBody sends a valid JSON body of n bytes (at least the faithful
// body): the faithful object with a "padding" string field added.
func OversizedBody(n int) Fault {
	return Fault{name: fmt.Sprintf("oversized body %d", n), transform: func(r *response) error {
		const field = `,"padding":""}`
		pad := n - len(r.body) - len(field) + 1
		if pad < 0 || len(r.body) < 2 || r.body[len(r.body)-1] != '}' {
			return nil
		}
		b := make([]byte, 0, n)
		b = append(b, r.body[:len(r.body)-1]...)
		b = append(b, `,"padding":"`...)
		b = append(b, bytes.Repeat([]byte("x"), pad)...)
		b = append(b, `"}`...)
		r.body = b
		return nil
	}}
}

// Latency waits d before sending the faithful answer. The wait ends early,
// with no answer, when the client gives up or the server closes.
func Latency(d time.Duration) Fault {
	return Fault{name: fmt.Sprintf("latency %v", d), checked: true, deliver: func(ctx context.Context, w http.ResponseWriter, r *response) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			r.write(w)
		case <-ctx.Done():
		}
	}}
}

// DropConnection closes the connection without answering.
func DropConnection() Fault {
	return Fault{name: "dropped connection", deliver: func(_ context.Context, w http.ResponseWriter, r *response) {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
			return
		}
		// Not hijackable (HTTP/2): abort the handler, which resets the stream.
		panic(http.ErrAbortHandler)
	}}
}

// StallBody sends the headers (with the full Content-Length) and half the
// body, then waits until the client gives up or the server closes.
func StallBody() Fault {
	return Fault{name: "stalled body", deliver: func(ctx context.Context, w http.ResponseWriter, r *response) {
		r.writeHeader(w)
		_, _ = w.Write(r.body[:len(r.body)/2])
		_ = http.NewResponseController(w).Flush()
		<-ctx.Done()
	}}
}

// AuthNotEnforced makes the list route answer as if any bearer token, or
// none, were valid: the request gets 200 and the merchant's keys instead of
// 401.
func AuthNotEnforced() Fault {
	return Fault{name: "auth not enforced", authOff: true, statuses: []int{http.StatusUnauthorized}}
}

// CaseSensitiveScheme makes the list route refuse, with the documented 401,
// an Authorization scheme written other than "Bearer", as a server that
// compares the scheme case-sensitively would. The list page's own example
// writes "bearer"; the scheme is case-insensitive (RFC 7235).
func CaseSensitiveScheme() Fault {
	return Fault{name: "case-sensitive scheme", statuses: []int{http.StatusOK}, refuse: func(r *http.Request) bool {
		scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		return scheme != "Bearer"
	}}
}

// RemoveField deletes the value at path from the faithful JSON body. A path
// is slash-separated object keys and array indexes, "*" standing for every
// element or field: "keys/0/last_four", "keys/*/type". It applies to 200
// answers unless OnStatus says otherwise.
func RemoveField(path string) Fault {
	return mutation("remove "+path, path, func(parent any, key string) {
		if m, ok := parent.(map[string]any); ok {
			delete(m, key)
		}
	})
}

// SetField replaces the value at path (see RemoveField) in the faithful JSON
// body, where it exists: SetField("keys/0/created_at", "yesterday").
func SetField(path string, value any) Fault {
	return mutation("set "+path, path, func(parent any, key string) {
		switch p := parent.(type) {
		case map[string]any:
			if _, ok := p[key]; ok {
				p[key] = value
			}
		case []any:
			if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(p) {
				p[i] = value
			}
		}
	})
}

// AddField sets the object field at path (see RemoveField) in the faithful
// JSON body, whether or not it exists: AddField("keys/*/scopes", []string{"read"}).
func AddField(path string, value any) Fault {
	return mutation("add "+path, path, func(parent any, key string) {
		if m, ok := parent.(map[string]any); ok {
			m[key] = value
		}
	})
}

// ListedTwice breaks the listing on purpose: every key of a 200 answer is
// listed twice. For self-tests of lifecycle checks (cmd/flexfactor-mock's
// -break listed-twice).
func ListedTwice() Fault {
	return Fault{name: "listed twice", statuses: []int{http.StatusOK}, transform: func(r *response) error {
		dec := json.NewDecoder(bytes.NewReader(r.body))
		dec.UseNumber()
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			return fmt.Errorf("listed twice: the body is not a JSON object: %w", err)
		}
		if keys, ok := doc["keys"].([]any); ok {
			doc["keys"] = append(keys, keys...)
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return fmt.Errorf("listed twice: %w", err)
		}
		r.body = b
		return nil
	}}
}

// mutation decodes the faithful body, calls edit on the parent of each value
// path names (with the last path segment), and encodes the result.
func mutation(name, path string, edit func(parent any, key string)) Fault {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	return Fault{name: name, statuses: []int{http.StatusOK}, transform: func(r *response) error {
		dec := json.NewDecoder(bytes.NewReader(r.body))
		dec.UseNumber()
		var doc any
		if err := dec.Decode(&doc); err != nil {
			return fmt.Errorf("mutation %q: the body is not JSON: %w", name, err)
		}
		// A one-segment path edits the top object itself.
		walkParents(doc, segs, edit)
		b, err := json.Marshal(doc)
		if err != nil {
			return fmt.Errorf("mutation %q: %w", name, err)
		}
		r.body = b
		return nil
	}}
}

// walkParents calls edit(parent, last) for every parent that segs[:len-1]
// reaches from v.
func walkParents(v any, segs []string, edit func(parent any, key string)) {
	if len(segs) == 1 {
		if segs[0] == "*" {
			switch p := v.(type) {
			case map[string]any:
				for _, k := range slices.Sorted(func(yield func(string) bool) {
					for k := range p {
						if !yield(k) {
							return
						}
					}
				}) {
					edit(p, k)
				}
			case []any:
				for i := range p {
					edit(p, strconv.Itoa(i))
				}
			}
			return
		}
		edit(v, segs[0])
		return
	}
	seg, rest := segs[0], segs[1:]
	switch p := v.(type) {
	case map[string]any:
		if seg == "*" {
			for _, child := range p {
				walkParents(child, rest, edit)
			}
		} else if child, ok := p[seg]; ok {
			walkParents(child, rest, edit)
		}
	case []any:
		if seg == "*" {
			for _, child := range p {
				walkParents(child, rest, edit)
			}
		} else if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(p) {
			walkParents(p[i], rest, edit)
		}
	}
}
