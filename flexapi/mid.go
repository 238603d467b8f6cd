package flexapi

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// validateMID rejects, before any request, the mids that cannot name a
// merchant or would change the request's target:
//
//   - empty or blank: the path would become /api-keys/ (another resource);
//   - "." and "..": the generated client resolves the path against the base
//     URL, and URL resolution removes dot segments, so they would reach
//     /v1/api-keys or /v1;
//   - control characters and invalid UTF-8: no merchant id has them, and
//     they are the stuff of header and log injection. Rejecting says so
//     plainly; escaping them would send a request that can only fail.
//
// Every other mid goes through as it is: the generated client path-escapes it
// (url.PathEscape) as one segment, so "/", "?", "#" and "%" in it never reach
// another path or add a query.
func validateMID(mid string) error {
	return validateSegment(ErrInvalidMID, mid)
}

// validateSegment applies validateMID's rules to any value that becomes one
// path segment, such as a key id, failing with sentinel.
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
