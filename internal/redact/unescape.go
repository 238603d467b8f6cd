package redact

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// unescapedJSON rewrites a JSON text whose strings or names use escapes
// (\u0076alue for value, \/ for /) with every string decoded, compact, and in
// the order it came: the redaction rules read member names and compare known
// secrets literally, and a server's escapes must not hide a credential from
// them. It reports false, and the caller keeps the text as it is, for text
// without a backslash (nothing to decode) or that is not one JSON value (cut
// at the excerpt's window, or not JSON at all).
func unescapedJSON(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return "", false
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var out strings.Builder
	type level struct {
		object bool
		n      int // tokens written at this level
	}
	var stack []level
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", false
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			out.WriteByte(byte(d))
			continue
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			switch {
			case top.object && top.n%2 == 1:
				out.WriteByte(':')
			case top.n > 0:
				out.WriteByte(',')
			}
			top.n++
		}
		switch v := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(v))
			stack = append(stack, level{object: v == '{'})
		case string:
			out.WriteString(quoteJSON(v))
		case json.Number:
			out.WriteString(v.String())
		case bool:
			if v {
				out.WriteString("true")
			} else {
				out.WriteString("false")
			}
		case nil:
			out.WriteString("null")
		}
	}
	return out.String(), true
}

// quoteJSON quotes s as JSON does, without escaping <, > and & (the text is
// for a person, not for a page).
func quoteJSON(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
