package redact

import (
	"net/http"
	"net/url"
	"strings"
)

// Header copies h with its credentials replaced: the Authorization and
// Proxy-Authorization values keep their scheme ("Bearer [REDACTED]", which
// tests may check) and drop the credential; Cookie and Set-Cookie values
// are replaced whole, and so is any header named for a secret member,
// with or without an "X-" prefix (X-Api-Key, Api-Key, X-Access-Token).
func Header(h http.Header) http.Header {
	out := h.Clone()
	for k, vs := range out {
		if IsSecretField(strings.TrimPrefix(strings.ToLower(k), "x-")) {
			for i := range vs {
				vs[i] = Placeholder
			}
		}
	}
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

// Query returns raw, a URL's query without "?", with the value of every
// parameter named for a secret member replaced (access_token=[REDACTED]);
// a query without one comes back as it is.
func Query(raw string) string {
	parts := strings.Split(raw, "&")
	changed := false
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if unescaped, err := url.QueryUnescape(name); err == nil {
			name = unescaped
		}
		if hasValue && IsSecretField(name) {
			parts[i], changed = name+"="+Placeholder, true
		}
	}
	if !changed {
		return raw
	}
	return strings.Join(parts, "&")
}
