package main

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// startLifecycle creates a key and revokes it, over and over, on n
// connections to the double at addr, each connection for its own merchant,
// until stopped or max pairs have been sent. A pair is one request of the
// stream: its latency is the create's and the revoke's together.
func startLifecycle(addr, host, bearer string, n int, max int64) *stream {
	creates := make([][]byte, n)
	for i := range creates {
		creates[i] = postRequestAuth(host, "/v1/api-keys", bearer,
			fmt.Appendf(nil, `{"mid":"mid_load_%d","name":"load","type":"secret"}`, i))
	}
	return newStream(newRequest("create+revoke", nil, http.StatusOK), addr, n, max, func(_ *stream, c *conn, i int) error {
		a, err := c.do(creates[i], true)
		if err != nil {
			return err
		}
		var created struct {
			ID string `json:"id"`
		}
		if a.status != http.StatusCreated || json.Unmarshal(a.body, &created) != nil || created.ID == "" {
			return fmt.Errorf("create answered %d without an id", a.status)
		}
		a, err = c.do(deleteRequest(host, "/v1/api-keys/"+created.ID, bearer), false)
		if err != nil {
			return err
		}
		if a.status != http.StatusOK && a.status != http.StatusNoContent {
			return fmt.Errorf("revoke answered %d", a.status)
		}
		return nil
	})
}

// postRequestAuth builds a JSON POST with an Authorization header.
func postRequestAuth(host, path, auth string, body []byte) []byte {
	return append([]byte("POST "+path+" HTTP/1.1\r\nHost: "+host+"\r\nAuthorization: "+auth+
		"\r\nContent-Type: application/json\r\nContent-Length: "+fmt.Sprint(len(body))+
		"\r\nAccept: application/json\r\nUser-Agent: benchdouble\r\n\r\n"), body...)
}

// deleteRequest builds a DELETE with an Authorization header.
func deleteRequest(host, path, auth string) []byte {
	return []byte("DELETE " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: " + auth +
		"\r\nAccept: application/json\r\nUser-Agent: benchdouble\r\n\r\n")
}

// lifecycleRun measures creates and revokes on the double: pairs per
// second, CPU per pair, latency, and its memory after them.
func lifecycleRun(o options, p printer, a *child, bearer string) error {
	progress("double: create and revoke, %v", 2*o.pair)
	s := startLifecycle(a.host, a.host, bearer, o.conns, o.maxRequests)
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
