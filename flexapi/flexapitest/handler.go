package flexapitest

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// maxBody bounds a request body the double reads.
const maxBody = 64 << 10

// serve answers r, a request of route whose path parameter (a mid, or a
// key id) is param, and logs it. The faithful answer is the request
// check's 400, or else the operation's answer; with WithResponseValidation
// it is checked against the spec; then the route's fault, if any, changes
// it on its way out.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, route Route, param string) {
	// ServeMux serves HEAD with a GET pattern: the spec declares no HEAD.
	if m, _, _ := strings.Cut(r.Pattern, " "); m != r.Method {
		s.other(w, r)
		return
	}
	ref := s.logRequest(route, r)
	status := s.send(w, r, route, param)
	s.finishRequest(ref, status)
}

// send answers r and returns the status sent (0 when none was).
func (s *Server) send(w http.ResponseWriter, r *http.Request, route Route, mid string) int {
	// An accepting fault (faults_accept.go) serves, before the request
	// check, a request the double should refuse.
	resp := s.acceptInvalid(route, r, mid)
	if resp == nil {
		resp = s.validator.check(r, route)
	}
	// A 413 is the double's own limit on a request's body, which the spec
	// does not describe for every operation: it is no answer to check.
	limit := resp != nil && resp.status == http.StatusRequestEntityTooLarge
	if resp == nil {
		resp = s.answer(route, r, mid)
	}
	if s.answers != nil && !limit {
		resp = s.answers.check(r, route, resp)
	}
	f := s.takeFault(route, resp.status)
	if f == nil {
		resp.write(w)
		return resp.status
	}
	if f.authOff && route == RouteList {
		resp = s.list(r, mid, true)
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
	if f.deliver != nil {
		f.deliver(r.Context(), w, resp)
		return resp.status
	}
	resp.write(w)
	return resp.status
}

// answer is the faithful answer to a request of route.
func (s *Server) answer(route Route, r *http.Request, mid string) *response {
	switch route {
	case RouteToken:
		return s.token(r)
	case RouteCreate:
		return s.create(r)
	case RouteRevoke:
		return s.revoke(r, mid)
	}
	return s.list(r, mid, false)
}

// token answers POST /v1/oauth2/token, whose body the request check has
// found valid against the spec's TokenRequest.
func (s *Server) token(r *http.Request) *response {
	var req oapi.TokenRequest
	if fail := decodeBody(r, &req); fail != nil {
		return fail
	}
	keyOK := subtle.ConstantTimeCompare([]byte(req.AppKey), []byte(s.AppKey)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(req.AppSecret), []byte(s.AppSecret)) == 1
	if !keyOK || !secretOK {
		return errorResponse(http.StatusUnauthorized, msgInvalidCredentials)
	}
	tok, exp := s.issue()
	success := true
	b := encodeAs("TokenResponse", oapi.TokenResponse{
		AccessToken:      tok,
		RefreshToken:     "refresh_" + randomHex(16),
		Expires:          exp.UnixMilli(),
		ID:               uuid(),
		Success:          &success,
		Errors:           &[]any{},
		CustomProperties: &map[string]any{},
	})
	return jsonResponse(http.StatusOK, b)
}

// bodyField is the ModelState field of a problem with the body as a whole,
// the name ASP.NET's JSON input formatter gives it.
const bodyField = "$"

// decodeBody reads a request body the request check found valid into v, a
// generated model, or returns the answer to one it cannot read.
func decodeBody(r *http.Request, v any) *response {
	body, fail := readBody(r)
	if fail != nil {
		return fail
	}
	if err := json.Unmarshal(declaredOnly(body, v), v); err != nil {
		return modelStateResponse(fieldErrors{bodyField: {"The request body does not match the API's specification."}})
	}
	return nil
}

// list answers GET /v1/api-keys/{mid}; noAuth skips the token check.
func (s *Server) list(r *http.Request, mid string, noAuth bool) *response {
	if !noAuth && !s.validToken(bearerToken(r.Header.Get("Authorization"))) {
		return errorResponse(http.StatusUnauthorized, msgInvalidToken)
	}
	s.mu.Lock()
	body := keyList(s.data[mid])
	s.mu.Unlock()
	return jsonResponse(http.StatusOK, body)
}

// bearerToken returns the token of an Authorization header whose scheme is
// Bearer in any case, or "" for anything else.
func bearerToken(h string) string {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	tok = strings.TrimLeft(tok, " ")
	if tok == "" || strings.IndexByte(tok, ' ') >= 0 || strings.IndexByte(tok, '\t') >= 0 {
		return ""
	}
	return tok
}

func b64(s string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// uuid returns a random version 4 UUID, the shape of FlexFactor's answer ids.
func uuid() string {
	h := randomHex(16)
	b := []byte(h)
	b[12] = '4'
	b[16] = "89ab"[b[16]%4]
	return string(b[0:8]) + "-" + string(b[8:12]) + "-" + string(b[12:16]) + "-" + string(b[16:20]) + "-" + string(b[20:32])
}

// readBody reads a request body of at most maxBody bytes, or returns the
// answer to one it cannot read.
func readBody(r *http.Request) ([]byte, *response) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errorResponse(http.StatusRequestEntityTooLarge, "The request body is too large.")
		}
		return nil, modelStateResponse(fieldErrors{bodyField: {"The request body could not be read."}})
	}
	return body, nil
}

// declaredOnly returns body, a JSON object the request check found valid,
// without the members that match one of v's JSON names only without case:
// the check reads names as the spec writes them, encoding/json folds them,
// and {"name": "ok", "NAME": "<b>"} would store the value the check never
// saw. v is a generated model, so its names are the spec's.
func declaredOnly(body []byte, v any) []byte {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return body
	}
	names := map[string]bool{}
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names[name] = true
		}
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return body
	}
	changed := false
	for name := range members {
		if names[name] {
			continue
		}
		for declared := range names {
			if strings.EqualFold(name, declared) {
				delete(members, name)
				changed = true
				break
			}
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(members)
	if err != nil {
		return body
	}
	return out
}
