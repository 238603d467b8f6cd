package flexapi

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// validateSegment rejects, before any request, a value that cannot be one
// path segment (a mid, a key id), failing with sentinel: empty or blank (the
// path would name another resource), "." or ".." (URL resolution would
// remove them), control characters or invalid UTF-8 (no id has them; they
// are the stuff of header and log injection). Anything else is
// path-escaped as one segment by the generated client.
func validateSegment(sentinel error, seg string) error {
	switch {
	case strings.TrimSpace(seg) == "":
		return fmt.Errorf("%w: empty or blank", sentinel)
	case seg == "." || seg == "..":
		return fmt.Errorf("%w: %q is a dot segment", sentinel, seg)
	case !utf8.ValidString(seg):
		return fmt.Errorf("%w: not valid UTF-8", sentinel)
	case hasControl(seg):
		return fmt.Errorf("%w: contains control characters", sentinel)
	}
	return nil
}

// hasControl reports whether s has an ASCII or Unicode control character.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}
