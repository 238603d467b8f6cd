package flexapitest

import (
	"net/http"
	"strings"
	"time"
)

// Request is one entry of the request log. Secrets stay out of it: the
// Authorization, Proxy-Authorization and Cookie headers keep only their
// scheme, and request bodies (which carry the AppSecret) are not logged.
type Request struct {
	// Route is the route the request matched.
	Route Route
	// Method is the HTTP method.
	Method string
	// Path is the path as sent, escaped: "/v1/api-keys/a%2Fb".
	Path string
	// Query is the raw query, without "?".
	Query string
	// Header is a copy of the request's headers, redacted.
	Header http.Header
	// Time is when the request arrived, by the server's clock.
	Time time.Time
	// Status is the status answered, 0 while the request is in progress or
	// when the connection was dropped without an answer.
	Status int
}

// Redacted is what replaces a secret in the request log.
const Redacted = "[REDACTED]"

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	for i, e := range s.log {
		e.Header = e.Header.Clone()
		out[i] = e
	}
	return out
}

// RequestCount returns how many requests the route has received.
func (s *Server) RequestCount(route Route) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[route]
}

// ResetRequests empties the request log and its counts.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
	s.logGen++
	clear(s.counts)
}

// logRequest records r and returns its place in the log for finishRequest.
func (s *Server) logRequest(route Route, r *http.Request) logRef {
	e := Request{
		Route:  route,
		Method: r.Method,
		Path:   r.URL.EscapedPath(),
		Query:  r.URL.RawQuery,
		Header: redact(r.Header),
		Time:   s.cfg.now(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, e)
	s.counts[route]++
	return logRef{gen: s.logGen, idx: len(s.log) - 1}
}

// logRef is a request's place in the log; gen tells a log since reset.
type logRef struct{ gen, idx int }

// finishRequest records the status of the request at idx and calls the hook.
func (s *Server) finishRequest(ref logRef, status int) {
	s.mu.Lock()
	var e Request
	ok := ref.gen == s.logGen && ref.idx < len(s.log)
	if ok {
		s.log[ref.idx].Status = status
		e = s.log[ref.idx]
		e.Header = e.Header.Clone()
	}
	s.mu.Unlock()
	if ok && s.cfg.onRequest != nil {
		s.cfg.onRequest(e)
	}
}

// redact copies h with its credentials replaced: "Bearer [REDACTED]" keeps
// the scheme, which tests may check, and drops the token.
func redact(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range []string{"Authorization", "Proxy-Authorization"} {
		vs := out.Values(k)
		for i, v := range vs {
			scheme, _, ok := strings.Cut(v, " ")
			if ok && isToken(scheme) {
				vs[i] = scheme + " " + Redacted
			} else {
				vs[i] = Redacted
			}
		}
	}
	for _, k := range []string{"Cookie", "Set-Cookie"} {
		if vs := out.Values(k); len(vs) > 0 {
			for i := range vs {
				vs[i] = Redacted
			}
		}
	}
	return out
}

// isToken reports whether s looks like an auth scheme name (letters only,
// short), as opposed to a bare secret.
func isToken(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
