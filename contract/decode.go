package contract

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// DecodingLosses decodes a 200 listing with the generated client's own
// parser (oapi.ParseListAPIKeysResponse) and with the Go client's decoder
// (flexapi.DecodeAPIKeyList, the one users run), and compares every
// documented field of every key with the raw bytes: a field missing,
// changed, or a null last_used that did not become nil is a loss.
// Undocumented fields are not compared: the generated structs drop them by
// design, and the report lists them. A listing the Go client refuses breaks
// the spec, which the wire check reports; it is no loss here.
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
	out := keyLosses("the generated client", raw, parsed.JSON200.Keys)
	if list, err := flexapi.DecodeAPIKeyList(ex.Body); err == nil {
		out = append(out, keyLosses("the Go client", raw, list.Keys)...)
	}
	return out
}

// keyLosses compares the keys who decoded, typed, with the raw ones.
func keyLosses(who string, raw []map[string]any, typed []oapi.APIKey) []Failure {
	if len(typed) != len(raw) {
		return []Failure{{Where: WhereBody, Pointer: "/keys", Reason: fmt.Sprintf("%s decoded %d keys of %d", who, len(typed), len(raw))}}
	}
	var out []Failure
	lost := func(i int, field, why string) {
		if !strings.Contains(why, "the generated client") {
			why = "the generated client: " + why
		}
		out = append(out, Failure{Where: WhereBody, Pointer: "/keys/" + strconv.Itoa(i) + "/" + field, Reason: strings.Replace(why, "the generated client", who, 1)})
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
