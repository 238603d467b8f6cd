package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// startLifecycle creates keys and revokes them on n connections to the
// double at base, the creates spread over n merchants, until stopped, d
// has passed or max requests have been sent. A revoke goes out as soon as a
// worker is free after its create's answer: the targeter hands out a
// pending revoke before a new create, so that the keys held stay about n.
// The stream counts revokes, each a create and revoke pair.
func startLifecycle(base, bearer string, n int, max int64, d time.Duration) *stream {
	creates := make([]vegeta.Target, n)
	for i := range creates {
		m, u, h, b := postRequest(base+"/api-keys", bearer, fmt.Appendf(nil, `{"mid":"mid_load_%d","name":"load","type":"secret"}`, i))
		creates[i] = vegeta.Target{Method: m, URL: u, Header: h, Body: b}
	}
	// pending holds the ids to revoke; bounded, and a create whose id finds
	// it full is left to the double's key limits.
	pending := make(chan string, 4*n)
	var next atomic.Uint64
	tr := func(t *vegeta.Target) error {
		select {
		case id := <-pending:
			*t = deleteRequest(base+"/api-keys/"+id, bearer)
		default:
			*t = creates[next.Add(1)%uint64(n)]
		}
		return nil
	}
	return newStream("create+revoke", n, max, d, tr, func(r *vegeta.Result) error {
		switch r.Method {
		case http.MethodPost:
			var created struct {
				ID string `json:"id"`
			}
			if r.Code != http.StatusCreated || json.Unmarshal(r.Body, &created) != nil || created.ID == "" {
				return fmt.Errorf("create answered %d without an id%s", r.Code, errSuffix(r))
			}
			select {
			case pending <- created.ID:
			default:
			}
			return errNotCounted
		case http.MethodDelete:
			if r.Code != http.StatusOK && r.Code != http.StatusNoContent {
				return fmt.Errorf("revoke answered %d%s", r.Code, errSuffix(r))
			}
			return nil
		}
		return fmt.Errorf("unexpected %s", r.Method)
	})
}

// lifecycleRun measures creates and revokes on the double: pairs per
// second, CPU per pair, latency of a request, and its memory after them.
func lifecycleRun(o options, p printer, a *child, bearer string) error {
	progress("double: create and revoke, %v", 2*o.pair)
	s := startLifecycle(a.url, bearer, o.conns, o.maxRequests, 2*o.pair+time.Minute)
	w, err := measure(a, s, 2*o.pair)
	s.halt()
	if err != nil {
		return err
	}
	if err := s.err(); err != nil {
		return err
	}
	w.put(p, "double", "create-revoke")
	rss, err := a.rss()
	if err != nil {
		return err
	}
	p.put("double", "rss-after-create-revoke-MB", mb(rss))
	return nil
}
