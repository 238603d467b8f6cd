package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A stream sends no more than its bound, counts the right answers, reports
// the first wrong one and records latencies in windows.
func TestStreamIsBoundedAndCountsWrongAnswers(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	defer srv.Close()
	m, u, h, b := getRequest(srv.URL+"/v1/api-keys/m", "Bearer t")
	s := startStream(newRequest("list", m, u, h, b, http.StatusOK), 4, 200, time.Minute)
	select {
	case <-s.finished:
	case <-time.After(30 * time.Second):
		s.halt()
		t.Fatal("a stream bounded to 200 requests ran for 30 s")
	}
	if got := served.Load(); got != 200 {
		t.Errorf("the server saw %d requests, want the bound, 200", got)
	}
	if s.done.Load() != 180 || s.errs.Load() != 20 {
		t.Errorf("counted %d right and %d wrong answers, want 180 and 20", s.done.Load(), s.errs.Load())
	}
	if err := s.err(); err == nil || !strings.Contains(err.Error(), "list answered 418, want 200") {
		t.Errorf("err = %v, want the first wrong answer", err)
	}
	if p50, p99 := s.cut(); p50 <= 0 || p99 < p50 {
		t.Errorf("p50 %v µs, p99 %v µs: no latencies recorded", p50, p99)
	}
	if p50, _ := s.cut(); p50 != 0 {
		t.Errorf("a new window holds latencies: p50 %v", p50)
	}
}

// The create+revoke stream revokes every key it creates and counts pairs.
func TestLifecycleRevokesWhatItCreates(t *testing.T) {
	var creates, revokes atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			creates.Add(1)
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"id":"key_1"}`))
		case http.MethodDelete:
			revokes.Add(1)
			_, _ = w.Write([]byte(`{"success":true,"errors":[]}`))
		}
	}))
	defer srv.Close()
	s := startLifecycle(srv.URL+"/v1", "Bearer t", 2, 100, time.Minute)
	<-s.finished
	if err := s.err(); err != nil {
		t.Fatal(err)
	}
	if c, r := creates.Load(), revokes.Load(); c+r != 100 || r < c-2 || s.done.Load() != r {
		t.Errorf("%d creates, %d revokes, %d pairs counted: want 100 requests, every create revoked but those in flight", c, r, s.done.Load())
	}
}
