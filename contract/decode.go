package contract

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// DecodingLosses decodes a 200 listing with the generated client's own
// parser (oapi.ParseListAPIKeysResponse) and compares every documented
// field of every key with the raw bytes: a field missing, changed, or a
// null last_used that did not become nil is a loss. Undocumented fields are
// not compared: the generated structs drop them by design, and the report
// lists them.
func DecodingLosses(ex *Exchange) []Failure {
	resp := &http.Response{StatusCode: ex.Status, Header: ex.Header.Clone(), Body: io.NopCloser(bytes.NewReader(ex.Body))}
	parsed, err := oapi.ParseListAPIKeysResponse(resp)
	if err != nil {
		return []Failure{{Where: WhereBody, Reason: "the generated client cannot decode the body"}}
	}
	if parsed.JSON200 == nil {
		return []Failure{{Where: WhereBody, Reason: "the generated client decoded no APIKeyList (JSON200 is nil)"}}
	}
	raw, err := DecodeKeys(ex.Body)
	if err != nil {
		return []Failure{{Where: WhereBody, Reason: err.Error()}}
	}
	typed := parsed.JSON200.Keys
	if len(typed) != len(raw) {
		return []Failure{{Where: WhereBody, Pointer: "/keys", Reason: fmt.Sprintf("the generated client decoded %d keys of %d", len(typed), len(raw))}}
	}
	var out []Failure
	lost := func(i int, field, why string) {
		out = append(out, Failure{Where: WhereBody, Pointer: "/keys/" + strconv.Itoa(i) + "/" + field, Reason: why})
	}
	for i, k := range raw {
		t := typed[i]
		for field, got := range map[string]string{"name": t.Name, "type": string(t.Type), "last_four": t.LastFour} {
			if want, _ := k[field].(string); want != got {
				lost(i, field, "the generated client decoded a different value")
			}
		}
		if !sameInstant(k["created_at"], &t.CreatedAt) {
			lost(i, "created_at", "the generated client decoded a different instant")
		}
		switch v, present := k["last_used"]; {
		case present && v == nil && t.LastUsed != nil:
			lost(i, "last_used", "null did not decode to nil")
		case v != nil && t.LastUsed == nil:
			lost(i, "last_used", "a date-time decoded to nil")
		case v != nil && !sameInstant(v, t.LastUsed):
			lost(i, "last_used", "the generated client decoded a different instant")
		}
	}
	return out
}

func sameInstant(raw any, got *time.Time) bool {
	s, ok := raw.(string)
	if !ok || got == nil {
		return false
	}
	want, err := time.Parse(time.RFC3339Nano, s)
	return err == nil && want.Equal(*got)
}
