package redact

import (
	"regexp"
	"strings"
)

// ExcerptBytes caps an excerpt of a body.
const ExcerptBytes = 512

// excerptWindow is how much of a body an excerpt is made from: redacting a
// whole 10 MiB body copies it once per rule, for 512 bytes of excerpt.
const excerptWindow = 64 << 10

// Excerpt is a short (ExcerptBytes at most), printable, redacted prefix of
// a body a server sent. A JSON body's escapes are decoded first, so that
// \u0076alue is a "value" and a secret spelled in escapes is still the
// secret. It redacts before it cuts, so that no secret survives as a prefix
// cut at the limit. Of a body longer than the 64 KiB window it uses the
// window, less what the window's end may have cut out of a secret: a secret
// member whose value runs to the end, and a start of a known secret.
func (r *Redactor) Excerpt(body []byte, extra ...string) string {
	s := string(body[:min(len(body), excerptWindow)])
	if len(body) > excerptWindow {
		s = r.trimCutSecret(s, extra)
	}
	if plain, ok := unescapedJSON(s); ok {
		s = plain
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return Printable(r.Redact(s, extra...), ExcerptBytes)
}

// openMemberRE is a JSON member whose string value the cut left open.
var openMemberRE = regexp.MustCompile(`"([A-Za-z0-9_\-]{1,64})"\s*:\s*"(?:[^"\\]|\\.)*\\?$`)

// trimCutSecret removes from the end of a cut text what the redaction rules
// could no longer recognise: the open value of a secret member, and a
// start of a known secret. A run of key characters cut short is still
// redacted when it is long enough to look like a key.
func (r *Redactor) trimCutSecret(s string, extra []string) string {
	if m := openMemberRE.FindStringSubmatchIndex(s); m != nil && IsSecretField(s[m[2]:m[3]]) {
		s = s[:m[0]]
	}
	for _, sec := range r.known(extra) {
		for k := min(len(sec)-1, len(s)); k > 0; k-- {
			if strings.HasSuffix(s, sec[:k]) {
				s = s[:len(s)-k]
				break
			}
		}
	}
	return s
}
