package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The load is vegeta's (github.com/tsenart/vegeta/v12/lib): an attacker with
// n workers over n keep-alive HTTP/1.1 connections, paced at no rate at all
// (vegeta's zero ConstantPacer, "-rate=0 -max-workers=n"), so that each
// worker sends its next request as soon as it has read the last answer: a
// closed loop that finds the server's throughput. Every load is bounded in
// time (its duration) and in requests (its targeter stops after max), and
// every request in time.

// ioTimeout bounds one request: a server that stalls fails the run instead
// of hanging it.
const ioTimeout = 10 * time.Second

// request is one kind of request and the status it must get.
type request struct {
	name   string
	target vegeta.Target
	status int
}

func newRequest(name, method, url string, header http.Header, body []byte, status int) *request {
	return &request{name: name, status: status, target: vegeta.Target{Method: method, URL: url, Header: header, Body: body}}
}

// getRequest is a GET with an Authorization header.
func getRequest(url, auth string) (string, string, http.Header, []byte) {
	return http.MethodGet, url, http.Header{"Authorization": {auth}, "Accept": {"application/json"}}, nil
}

// postRequest is a JSON POST, with an Authorization header unless auth is "".
func postRequest(url, auth string, body []byte) (string, string, http.Header, []byte) {
	h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	return http.MethodPost, url, h, body
}

// deleteRequest is a DELETE with an Authorization header.
func deleteRequest(url, auth string) vegeta.Target {
	return vegeta.Target{Method: http.MethodDelete, URL: url, Header: http.Header{"Authorization": {auth}, "Accept": {"application/json"}}}
}

// stream is a running load of one kind of request: answers counted, the
// wrong ones reported once, latencies in vegeta's metrics, cut into windows
// while it runs.
type stream struct {
	name string
	atk  *vegeta.Attacker
	done atomic.Int64
	errs atomic.Int64
	// first is the first wrong answer, said once.
	first    atomic.Pointer[string]
	mu       sync.Mutex
	window   *vegeta.Metrics
	finished chan struct{}
}

// startStream sends req on n connections to its server until halted, the
// duration d has passed or max requests have been sent.
func startStream(req *request, n int, max int64, d time.Duration) *stream {
	return newStream(req.name, n, max, d, staticTargeter(req.target), func(r *vegeta.Result) error {
		if int(r.Code) != req.status {
			return fmt.Errorf("%s answered %d, want %d%s", req.name, r.Code, req.status, errSuffix(r))
		}
		return nil
	})
}

func errSuffix(r *vegeta.Result) string {
	if r.Code == 0 && r.Error != "" {
		return " (" + r.Error + ")"
	}
	return ""
}

// staticTargeter hands every worker the same target; vegeta's own
// NewStaticTargeter would do, but copies the header map on every hit.
func staticTargeter(t vegeta.Target) vegeta.Targeter {
	return func(out *vegeta.Target) error {
		*out = t
		return nil
	}
}

// newStream runs an attack of n workers whose targets come from tr, at
// most max of them, for at most d, and checks each result with check: a
// result it accepts counts and its latency goes into the window's metrics.
func newStream(name string, n int, max int64, d time.Duration, tr vegeta.Targeter, check func(*vegeta.Result) error) *stream {
	s := &stream{
		name: name,
		atk: vegeta.NewAttacker(
			vegeta.Workers(uint64(n)), vegeta.MaxWorkers(uint64(n)),
			vegeta.Connections(n), vegeta.MaxConnections(n), vegeta.KeepAlive(true),
			vegeta.HTTP2(false), vegeta.Timeout(ioTimeout), vegeta.Redirects(vegeta.NoFollow),
			// A body larger than this is not the double's: read and count no more.
			vegeta.MaxBody(1<<20),
		),
		window:   new(vegeta.Metrics),
		finished: make(chan struct{}),
	}
	var sent atomic.Int64
	bounded := func(t *vegeta.Target) error {
		if sent.Add(1) > max {
			return vegeta.ErrNoTargets
		}
		return tr(t)
	}
	results := s.atk.Attack(bounded, vegeta.ConstantPacer{}, d, "")
	go func() {
		defer close(s.finished)
		for r := range results {
			if r.Error == vegeta.ErrNoTargets.Error() {
				continue
			}
			if err := check(r); err == errNotCounted {
				continue
			} else if err != nil {
				s.fail(err)
				continue
			}
			s.mu.Lock()
			s.window.Add(r)
			s.mu.Unlock()
			s.done.Add(1)
		}
	}()
	return s
}

// errNotCounted is check's answer for a right answer that the stream does
// not count (a create, whose revoke counts the pair).
var errNotCounted = errors.New("not counted")

// halt stops the stream and waits for its last answers.
func (s *stream) halt() {
	s.atk.Stop()
	<-s.finished
}

func (s *stream) fail(err error) {
	s.errs.Add(1)
	msg := err.Error()
	s.first.CompareAndSwap(nil, &msg)
}

func (s *stream) err() error {
	if m := s.first.Load(); m != nil {
		return fmt.Errorf("%s: %d failed requests, the first: %s", s.name, s.errs.Load(), *m)
	}
	return nil
}

// cut returns the latencies (p50, p99, in µs) recorded since the last cut
// and starts anew.
func (s *stream) cut() (p50, p99 float64) {
	s.mu.Lock()
	m := s.window
	s.window = new(vegeta.Metrics)
	s.mu.Unlock()
	m.Close()
	return float64(m.Latencies.P50.Microseconds()), float64(m.Latencies.P99.Microseconds())
}

// fetch sends one request outside any load and returns its status and body.
func fetch(t vegeta.Target) (int, []byte, string, error) {
	req, err := t.Request()
	if err != nil {
		return 0, nil, "", err
	}
	c := &http.Client{Timeout: ioTimeout, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(http.MaxBytesReader(nil, resp.Body, 1<<20))
	return resp.StatusCode, b.Bytes(), resp.Header.Get("Content-Type"), err
}
