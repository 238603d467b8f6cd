package flexapi

import (
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

// redacted replaces every secret in text the client shows.
const redacted = redact.Placeholder

// secret is a string that never prints: whatever the fmt verb, it shows as
// [REDACTED].
type secret = redact.Text

// redactor is the shared redactor (internal/redact) under the names the
// client's code calls: it hides the configured secrets, the secrets a call
// passes as extra, and anything that looks like a credential.
type redactor struct{ r *redact.Redactor }

// Format keeps the secrets out of any output.
func (r *redactor) Format(f fmt.State, _ rune) { fmt.Fprint(f, "flexapi.redactor{"+redacted+"}") }

func newRedactor(secrets ...string) *redactor { return &redactor{redact.New(secrets...)} }

// redact returns s without secrets; extra are secrets known only now, such as
// the token a call used.
func (r *redactor) redact(s string, extra ...string) string { return r.r.Redact(s, extra...) }

// excerpt is a short, printable, redacted prefix of a body (see
// redact.Redactor.Excerpt).
func (r *redactor) excerpt(body []byte, extra ...string) string { return r.r.Excerpt(body, extra...) }

// contentType is an answer's Content-Type as errors show it: redacted, since
// a server may echo anything into it, the call's token included.
func (r *redactor) contentType(resp *http.Response, extra ...string) string {
	return r.redact(resp.Header.Get("Content-Type"), extra...)
}

// printable makes text a server sent fit for one line of a log (see
// redact.Printable).
func printable(s string, max int) string { return redact.Printable(s, max) }

// hasControl reports whether s has an ASCII or Unicode control character.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}
