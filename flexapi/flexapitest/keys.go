package flexapitest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// The double's default bounds on created keys: memory stays bounded by
// these whatever a test or a load sends (see WithKeyLimits).
const (
	// DefaultMaxKeysPerMerchant is how many keys one merchant may hold.
	DefaultMaxKeysPerMerchant = 100
	// DefaultMaxMerchants is how many merchants may hold keys.
	DefaultMaxMerchants = 1000
)

// maxCreatedKeySize bounds what the double keeps of one created key, its
// mid and listing entry, in bytes: the spec bounds neither a name's nor a
// mid's length, and without it the caps on keys alone would let a load of
// 64 KiB names hold gigabytes.
const maxCreatedKeySize = 1 << 10

// The answers' messages for a create or revoke that fails.
const (
	msgKeyNotFound = "Key not found."
)

// valuePrefix is the prefix of a minted key's value, per type, after the
// create page's example (sk_test_...).
var valuePrefix = map[oapi.NewAPIKeyType]string{
	oapi.NewAPIKeyTypeSecret:       "sk_test_",
	oapi.NewAPIKeyTypePublic:       "pk_test_",
	oapi.NewAPIKeyTypeTokenization: "tk_test_",
}

// prefixOf is the value prefix of a key type: a type the spec lists and
// valuePrefix does not (yet) gets its first letter's.
func prefixOf(t oapi.NewAPIKeyType) string {
	if p, ok := valuePrefix[t]; ok {
		return p
	}
	if t == "" {
		return "xk_test_"
	}
	return string(t[0]) + "k_test_"
}

// createdKey is where a key made by the create call lives, for revoke: its
// merchant and its raw listing entry, found again by identity.
type createdKey struct {
	mid string
	raw json.RawMessage
}

// create answers POST /v1/api-keys: it mints a key, keeps it for the
// listing and answers with its value, the only time the value is sent.
func (s *Server) create(r *http.Request) *response {
	if !s.validToken(bearerToken(r.Header.Get("Authorization"))) {
		return errorResponse(http.StatusUnauthorized, msgInvalidToken)
	}
	var req oapi.CreateAPIKeyRequest
	if fail := decodeBody(r, &req); fail != nil {
		return fail
	}

	now := s.cfg.now().UTC().Truncate(time.Second)
	// 26 random base32 characters, 130 bits.
	value := prefixOf(req.Type) + rand.Text()
	listedType := oapi.APIKeyType(req.Type)
	if req.Type == oapi.NewAPIKeyTypePublic {
		listedType = oapi.APIKeyType(s.cfg.publicListedAs)
	}
	raw := encodeAs("APIKey", oapi.APIKey{
		Name: req.Name, Type: listedType, CreatedAt: now,
		LastFour: value[len(value)-4:],
	})
	if s.cfg.broken.valuesListed {
		raw = withMember(raw, "value", value)
	}
	if len(raw)+len(req.MID) > maxCreatedKeySize {
		return createFailure(http.StatusConflict, fmt.Sprintf("The double keeps created keys of at most %d bytes, mid and name included.", maxCreatedKeySize))
	}
	id := "key_" + randomHex(12)

	s.mu.Lock()
	keys, known := s.data[req.MID]
	switch {
	case !known && len(s.data) >= s.cfg.maxMerchants:
		s.mu.Unlock()
		return createFailure(http.StatusConflict, fmt.Sprintf("The double holds keys for its limit of %d merchants.", s.cfg.maxMerchants))
	case len(keys) >= s.cfg.maxKeys:
		s.mu.Unlock()
		return createFailure(http.StatusConflict, fmt.Sprintf("The merchant holds its limit of %d keys.", s.cfg.maxKeys))
	}
	s.data[req.MID] = append(keys, raw)
	if s.created == nil {
		s.created = map[string]createdKey{}
	}
	s.created[id] = createdKey{mid: req.MID, raw: raw}
	s.mu.Unlock()

	// The generated type with the value itself, which its KeyValue would
	// encode masked, and scopes always, [] when none were asked for.
	b := encodeAs("CreatedAPIKey", struct {
		oapi.CreatedAPIKey
		Value  string   `json:"value"`
		Scopes []string `json:"scopes"`
	}{
		oapi.CreatedAPIKey{ID: id, Type: oapi.APIKeyType(req.Type), MID: req.MID, Name: req.Name, CreatedAt: now, Errors: &[]string{}},
		value, append([]string{}, req.Scopes...),
	})
	return jsonResponse(http.StatusCreated, b)
}

// revoke answers DELETE /v1/api-keys/{id}: it removes a key the create call
// made, or answers the revoke page's failure for an id it does not know.
func (s *Server) revoke(r *http.Request, id string) *response {
	if !s.validToken(bearerToken(r.Header.Get("Authorization"))) {
		return errorResponse(http.StatusUnauthorized, msgInvalidToken)
	}
	s.mu.Lock()
	k, ok := s.created[id]
	if ok && !s.cfg.broken.revokeIgnored {
		delete(s.created, id)
		s.removeKey(k)
	}
	s.mu.Unlock()
	if !ok {
		return revokeAnswer(http.StatusNotFound, false, msgKeyNotFound)
	}
	return revokeAnswer(http.StatusOK, true, "The API key was revoked.")
}

// removeKey takes k out of its merchant's listing, found by identity (two
// keys may list alike), and forgets a merchant left with none, so that
// revoked keys free their merchant's place under the limit. s.mu is held.
func (s *Server) removeKey(k createdKey) {
	keys := s.data[k.mid]
	for i, raw := range keys {
		if len(raw) > 0 && len(k.raw) > 0 && &raw[0] == &k.raw[0] {
			keys = append(keys[:i:i], keys[i+1:]...)
			break
		}
	}
	if len(keys) == 0 {
		delete(s.data, k.mid)
		return
	}
	s.data[k.mid] = keys
}

// forgetCreated drops the revoke handles of mid's created keys, whose
// listing a caller has replaced. s.mu is held.
func (s *Server) forgetCreated(mid string) {
	for id, k := range s.created {
		if k.mid == mid {
			delete(s.created, id)
		}
	}
}

// indexSeeded makes the seeded keys of mid that carry a string "id" member
// revocable by that id, as if the create call had made them: a data file
// can so hold keys to revoke, leftovers to sweep among them. The id stays in
// the listing, an undocumented field, as a server that listed ids would
// show it. s.mu is held, or s is not yet shared.
func (s *Server) indexSeeded(mid string, keys []json.RawMessage) {
	for _, raw := range keys {
		var k struct {
			ID any `json:"id"`
		}
		if json.Unmarshal(raw, &k) != nil {
			continue
		}
		id, _ := k.ID.(string)
		if id == "" || len(raw) == 0 {
			continue
		}
		if _, taken := s.created[id]; taken {
			continue
		}
		if s.created == nil {
			s.created = map[string]createdKey{}
		}
		s.created[id] = createdKey{mid: mid, raw: raw}
	}
}

// createFailure is the create page's failure answer: the key's fields null
// beside the reasons.
func createFailure(status int, messages ...string) *response {
	return jsonResponse(status, encodeAs("CreateAPIKeyFailure", oapi.CreateAPIKeyFailure{Errors: messages}))
}

// revokeAnswer is the revoke page's envelope, for success and failure.
func revokeAnswer(status int, ok bool, message string) *response {
	env := oapi.RevokeAPIKeyResult{Errors: []string{message}}
	st := oapi.RevokeAPIKeyResultStatusFAILED
	if ok {
		st, env.Success, env.Result, env.Errors = oapi.RevokeAPIKeyResultStatusSUCCESS, true, &message, []string{}
	}
	env.Status = &st
	return jsonResponse(status, encodeAs("RevokeAPIKeyResult", env))
}

// keyBreaks are ways the create and revoke calls can be broken on purpose,
// for the contract suite's self-test (WithValuesListed, WithRevokeIgnored).
type keyBreaks struct {
	valuesListed  bool
	revokeIgnored bool
}

// WithValuesListed breaks the double on purpose: the listing shows each
// created key's full value, in a "value" member, which the list page's Key
// Security note forbids for secret keys. For self-tests of contract checks.
func WithValuesListed() Option {
	return func(c *config) error {
		c.broken.valuesListed = true
		return nil
	}
}

// WithRevokeIgnored breaks the double on purpose: revoke answers success
// and keeps the key listed. For self-tests of contract checks.
func WithRevokeIgnored() Option {
	return func(c *config) error {
		c.broken.revokeIgnored = true
		return nil
	}
}
