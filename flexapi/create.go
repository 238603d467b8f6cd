package flexapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

// NewAPIKeyType is the type of a key to create: secret, public or
// tokenization. The list call may name a public key publishable.
type NewAPIKeyType = oapi.NewAPIKeyType

// The types a key can be created with.
const (
	NewAPIKeyTypeSecret       = oapi.NewAPIKeyTypeSecret
	NewAPIKeyTypePublic       = oapi.NewAPIKeyTypePublic
	NewAPIKeyTypeTokenization = oapi.NewAPIKeyTypeTokenization
)

// ErrInvalidKeyRequest: a create request the server could only refuse: one
// that breaks the spec's create request schema (its name pattern, its type
// enum), or a blank name or one with a control character. No request was
// sent.
var ErrInvalidKeyRequest = errors.New("flexapi: invalid key request")

// ErrNoKeyID: a create answer without the key's id. The key exists, but it
// cannot be revoked through the API; CreateAPIKey returns it beside the error
// so that the caller can name it (Name, Value.LastFour) for removal by hand.
var ErrNoKeyID = errors.New("flexapi: the create answer has no key id")

// NewAPIKey is what CreateAPIKey asks for: the spec's create request, as
// oapi-codegen generates it, so a field the spec adds reaches callers with
// go generate alone. MID, Name and Type are required; Scopes is optional.
type NewAPIKey = oapi.CreateAPIKeyRequest

// CreatedAPIKey is a key just created: the spec's create answer, as
// oapi-codegen generates it. Value is its full value, shown by FlexFactor
// only in this answer: a KeyValue, which prints masked.
type CreatedAPIKey = oapi.CreatedAPIKey

// CreateAPIKey creates a key and returns it with its value.
//
// Not being idempotent, it is sent again only when the request cannot have
// reached the server (a dial error), or after a 401 with a new token. The
// merchant is checked as ListAPIKeys checks it (ErrInvalidMID), the request
// against the spec's create schema (ErrInvalidKeyRequest). An answer that
// says the key was not made, at any status, is an *APIError. A 2xx that is
// not a complete key is a *DecodeError, returned with the part of the key
// it holds: without an id (ErrNoKeyID) the key cannot be revoked by the
// API. docs/client.md says what a caller does then.
func (c *Client) CreateAPIKey(ctx context.Context, key NewAPIKey) (*CreatedAPIKey, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	if err := validateNewKey(c.schemas.request, key); err != nil {
		return nil, err
	}
	ctx, cancel := c.start(ctx, OpCreateAPIKey)
	defer cancel()
	resp, tok, err := c.authorized(ctx, OpCreateAPIKey, func(ctx context.Context, bearer oapi.RequestEditorFn) (*http.Response, error) {
		return c.api.CreateAPIKey(ctx, key, bearer)
	})
	if err != nil {
		return nil, err
	}
	defer drainAndClose(resp.Body)
	if err := checkResponse(OpCreateAPIKey, resp, c.red, tok); err != nil {
		return nil, err
	}
	var created *CreatedAPIKey
	var keyErr error
	err = decodeBody(OpCreateAPIKey, resp, c.maxBodyBytes, c.red, func(body []byte) error {
		if !json.Valid(body) {
			return decodingError(json.Unmarshal(body, new(any)))
		}
		created, keyErr = decodeCreated(resp, body, c.schemas, c.red, tok)
		return nil
	}, tok)
	if err != nil {
		return nil, err
	}
	return created, keyErr
}

// envelope is what a 2xx body of create or revoke says about its success
// (the spec's discrepancy 13): success false, or errors, mean the call
// failed, whatever the status.
type envelope struct {
	Success *bool           `json:"success"`
	Errors  json.RawMessage `json:"errors"`
}

// decodeCreated turns a 2xx create answer into the key, an *APIError when
// the body says the key was not made, or a *DecodeError (with what part of
// the key it holds) when it does not match the spec's schema of the
// answer at its status.
func decodeCreated(resp *http.Response, raw []byte, s *answerSchemas, red *redact.Redactor, tok string) (*CreatedAPIKey, error) {
	// The value, for the excerpt's redaction, as far as the body gives one;
	// the redactor's patterns ("value" members, long key-like runs) cover
	// a body too broken to say.
	schema := s.created[resp.StatusCode]
	if schema == nil {
		// A 2xx the spec does not list: held to its first one.
		for status := 200; status < 300 && schema == nil; status++ {
			schema = s.created[status]
		}
	}
	key := &CreatedAPIKey{}
	decodePartly(raw, schema, key)
	malformed := func(err error) *DecodeError {
		return newDecodeError(OpCreateAPIKey, resp, raw, red, err, tok, key.Value.Reveal())
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, malformed(decodingError(err))
	}
	if failed(env.Success, env.Errors) {
		return nil, newAPIError(OpCreateAPIKey, resp, raw, red, tok, key.Value.Reveal())
	}
	var full CreatedAPIKey
	err := newValueDecoder().decodeChecked(schema, raw, &full)
	if err == nil {
		key = &full
	}
	switch {
	case key.ID == "" && err != nil:
		// Without its id the key cannot be revoked: the caller is told so
		// and gets what names it.
		return key, malformed(fmt.Errorf("%w: %w", ErrNoKeyID, err))
	case err != nil:
		return key, malformed(err)
	}
	return key, nil
}

// decodePartly decodes what it can of a JSON object into out, member by
// member: encoding/json stops at the first member its type cannot hold (a
// created_at that is not a date-time), and a key that exists should still
// come back with its id, its name and, for redaction, its value. Only the
// members s declares, by their exact names, are decoded: a case variant
// ("VALUE") must not stand in for the declared one.
func decodePartly(raw []byte, s *openapi3.Schema, out any) {
	var members map[string]json.RawMessage
	if json.Unmarshal(raw, &members) != nil {
		return
	}
	for name, v := range members {
		if _, declared := s.Properties[name]; !declared {
			continue
		}
		one, err := json.Marshal(map[string]json.RawMessage{name: v})
		if err == nil {
			_ = json.Unmarshal(one, out)
		}
	}
}

// failed reports whether a 2xx body says the call failed: success false, or
// errors that are not empty (a list page array or a ModelState object).
func failed(success *bool, errs json.RawMessage) bool {
	if success != nil && !*success {
		return true
	}
	s := strings.TrimSpace(string(errs))
	return s != "" && s != "null" && s != "[]" && s != "{}"
}

// validateNewKey rejects, before any request, what the create page forbids:
// a request that breaks s, createApiKey's request schema (its name pattern
// and type enum), and a name that is blank or holds control characters,
// which no server could take though the spec does not say so.
func validateNewKey(s *openapi3.Schema, key NewAPIKey) error {
	if err := validateSegment(ErrInvalidMID, key.MID); err != nil {
		return err
	}
	var v any
	if raw, err := json.Marshal(key); err != nil || json.Unmarshal(raw, &v) != nil {
		return fmt.Errorf("%w: not JSON", ErrInvalidKeyRequest)
	}
	if err := validate(s, v, -1); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidKeyRequest, err)
	}
	switch {
	case hasControl(key.Name):
		return fmt.Errorf("%w: the name holds control characters", ErrInvalidKeyRequest)
	case strings.TrimSpace(key.Name) == "":
		return fmt.Errorf("%w: the name is empty or blank", ErrInvalidKeyRequest)
	}
	return nil
}
