package redact

import (
	"net/http"
	"strings"
)

// Header copies h with its credentials replaced: the Authorization and
// Proxy-Authorization values keep their scheme ("Bearer [REDACTED]", which
// tests may check) and drop the credential; Cookie and Set-Cookie values
// are replaced whole.
func Header(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range []string{"Authorization", "Proxy-Authorization"} {
		vs := out.Values(k)
		for i, v := range vs {
			if scheme, _, ok := strings.Cut(v, " "); ok && isScheme(scheme) {
				vs[i] = scheme + " " + Placeholder
			} else {
				vs[i] = Placeholder
			}
		}
	}
	for _, k := range []string{"Cookie", "Set-Cookie"} {
		vs := out.Values(k)
		for i := range vs {
			vs[i] = Placeholder
		}
	}
	return out
}

// isScheme reports whether s looks like an auth scheme name (letters only,
// short), as opposed to a bare secret.
func isScheme(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
