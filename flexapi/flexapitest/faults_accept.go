package flexapitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// This file holds the faults that make the double accept a create or
// revoke it should refuse, for the contract suite's negative probes: each
// is seen to fail its probe in the self-test. They act before the double's
// request check (see Server.acceptInvalid): a request it refuses as
// invalid is served instead as if it were valid.

// acceptOnly is the status an accepting fault applies to in takeFault:
// none, so that the faults answering after the faithful answer never take
// one of these.
const acceptOnly = -1

// acceptedWithoutMID is the merchant a create without mid makes its key
// for under AcceptInvalidCreate("mid").
const acceptedWithoutMID = "mid_accepted_without_mid"

// accepting builds a fault whose accept serves the requests it accepts.
func accepting(name string, accept func(s *Server, route Route, r *http.Request, serve func(*http.Request) *response) *response) Fault {
	return Fault{name: name, statuses: []int{acceptOnly}, accept: accept}
}

// AcceptWithoutToken makes the create or revoke route serve a request
// without a valid token as if it had one: a create makes the key, a revoke
// revokes the id (or answers that no key has it). Times limits it; OnStatus
// does not apply.
func AcceptWithoutToken() Fault {
	return accepting("accept without token", func(s *Server, route Route, r *http.Request, serve func(*http.Request) *response) *response {
		if (route != RouteCreate && route != RouteRevoke) || s.validToken(bearerToken(r.Header.Get("Authorization"))) {
			return nil
		}
		authorized := r.Clone(r.Context())
		authorized.Header.Set("Authorization", "Bearer "+s.IssueToken())
		return serve(authorized)
	})
}

// AcceptInvalidCreate makes the create route make a key from a request
// whose field is invalid, field one of "name" (holding < or >), "type" (a
// type the create page does not list) or "mid" (missing or empty), as a
// server that skipped that check would. The key is made as if the field
// were valid: its name without < and >, of type public, or for the merchant
// acceptedWithoutMID; the token is still checked. Times limits it;
// OnStatus does not apply.
func AcceptInvalidCreate(field string) Fault {
	return accepting("accept invalid "+field, func(s *Server, route Route, r *http.Request, serve func(*http.Request) *response) *response {
		if route != RouteCreate {
			return nil
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		r.Body = io.NopCloser(bytes.NewReader(body))
		var obj map[string]any
		if err != nil || json.Unmarshal(body, &obj) != nil || obj == nil {
			return nil
		}
		value, _ := obj[field].(string)
		switch field {
		case "name":
			if !strings.ContainsAny(value, "<>") {
				return nil
			}
			obj[field] = strings.NewReplacer("<", "", ">", "").Replace(value)
		case "type":
			if value == "" || oapi.NewAPIKeyType(value).Valid() {
				return nil
			}
			obj[field] = "public"
		case "mid":
			if value != "" {
				return nil
			}
			obj[field] = acceptedWithoutMID
		default:
			return nil
		}
		valid, _ := json.Marshal(obj)
		made := r.Clone(r.Context())
		made.Body, made.ContentLength = io.NopCloser(bytes.NewReader(valid)), int64(len(valid))
		return serve(made)
	})
}

// AcceptUnknownID makes the revoke route answer success to a revoke, with
// a valid token, of an id no key has, as a server that ignores what it
// cannot find would. Times limits it; OnStatus does not apply.
func AcceptUnknownID() Fault {
	return accepting("accept unknown id", func(s *Server, route Route, r *http.Request, _ func(*http.Request) *response) *response {
		if route != RouteRevoke || !s.validToken(bearerToken(r.Header.Get("Authorization"))) {
			return nil
		}
		s.mu.Lock()
		_, known := s.created[s.pathParam(route, r)]
		s.mu.Unlock()
		if known {
			return nil
		}
		return revokeAnswer(http.StatusOK, true, "The API key was revoked.")
	})
}

// acceptInvalid is the answer of the first accepting fault of route that
// accepts r, counted as used, in place of the request check's and the
// handler's (the route's other faults still apply to it); nil when none
// accepts r.
func (s *Server) acceptInvalid(route Route, r *http.Request, serve func(*http.Request) *response) *response {
	if s.nfaults.Load() == 0 {
		return nil
	}
	s.mu.Lock()
	var accepting []*Fault
	for _, f := range s.faults[route] {
		if f.accept != nil {
			accepting = append(accepting, f)
		}
	}
	s.mu.Unlock()
	for _, f := range accepting {
		resp := f.accept(s, route, r, serve)
		if resp == nil {
			continue
		}
		s.mu.Lock()
		if f.times > 0 {
			if f.times--; f.times == 0 {
				list := s.faults[route]
				for i, g := range list {
					if g == f {
						s.faults[route] = append(list[:i:i], list[i+1:]...)
						break
					}
				}
				s.countFaults()
			}
		}
		s.mu.Unlock()
		return resp
	}
	return nil
}
