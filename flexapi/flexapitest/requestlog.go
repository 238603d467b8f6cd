package flexapitest

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

// defaultRequestLogSize is how many requests a Server's log keeps unless
// WithRequestLog says otherwise: the most recent ones, older ones dropped.
const defaultRequestLogSize = 10000

// Request is one entry of the request log. Secrets stay out of it: the
// Authorization, Proxy-Authorization and Cookie headers keep only their
// scheme, a header or query parameter named for a secret (X-Api-Key,
// access_token) keeps no value, and request bodies (which carry the AppSecret) are not logged.
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

// requestLog is a ring of the last size requests, with counts per route
// that are kept whatever the size. It has its own lock, so that logging
// never waits on the server's data, and with size 0 and no hook a request
// costs one atomic add: no entry is made, no header copied.
type requestLog struct {
	size int

	mu    sync.Mutex
	ring  []Request // grows up to size, then wraps
	seqs  []uint64  // seqs[i] is the number of ring[i]'s request
	next  uint64    // the number of the next request
	start uint64    // the number of the first request since the last reset

	// counts has one counter per route, made with the log, so that it is
	// read without a lock.
	counts map[Route]*atomic.Int64
}

func newRequestLog(size int) *requestLog {
	l := &requestLog{size: size, counts: map[Route]*atomic.Int64{}}
	for _, route := range []Route{RouteToken, RouteList, RouteCreate, RouteRevoke, routeOther} {
		l.counts[route] = new(atomic.Int64)
	}
	return l
}

// add keeps e, dropping the oldest entry when the ring is full, and returns
// its number for setStatus.
func (l *requestLog) add(e Request) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	seq := l.next
	l.next++
	i := int((seq - l.start) % uint64(l.size))
	if i == len(l.ring) {
		l.ring = append(l.ring, e)
		l.seqs = append(l.seqs, seq)
	} else {
		l.ring[i], l.seqs[i] = e, seq
	}
	return seq
}

// setStatus records the status of request seq, unless it has been dropped
// or reset since.
func (l *requestLog) setStatus(seq uint64, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq < l.start {
		return
	}
	i := int((seq - l.start) % uint64(l.size))
	if i < len(l.seqs) && l.seqs[i] == seq {
		l.ring[i].Status = status
	}
}

// Requests returns a copy of the request log, oldest first: the last
// requests the server received, as many as WithRequestLog allows
// (10,000 unless WithRequestLog says otherwise).
func (s *Server) Requests() []Request {
	l := s.log
	if l.size == 0 {
		return []Request{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Request, 0, len(l.ring))
	// The oldest entry is the one after the newest, once the ring wraps.
	oldest := 0
	if len(l.ring) == l.size {
		oldest = int((l.next - l.start) % uint64(l.size))
	}
	for k := range len(l.ring) {
		e := l.ring[(oldest+k)%len(l.ring)]
		e.Header = e.Header.Clone()
		out = append(out, e)
	}
	return out
}

// RequestCount returns how many requests the route has received, whether
// or not the log still holds them.
func (s *Server) RequestCount(route Route) int {
	if c := s.log.counts[route]; c != nil {
		return int(c.Load())
	}
	return 0
}

// ResetRequests empties the request log and its counts.
func (s *Server) ResetRequests() {
	l := s.log
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.ring)
	clear(l.seqs)
	l.ring, l.seqs = l.ring[:0], l.seqs[:0]
	l.start = l.next
	for _, c := range l.counts {
		c.Store(0)
	}
}

// logRef is a request's place in the log: its entry (made only when the
// log keeps entries or a hook reads them) and its number in the ring.
type logRef struct {
	entry *Request
	seq   uint64
	kept  bool
}

// logRequest counts r and, when someone will read it, makes its entry: the
// one copy of its headers, redacted.
func (s *Server) logRequest(route Route, r *http.Request) logRef {
	l := s.log
	l.counts[route].Add(1)
	if l.size == 0 && s.cfg.onRequest == nil {
		return logRef{}
	}
	e := &Request{
		Route:  route,
		Method: r.Method,
		Path:   r.URL.EscapedPath(),
		Query:  redact.Query(r.URL.RawQuery),
		Header: redact.Header(r.Header),
		Time:   s.cfg.now(),
	}
	ref := logRef{entry: e}
	if l.size > 0 {
		ref.seq, ref.kept = l.add(*e), true
	}
	return ref
}

// finishRequest records the status of the request and calls the hook.
func (s *Server) finishRequest(ref logRef, status int) {
	if ref.entry == nil {
		return
	}
	if ref.kept {
		s.log.setStatus(ref.seq, status)
	}
	if s.cfg.onRequest != nil {
		ref.entry.Status = status
		s.cfg.onRequest(*ref.entry)
	}
}
