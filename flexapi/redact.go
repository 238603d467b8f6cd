package flexapi

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// redacted replaces every secret in text the client shows.
const redacted = "[REDACTED]"

// excerptBytes caps the body excerpt an error carries.
const excerptBytes = 512

// secret is a string that never prints: whatever the fmt verb, it shows as
// [REDACTED]. Note that fmt does not call methods on unexported struct
// fields, so the types holding a secret format themselves too.
type secret string

func (secret) String() string             { return redacted }
func (secret) GoString() string           { return redacted }
func (secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, redacted) }

// Patterns of what looks like a credential in a body a server sends back.
// They err on the side of hiding: an excerpt is for a person to recognise the
// answer, not to carry data.
var (
	// A credential after "bearer": at least 12 characters, so that the
	// documented "Invalid bearer token." stays readable.
	bearerRE = regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9\-._~+/]{12,}=*`)
	jwtRE    = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*`)
	// JSON members whose value is a credential, whatever its length.
	fieldRE = regexp.MustCompile(`(?i)"(access_?token|refresh_?token|id_?token|token|app_?secret|client_?secret|secret|password|api_?key|value)"(\s*:\s*)"(?:[^"\\]|\\.)*"`)
	// Long unbroken runs of key characters: API keys, secrets, opaque tokens.
	keyLikeRE = regexp.MustCompile(`[A-Za-z0-9_]{32,}`)
)

// redactor hides the configured secrets and anything that looks like a
// credential.
type redactor struct {
	secrets []string
}

// Format keeps the secrets out of any output.
func (r *redactor) Format(f fmt.State, _ rune) { fmt.Fprint(f, "flexapi.redactor{"+redacted+"}") }

func newRedactor(secrets ...string) *redactor {
	r := &redactor{}
	for _, s := range secrets {
		if s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	return r
}

// redact returns s without secrets; extra are secrets known only now, such as
// the token a call used.
func (r *redactor) redact(s string, extra ...string) string {
	if s == "" {
		return s
	}
	for _, list := range [][]string{r.secrets, extra} {
		for _, sec := range list {
			if sec != "" {
				s = strings.ReplaceAll(s, sec, redacted)
			}
		}
	}
	s = bearerRE.ReplaceAllString(s, "Bearer "+redacted)
	s = jwtRE.ReplaceAllString(s, redacted)
	s = fieldRE.ReplaceAllString(s, `"$1"$2"`+redacted+`"`)
	s = keyLikeRE.ReplaceAllString(s, redacted)
	return s
}

// excerptWindow is how much of a body an excerpt is made from: redacting a
// whole 10 MiB body copies it once per rule, for 512 bytes of excerpt.
const excerptWindow = 64 << 10

// excerpt is a short, printable, redacted prefix of a body. It redacts before
// it cuts, so that no secret survives as a prefix cut at the limit. Of a body
// longer than excerptWindow it uses the window, less what the window's end
// may have cut out of a secret: a credential field whose value runs to the
// end, and a start of a known secret.
func (r *redactor) excerpt(body []byte, extra ...string) string {
	s := string(body[:min(len(body), excerptWindow)])
	if len(body) > excerptWindow {
		s = r.trimCutSecret(s, extra)
	}
	if plain, ok := unescapedJSON(s); ok {
		s = plain
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return printable(r.redact(s, extra...), excerptBytes)
}

// openFieldRE is fieldRE's credential member whose value the cut left open.
var openFieldRE = regexp.MustCompile(`(?i)"(access_?token|refresh_?token|id_?token|token|app_?secret|client_?secret|secret|password|api_?key|value)"\s*:\s*"(?:[^"\\]|\\.)*\\?$`)

// trimCutSecret removes from the end of a cut text what the redaction rules
// could no longer recognise: the open value of a credential field, and a
// start of a known secret. A run of key characters cut short is still
// redacted when it is long enough to look like a key.
func (r *redactor) trimCutSecret(s string, extra []string) string {
	if loc := openFieldRE.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	for _, list := range [][]string{r.secrets, extra} {
		for _, sec := range list {
			for k := min(len(sec)-1, len(s)); k > 0; k-- {
				if strings.HasSuffix(s, sec[:k]) {
					s = s[:len(s)-k]
					break
				}
			}
		}
	}
	return s
}

// printable makes text a server sent fit for one line of a log: valid
// UTF-8, line breaks and tabs as spaces, no other control or format
// character (ESC and the terminal codes it starts, C1 controls, bidi
// overrides), at most max bytes, a cut marked with an ellipsis.
func printable(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// hasControl reports whether s has an ASCII or Unicode control character.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}
