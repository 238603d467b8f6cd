package contract

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

// Redactor is the one place every output of a run passes through: the
// console's failure messages and report entries, junit.xml,
// contract-report.md and observations.json. It is the shared redactor
// (internal/redact, the client's and the double's too), which replaces
// with [REDACTED]:
//
//   - values it was told or has learnt: the token and refresh token, the
//     AppSecret, the AppKey, the base URL's userinfo and query values, and
//     every key value seen in a response body (LearnBody), each also in its
//     JSON- and HTML-escaped forms;
//   - shapes that are secrets whoever sent them: JWTs, sk_/pk_ keys, bearer
//     credentials, long runs of key characters, the value of a member named
//     like a secret.
//
// The checks themselves never put a value from a response into a message;
// the redactor is the last line of defence for the day one does. It is
// safe for concurrent use.
type Redactor struct {
	redact.Redactor
}

// redacted is what a secret is replaced with.
const redacted = redact.Placeholder

// minSecretLen keeps short values (a "1", a "key") from turning every
// occurrence of a common word into [REDACTED].
const minSecretLen = redact.MinLearnt

// NewRedactor redacts the given secrets; empty and short ones are ignored.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{redact.Redactor{MinLen: minSecretLen}}
	r.Add(secrets...)
	return r
}

// Redact returns s with every known secret and every secret-shaped string
// replaced by [REDACTED]; a nil Redactor hides the shapes only.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return (*redact.Redactor)(nil).Redact(s)
	}
	return r.Redactor.Redact(s)
}

// addURL registers the secrets a URL may carry: its userinfo (user and
// password) and every query value.
func (r *Redactor) addURL(raw string) {
	r.Add(urlSecrets(raw)...)
}

// urlSecrets are the userinfo and query values of raw, also when raw does
// not parse as a whole.
func urlSecrets(raw string) []string {
	var out []string
	if u, err := url.Parse(raw); err == nil {
		if u.User != nil {
			out = append(out, u.User.Username())
			if p, ok := u.User.Password(); ok {
				out = append(out, p)
			}
			out = append(out, u.User.String())
		}
		for _, vs := range u.Query() {
			out = append(out, vs...)
		}
		if u.RawQuery != "" {
			out = append(out, u.RawQuery)
		}
		return out
	}
	// Unparsable: take what sits between "//" and "@", and after "?".
	if i := strings.Index(raw, "//"); i >= 0 {
		if j := strings.LastIndex(raw, "@"); j > i {
			out = append(out, raw[i+2:j])
		}
	}
	if i := strings.Index(raw, "?"); i >= 0 {
		out = append(out, raw[i+1:])
		for _, kv := range strings.Split(raw[i+1:], "&") {
			if _, v, ok := strings.Cut(kv, "="); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// learnBody registers every value in a response body that may be a key or
// a credential: the string value of any member named like a key value
// (value, key, secret, token, access_token, ...: redact.IsSecretField), and every string KeySecurityProblems flags in a "keys" array. A
// body that is not JSON teaches nothing: it is never printed.
func (r *Redactor) learnBody(body []byte) {
	v, err := DecodeJSON(body)
	if err != nil {
		return
	}
	var learnt []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for name, member := range v {
				if s, ok := member.(string); ok && redact.IsSecretField(name) {
					learnt = append(learnt, s)
				}
				walk(member)
			}
		case []any:
			for _, item := range v {
				walk(item)
			}
		}
	}
	walk(v)
	if keys, err := decodeKeys(body); err == nil {
		for _, f := range keyValueSuspects(keys, true) {
			if s, ok := pointerValue(v, f.Pointer).(string); ok {
				learnt = append(learnt, s)
			}
		}
	}
	r.Add(learnt...)
}

// pointerValue resolves an RFC 6901 pointer in v, or returns nil.
func pointerValue(v any, pointer string) any {
	if pointer == "" || pointer == "/" {
		return v
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch c := v.(type) {
		case map[string]any:
			v = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}
