package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable makes text a server sent fit for one line of a log: valid
// UTF-8, line breaks and tabs as spaces, no other control or format
// character (ESC and the terminal codes it starts, C1 controls, bidi
// overrides), at most max bytes, a cut marked with an ellipsis.
func Printable(s string, max int) string {
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
