package flexapitest

import (
	"net/http"
	"strings"
)

// A request to an operation goes through these middlewares, outermost
// first, around the operation's own handler (a method of handler, which
// the generated ServerInterfaceWrapper calls once it has bound the path
// parameters):
//
//	logged     counts and logs the request, with the status it was answered
//	faulted    the route's injected faults and the Prefer header's (or
//	           WithPrefer's) own faults change the answer on its way out
//	checked    the answer checked against the spec (WithResponseValidation)
//	validated  the request checked against the spec: a 400 (or 413) instead
//	preferred  Prefer: code=N answers the spec's answer for N in place of
//	           the operation
//
// so that a fault acts on an answer that was checked, a fault's answer that
// stays within the spec (a Prefer status, a delay) is checked too, and a
// request the spec's check refuses still gets its 400.
func (s *Server) middlewares() []func(http.Handler) http.Handler {
	// The generated wrapper applies them in order, each around the last:
	// the last is outermost.
	return []func(http.Handler) http.Handler{s.preferred, s.validated, s.checked, s.faulted, s.logged}
}

// routeOf is the Route of a request the router matched to an operation.
func (s *Server) routeOf(r *http.Request) Route { return s.patterns[r.Pattern] }

// logged counts and logs each request and records the status it was
// answered with (0 when the connection was dropped without one).
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ServeMux serves HEAD with a GET pattern: the spec declares no HEAD.
		if m, _, _ := strings.Cut(r.Pattern, " "); m != r.Method {
			s.other(w, r)
			return
		}
		ref := s.logRequest(s.routeOf(r), r)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.finishRequest(ref, sw.status)
	})
}

// checked checks each answer against the spec before it goes on
// (WithResponseValidation); a 413 is the double's own limit on a body,
// which the spec does not describe for every operation, and is left alone.
func (s *Server) checked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.answers == nil {
			next.ServeHTTP(w, r)
			return
		}
		resp := capture(next, r)
		if resp.status != http.StatusRequestEntityTooLarge {
			resp = s.answers.check(r, s.routeOf(r), resp)
		}
		resp.write(w)
	})
}

// validated answers a request that does not match the spec with the
// request check's 400 (or 413), and passes the others on.
func (s *Server) validated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if resp := s.validator.check(r, s.routeOf(r)); resp != nil {
			resp.write(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// recorder is the http.ResponseWriter a middleware hands on when it wants
// the answer back as a *response, to check or change it before it goes
// out. response.write fills it without a copy.
type recorder struct {
	resp response
}

func (rec *recorder) Header() http.Header { return rec.resp.headers() }

func (rec *recorder) WriteHeader(code int) {
	if rec.resp.status == 0 {
		rec.resp.status = code
	}
}

func (rec *recorder) Write(b []byte) (int, error) {
	rec.WriteHeader(http.StatusOK)
	rec.resp.body = append(rec.resp.body, b...)
	return len(b), nil
}

// capture runs next on r and returns its answer.
func capture(next http.Handler, r *http.Request) *response {
	rec := &recorder{}
	next.ServeHTTP(rec, r)
	if rec.resp.status == 0 {
		rec.resp.status = http.StatusOK
	}
	return &rec.resp
}

// statusWriter records the status sent through it. Unwrap lets
// http.ResponseController reach the connection beneath (a fault that
// stalls flushes it, one that drops it hijacks it).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (sw *statusWriter) WriteHeader(code int) {
	if sw.status == 0 {
		sw.status = code
	}
	sw.ResponseWriter.WriteHeader(code)
}

func (sw *statusWriter) Write(b []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	return sw.ResponseWriter.Write(b)
}

func (sw *statusWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }
