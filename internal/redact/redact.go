// Package redact is the one place the client, the double and the contract
// suite keep secrets out of what they show: the placeholder that replaces a
// secret, the types that hold one and never print it, the list of JSON
// member names that carry one, and the Redactor that hides secrets in text
// (error excerpts, log lines, reports, JUnit files).
package redact

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Placeholder is what a secret is replaced with, everywhere.
const Placeholder = "[REDACTED]"

// Shapes of what is a credential whoever sent it. They err on the side of
// hiding: text that passes through a Redactor is for a person to recognise
// an answer, not to carry data.
var (
	// A credential after "bearer": at least 12 characters, so that the
	// documented "Invalid bearer token." stays readable.
	bearerRE = regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9\-._~+/]{12,}=*`)
	// A JWT: three base64url parts, the first a JSON object, so "eyJ".
	jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*`)
	// sk_/pk_ keys: sk_live_..., pk_test_...
	prefixedKeyRE = regexp.MustCompile(`\b(?:sk|pk)_[A-Za-z0-9_-]{8,}`)
	// A JSON member with a string value; its value is hidden when the name
	// is a secret's (IsSecretField), whatever the value's length.
	memberRE = regexp.MustCompile(`"([A-Za-z0-9_\-]{1,64})"(\s*:\s*)"(?:[^"\\]|\\.)*"`)
	// A parameter named like a secret outside JSON: a form-encoded answer
	// (access_token=...), a query a gateway echoes. The value ends at a
	// separator or a quote. Not "name: value", which is prose too (the
	// suite's "key created secret: listed as").
	labelRE = regexp.MustCompile(`\b([A-Za-z0-9_\-]{1,64})(=)([^\s&"'<>,;]+)`)
	// Long unbroken runs of key characters: API keys, secrets, opaque tokens.
	keyLikeRE = regexp.MustCompile(`[A-Za-z0-9_]{32,}`)
)

// MinLearnt is the shortest secret worth hiding when it is learnt from what
// a server sent rather than known: a learnt "1" or "key" would turn every
// occurrence of a common word into [REDACTED].
const MinLearnt = 6

// A Redactor hides the secrets it was told (New, Add) or is given for one
// call (Redact's extra), in their plain, HTML- and JSON-escaped forms, and
// everything shaped like a credential: bearer credentials, JWTs, sk_/pk_
// keys, the string value of a member named like a secret, the value of a
// parameter named like one (access_token=...), long runs of key
// characters. The zero value is ready to use; a nil *Redactor applies the
// shape rules only. It is safe for concurrent use and never prints what it
// holds.
type Redactor struct {
	// MinLen keeps known secrets shorter than it from being hidden, so
	// that a learnt "1" or "key" does not turn every occurrence of a
	// common word into [REDACTED]. Zero hides every non-empty secret. Set
	// it before the first Add.
	MinLen int

	mu      sync.RWMutex
	secrets []string // every form of every secret, longest first
	kept    []string // values that are no secret (Keep)
}

// New returns a Redactor that hides every non-empty secret given.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Format keeps the secrets out of any output.
func (r *Redactor) Format(f fmt.State, _ rune) { fmt.Fprint(f, "redact.Redactor{"+Placeholder+"}") }

// Add registers more secrets, such as a token obtained later. Each is also
// known in its JSON- and HTML-escaped forms, which is how it would appear
// inside a JSON body, a JSON file or junit.xml.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = r.withForms(r.secrets, secrets)
}

// Keep registers values that are no secret but are shaped like one, such
// as a key's id of 32 or more characters: the long-run rule leaves them
// readable, so that a report can say which key to remove by hand. A known
// secret is hidden all the same, and so is a kept value inside a longer run.
func (r *Redactor) Keep(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if v != "" && !slices.Contains(r.kept, v) {
			r.kept = append(r.kept, v)
		}
	}
}

// withForms appends to list the forms of secrets not in it yet, longest
// first, so that a secret containing another is hidden whole.
func (r *Redactor) withForms(list, secrets []string) []string {
	added := false
	for _, s := range secrets {
		if s == "" || len(s) < r.minLen() {
			continue
		}
		for _, form := range []string{s, html.EscapeString(s), jsonEscaped(s)} {
			if !slices.Contains(list, form) {
				list, added = append(list, form), true
			}
		}
	}
	if added {
		slices.SortStableFunc(list, func(a, b string) int { return len(b) - len(a) })
	}
	return list
}

func (r *Redactor) minLen() int {
	if r == nil {
		return 0
	}
	return r.MinLen
}

func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return strings.TrimSuffix(strings.TrimPrefix(string(b), `"`), `"`)
}

// known returns the registered forms plus those of extra.
func (r *Redactor) known(extra []string) []string {
	var list []string
	if r != nil {
		r.mu.RLock()
		list = r.secrets
		r.mu.RUnlock()
	}
	if len(extra) == 0 {
		return list
	}
	return r.withForms(slices.Clone(list), extra)
}

// Redact returns s with every known secret, every secret of extra (known
// only for this call, such as the token a call used) and every
// credential-shaped string replaced by Placeholder.
func (r *Redactor) Redact(s string, extra ...string) string {
	if s == "" {
		return s
	}
	for _, sec := range r.known(extra) {
		s = strings.ReplaceAll(s, sec, Placeholder)
	}
	var kept []string
	if r != nil {
		r.mu.RLock()
		kept = r.kept
		r.mu.RUnlock()
	}
	return redactShapes(s, kept, false)
}

// RedactID is Redact for a request's or a trace's id, such as an
// X-Request-Id header: known secrets and credential shapes are hidden, long
// runs of key characters, which make up most ids, are not.
func (r *Redactor) RedactID(s string, extra ...string) string {
	for _, sec := range r.known(extra) {
		s = strings.ReplaceAll(s, sec, Placeholder)
	}
	return redactShapes(s, nil, true)
}

// redactShapes hides what is shaped like a credential. Long runs of key
// characters are hidden unless kept, or id is set, or they stand in the
// value of a member named for an id (idFieldNames).
func redactShapes(s string, kept []string, id bool) string {
	s = bearerRE.ReplaceAllString(s, "Bearer "+Placeholder)
	s = jwtRE.ReplaceAllString(s, Placeholder)
	s = prefixedKeyRE.ReplaceAllString(s, Placeholder)
	s = memberRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := memberRE.FindStringSubmatch(m)
		if !IsSecretField(sub[1]) {
			return m
		}
		return `"` + sub[1] + `"` + sub[2] + `"` + Placeholder + `"`
	})
	s = labelRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := labelRE.FindStringSubmatch(m)
		if !IsSecretField(sub[1]) || sub[3] == Placeholder {
			return m
		}
		return sub[1] + sub[2] + Placeholder
	})
	if id {
		return s
	}
	var ids [][]int
	for _, m := range memberRE.FindAllStringSubmatchIndex(s, -1) {
		if isIDField(s[m[2]:m[3]]) {
			ids = append(ids, m)
		}
	}
	var b strings.Builder
	last := 0
	for _, m := range keyLikeRE.FindAllStringIndex(s, -1) {
		run := s[m[0]:m[1]]
		if slices.Contains(kept, run) || !mixed(run) || slices.ContainsFunc(ids, func(id []int) bool { return id[0] <= m[0] && m[1] <= id[1] }) {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(Placeholder)
		last = m[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// mixed reports whether a run of key characters mixes digits with letters
// or upper with lower case, as random keys and tokens do: a name such as
// FLEXFACTOR_PREVIOUS_OBSERVATIONS, in one case without a digit, is a
// word, not a credential.
func mixed(run string) bool {
	var digit, upper, lower bool
	for _, c := range run {
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		}
	}
	return digit || (upper && lower)
}
