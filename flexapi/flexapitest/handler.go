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

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest/internal/oapiserver"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// maxBody bounds a request body the double reads.
const maxBody = 64 << 10

// handler is the Server as the generated interface sees it: one method per
// operation of the spec, each doing that operation's work and nothing else.
// The request log, the request and answer checks and the faults are
// middlewares around them (middleware.go). A separate type keeps the
// methods out of Server's exported ones.
type handler struct{ s *Server }

var _ oapiserver.ServerInterface = handler{}

func (h handler) CreateToken(w http.ResponseWriter, r *http.Request) { h.s.token(r).write(w) }

func (h handler) ListAPIKeys(w http.ResponseWriter, r *http.Request, mid oapi.Mid) {
	h.s.list(r, mid).write(w)
}

func (h handler) CreateAPIKey(w http.ResponseWriter, r *http.Request) { h.s.create(r).write(w) }

func (h handler) RevokeAPIKey(w http.ResponseWriter, r *http.Request, id oapi.KeyID) {
	h.s.revoke(r, id).write(w)
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

// list answers GET /v1/api-keys/{mid}.
func (s *Server) list(r *http.Request, mid string) *response {
	if !s.validToken(bearerToken(r.Header.Get("Authorization"))) {
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
