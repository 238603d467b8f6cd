package flexapi_test

import (
	"net/http"
	"strings"
	"testing"
	"unicode"
)

// Limits of the server's text in an *APIError: each message, and the whole
// of Error().
const (
	maxMessageBytes   = 256
	maxErrorTextBytes = 1024
)

// TestServerMessagesArePrintableAndShort: what a server says ends up in
// logs. A newline would let it forge a log line, an escape code would drive
// the terminal that shows it, and 60 KB would flood both: the messages and
// Error() are one printable line of bounded length.
func TestServerMessagesArePrintableAndShort(t *testing.T) {
	const forged = `level=error msg=\"refund approved\" amount=100000`
	long := strings.Repeat("A long message. ", 60<<10/16)
	tests := []struct {
		name, contentType, body string
	}{
		{"a newline and a forged log line", "application/json",
			`{"errors": ["Invalid mid.\n` + forged + `", "second\r\n` + forged + `"]}`},
		{"terminal escape codes", "application/json",
			`{"errors": ["\u001b[2J\u001b[31mred alert\u001b[0m \u009b31m and \u202egnp.exe"]}`},
		{"60 KB of text", "application/json", `{"errors": ["` + long + `"]}`},
		{"many messages", "application/json", `{"errors": [` + strings.Repeat(`"short message", `, 2000) + `"end"]}`},
		{"a ModelState title and fields", "application/problem+json",
			`{"title": "Bad\n` + forged + `", "errors": {"mid\u001b[1m": ["` + long + `", "x\n` + forged + `"]}}`},
		{"a plain-text body with escape codes", "text/plain", "\x1b[2Jplain\n" + forged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apiErr, err := listAPIError(t, http.StatusBadRequest, tt.contentType, tt.body)
			assertPrintable(t, "Error()", err.Error(), maxErrorTextBytes)
			for _, m := range apiErr.Messages {
				assertPrintable(t, "message", m, maxMessageBytes)
			}
			for field, msgs := range apiErr.FieldErrors {
				assertPrintable(t, "field", field, maxMessageBytes)
				for _, m := range msgs {
					assertPrintable(t, "field message", m, maxMessageBytes)
				}
			}
			assertPrintable(t, "content type", apiErr.ContentType, maxMessageBytes)
			assertPrintable(t, "body excerpt", apiErr.Body, 520)
		})
	}
}

// assertPrintable fails when s has a control or format character (a
// newline, ESC, a bidi override) or more than max bytes (plus the ellipsis
// that marks a cut).
func assertPrintable(t *testing.T, what, s string, max int) {
	t.Helper()
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }); i >= 0 {
		t.Errorf("%s has %q at byte %d: %q", what, []rune(s[i:])[0], i, s[:min(len(s), i+40)])
	}
	if len(s) > max+len("…") {
		t.Errorf("%s is %d bytes long, want at most %d", what, len(s), max)
	}
}
