package flexapitest

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

const (
	tokenPath  = "/v1/oauth2/token"
	createPath = "/v1/api-keys"
	listPrefix = "/v1/api-keys/"
	maxBody    = 64 << 10
)

// ServeHTTP routes a request, logs it, applies the route's fault, and
// answers. Routing is by hand, on the escaped path, so that a mid holding an
// escaped slash stays one segment and unknown paths and wrong methods get the
// errors body instead of net/http's text.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, mid, allow := match(r)
	ref := s.logRequest(route, r)
	status := s.serve(w, r, route, mid, allow)
	s.finishRequest(ref, status)
}

// match names the route of r; mid is the decoded path segment of the list
// route (a mid) and of the revoke route (a key id), which share one path;
// allow is the methods the path accepts, for 405s.
func match(r *http.Request) (route Route, mid, allow string) {
	p := r.URL.EscapedPath()
	switch {
	case p == tokenPath:
		return RouteToken, "", http.MethodPost
	case p == createPath:
		return RouteCreate, "", http.MethodPost
	case strings.HasPrefix(p, listPrefix):
		seg := strings.TrimPrefix(p, listPrefix)
		if seg == "" || strings.Contains(seg, "/") {
			return RouteOther, "", ""
		}
		m, err := url.PathUnescape(seg)
		if err != nil {
			return RouteOther, "", ""
		}
		if r.Method == http.MethodDelete {
			return RouteRevoke, m, http.MethodDelete
		}
		return RouteList, m, http.MethodGet + ", " + http.MethodDelete
	}
	return RouteOther, "", ""
}

// serve answers r and returns the status sent (0 when none was).
func (s *Server) serve(w http.ResponseWriter, r *http.Request, route Route, mid, allow string) int {
	if route == RouteOther {
		resp := errorResponse(http.StatusNotFound, fmt.Sprintf("No such endpoint: %s %q.", r.Method, r.URL.EscapedPath()))
		resp.write(w)
		return resp.status
	}
	if !methodAllowed(allow, r.Method) {
		resp := errorResponse(http.StatusMethodNotAllowed, "The "+r.Method+" method is not allowed here; use "+allow+".")
		resp.headers().Set("Allow", allow)
		resp.write(w)
		return resp.status
	}
	if s.validator != nil {
		var param string
		if route == RouteList || route == RouteRevoke {
			param = "mid"
		}
		if resp := s.validator.check(r, route, param, mid); resp != nil {
			resp.write(w)
			return resp.status
		}
	}

	resp := s.answer(route, r, mid)
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

// tokenAnswer is the token call's answer: the token fields and FlexFactor's
// envelope, in the documented example's order.
type tokenAnswer struct {
	AccessToken      string         `json:"accessToken"`
	RefreshToken     string         `json:"refreshToken"`
	Expires          int64          `json:"expires"`
	ID               string         `json:"id"`
	Success          bool           `json:"success"`
	Result           any            `json:"result"`
	Status           any            `json:"status"`
	StatusCode       any            `json:"statusCode"`
	Errors           []any          `json:"errors"`
	CustomProperties map[string]any `json:"customProperties"`
}

// token answers POST /v1/oauth2/token.
func (s *Server) token(r *http.Request) *response {
	body, fail := readBody(r)
	if fail != nil {
		return fail
	}
	appKey, appSecret, invalid := parseTokenRequest(body)
	if invalid != nil {
		return modelStateResponse(invalid)
	}
	keyOK := subtle.ConstantTimeCompare([]byte(appKey), []byte(s.AppKey)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(appSecret), []byte(s.AppSecret)) == 1
	if !keyOK || !secretOK {
		return errorResponse(http.StatusUnauthorized, msgInvalidCredentials)
	}
	tok, exp := s.issue()
	b, _ := json.Marshal(tokenAnswer{
		AccessToken:      tok,
		RefreshToken:     "refresh_" + randomHex(16),
		Expires:          exp.UnixMilli(),
		ID:               uuid(),
		Success:          true,
		Errors:           []any{},
		CustomProperties: map[string]any{},
	})
	return jsonResponse(http.StatusOK, b)
}

// bodyField is the ModelState field of a problem with the body as a whole,
// the name ASP.NET's JSON input formatter gives it.
const bodyField = "$"

// parseTokenRequest reads the token call's AppKey and AppSecret, or returns
// each invalid field with its messages, never with a value sent. Field names
// match case-insensitively, as ASP.NET's JSON binding does.
func parseTokenRequest(body []byte) (appKey, appSecret string, invalid fieldErrors) {
	invalid = fieldErrors{}
	if len(bytes.TrimSpace(body)) == 0 {
		invalid.add(bodyField, "A non-empty request body is required.")
		return "", "", invalid
	}
	obj := jsonObject(body, invalid)
	if obj == nil {
		return "", "", invalid
	}
	appKey, appSecret = stringField(obj, "AppKey", invalid), stringField(obj, "AppSecret", invalid)
	if len(invalid) > 0 {
		return "", "", invalid
	}
	return appKey, appSecret, nil
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

// jsonObject parses a request body that must be a JSON object, or adds why
// it is not to invalid and returns nil.
func jsonObject(body []byte, invalid fieldErrors) map[string]json.RawMessage {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			invalid.add(bodyField, "The request body must be a JSON object.")
		} else {
			invalid.add(bodyField, "The request body is not valid JSON.")
		}
		return nil
	}
	if obj == nil {
		invalid.add(bodyField, "The request body must be a JSON object.")
	}
	return obj
}

// fieldFold returns the member of obj whose name matches name in any case,
// as ASP.NET's JSON binding matches them, or nil.
func fieldFold(obj map[string]json.RawMessage, name string) json.RawMessage {
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// stringField returns obj's required string field name, or adds why it is
// missing or invalid to invalid, never with its value. An empty string is
// missing, as ASP.NET's [Required] has it.
func stringField(obj map[string]json.RawMessage, name string, invalid fieldErrors) string {
	raw := fieldFold(obj, name)
	var s string
	switch {
	case raw == nil || string(raw) == "null":
		invalid.add(name, "The "+name+" field is required.")
	case json.Unmarshal(raw, &s) != nil:
		invalid.add(name, "The "+name+" field must be a JSON string.")
	case s == "":
		invalid.add(name, "The "+name+" field is required.")
	}
	return s
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

// methodAllowed reports whether method is one of allow's, a list such as
// "GET, DELETE", without allocating.
func methodAllowed(allow, method string) bool {
	for m := range strings.SplitSeq(allow, ", ") {
		if m == method {
			return true
		}
	}
	return false
}
