package flexapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

// Sentinel errors. Every error the client returns for one of these causes
// matches it with errors.Is.
var (
	// ErrInvalidMID: the mid is empty, blank, "." or "..", has control
	// characters or is not UTF-8. No request was sent.
	ErrInvalidMID = errors.New("flexapi: invalid mid")
	// ErrInsecureTransport: credentials would travel over plain http to a
	// host that is not loopback.
	ErrInsecureTransport = errors.New("flexapi: credentials over plain http to a non-loopback host")
	// ErrRedirectRefused: the server redirected to another scheme or host,
	// or to another method; the request, and its token, did not follow.
	ErrRedirectRefused = errors.New("flexapi: redirect to another origin refused")
	// ErrMalformedResponse: a 2xx answer whose body is not the documented
	// JSON (see *DecodeError).
	ErrMalformedResponse = errors.New("flexapi: malformed response")
	// ErrBodyTooLarge: a response body exceeded the size cap (see
	// WithMaxBodyBytes).
	ErrBodyTooLarge = errors.New("flexapi: response body too large")
)

// Caps, so that a server can neither flood a log nor cost memory: the
// server's text in each message of an *APIError and in a whole Error(), a
// request id, what is read of a non-2xx body, and what is drained of a body
// nobody needs so that its connection goes back to the pool (a longer one
// is cut off with its connection).
const (
	maxMessageBytes   = 256
	maxErrorTextBytes = 1024
	maxRequestIDBytes = 128
	errorReadBytes    = 64 << 10
	drainBytes        = 64 << 10
	errorPrefix       = "flexapi: "
)

// Operation names a call in errors and logs.
type Operation string

// The calls of the API.
const (
	OpListAPIKeys   Operation = "list API keys"
	OpCreateAPIKey  Operation = "create API key"
	OpRevokeAPIKey  Operation = "revoke API key"
	OpTokenExchange Operation = "token exchange"
)

// APIError is a non-2xx answer, or a 2xx whose body says the call failed.
// Messages holds the server's messages (the list page's {"errors": [...]}
// or the title of a ModelState body); FieldErrors holds a ModelState body's
// per-field messages. Body is a short, redacted excerpt of the raw body, for
// a person to recognise an HTML gateway page or an unexpected shape.
//
// RequestID is what support asks for: the X-Request-Id or Request-Id
// header, else the trace id of a traceparent header, else a ModelState
// body's traceId. RetryAfter is the wait the answer's Retry-After asks for,
// uncapped, and zero without one.
type APIError struct {
	Operation   Operation
	StatusCode  int
	RequestID   string
	RetryAfter  time.Duration
	Messages    []string
	FieldErrors map[string][]string
	ContentType string
	Body        string
}

// Error is one printable line of at most about 1 KiB, naming the operation
// and the request id once.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if len(e.Messages) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Messages, "; "))
	}
	if len(e.FieldErrors) > 0 {
		fields := make([]string, 0, len(e.FieldErrors))
		for f := range e.FieldErrors {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		for _, f := range fields {
			fmt.Fprintf(&b, "; %s: %s", f, strings.Join(e.FieldErrors[f], ", "))
		}
	}
	if len(e.Messages) == 0 && len(e.FieldErrors) == 0 && e.Body != "" {
		fmt.Fprintf(&b, " (%s): %s", e.ContentType, e.Body)
	}
	return errorText(e.Operation, b.String(), e.RequestID)
}

// errorText is an answer's error as one line: the prefix, the operation,
// the text cut to fit, and the request id, which the cut never removes.
func errorText(op Operation, text, requestID string) string {
	head := errorPrefix
	if op != "" {
		head += redact.Printable(string(op), maxMessageBytes) + ": "
	}
	var tail string
	if requestID != "" {
		tail = " (request " + redact.Printable(requestID, maxRequestIDBytes) + ")"
	}
	return head + redact.Printable(text, maxErrorTextBytes-len(head)-len(tail)) + tail
}

// DecodeError is a 2xx answer the client could not use, from any call
// (list, create, revoke, or the token exchange inside an *AuthError): a body
// that is not JSON, is truncated, has another content type, breaks its
// schema in the spec (a listing without "keys", a created key without its
// value) or exceeds the size cap. It matches ErrMalformedResponse, and
// ErrBodyTooLarge when that is the cause; a created key's DecodeError that
// lacks the key's id matches ErrNoKeyID. Operation, RequestID and
// RetryAfter are as in *APIError.
type DecodeError struct {
	Operation   Operation
	StatusCode  int
	RequestID   string
	RetryAfter  time.Duration
	ContentType string
	Body        string // short, redacted excerpt
	Err         error
}

func (e *DecodeError) Error() string {
	s := fmt.Sprintf("malformed %d response (%s): %s", e.StatusCode, e.ContentType,
		strings.TrimPrefix(e.Err.Error(), errorPrefix))
	if e.Body != "" {
		s += ": body: " + e.Body
	}
	return errorText(e.Operation, s, e.RequestID)
}

// Unwrap gives the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is makes every DecodeError match ErrMalformedResponse.
func (e *DecodeError) Is(target error) bool { return target == ErrMalformedResponse }

// AuthError is a failed token exchange at POST /oauth2/token, or a token
// source's failure. Err is an *APIError (e.g. 401 for bad credentials), a
// *DecodeError, a transport error, the source's own, or the context's that
// ended the wait for the exchange. It never carries the AppSecret.
type AuthError struct {
	Err error
}

// Error names the token exchange once, whether or not Err already does.
func (e *AuthError) Error() string {
	s := strings.TrimPrefix(e.Err.Error(), errorPrefix)
	return errorPrefix + string(OpTokenExchange) + ": " + strings.TrimPrefix(s, string(OpTokenExchange)+": ")
}

// Unwrap gives the cause.
func (e *AuthError) Unwrap() error { return e.Err }

// redactedError is a failure to get an answer, told redacted: net/http
// quotes a broken status or header line, which a server may fill with what
// it was sent. Its cause unwraps unless the redactor hid something in it
// (what the cause wraps does if only its URL was); "flexapi: " is said once.
type redactedError struct {
	prefix, text string
	err          error
}

func (e *redactedError) Error() string { return e.prefix + strings.ReplaceAll(e.text, errorPrefix, "") }
func (e *redactedError) Unwrap() error {
	if in := errors.Unwrap(e.err); in != nil && e.text != e.err.Error() && strings.HasSuffix(e.text, ": "+in.Error()) {
		return in // a mid shaped like a key: a timeout still matches
	}
	if e.text != e.err.Error() {
		return nil
	}
	return e.err
}

// newAPIError makes the *APIError of an answer whose body (at most
// errorReadBytes of it) says the call failed. extra are secrets to redact.
func newAPIError(op Operation, resp *http.Response, body []byte, red *redact.Redactor, extra ...string) *APIError {
	extra = append(extra, secretMembers(body)...)
	e := &APIError{
		Operation:   op,
		StatusCode:  resp.StatusCode,
		RetryAfter:  uncappedWait(resp),
		ContentType: red.Redact(resp.Header.Get("Content-Type"), extra...),
		Body:        red.Excerpt(body, extra...),
	}
	traceID := parseErrorBody(e, body, red, extra)
	e.RequestID = requestID(resp.Header, traceID, red, extra)
	return e
}

// newDecodeError makes the *DecodeError of a 2xx answer the client could
// not use.
func newDecodeError(op Operation, resp *http.Response, body []byte, red *redact.Redactor, err error, extra ...string) *DecodeError {
	return &DecodeError{
		Operation:   op,
		StatusCode:  resp.StatusCode,
		RequestID:   requestID(resp.Header, "", red, extra),
		RetryAfter:  uncappedWait(resp),
		ContentType: red.Redact(resp.Header.Get("Content-Type"), extra...),
		Body:        red.Excerpt(body, extra...),
		Err:         err,
	}
}

// requestID is APIError.RequestID. Ids are no secrets and stay readable,
// but a known secret or a credential's shape in one is hidden.
func requestID(h http.Header, fromBody string, red *redact.Redactor, extra []string) string {
	id := cmp.Or(h.Get("X-Request-Id"), h.Get("Request-Id"))
	if id == "" {
		// version-traceid-parentid-flags, the trace id 32 hex digits.
		if parts := strings.Split(h.Get("Traceparent"), "-"); len(parts) == 4 && len(parts[1]) == 32 {
			id = parts[1]
		}
	}
	id = cmp.Or(strings.TrimSpace(id), fromBody)
	return redact.Printable(red.RedactID(id, extra...), maxRequestIDBytes)
}

func uncappedWait(resp *http.Response) time.Duration {
	d, _ := retryAfter(resp.Header, time.Now(), math.MaxInt64)
	return d
}

// checkResponse is the one place where an answer's status becomes an
// error: nil for a 2xx, an *APIError otherwise. It reads at most
// errorReadBytes of a non-2xx body; the caller still closes the body. extra
// are secrets to redact.
func checkResponse(op Operation, resp *http.Response, red *redact.Redactor, extra ...string) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	// One byte more than the excerpt's window tells it the body goes on.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, errorReadBytes+1))
	return newAPIError(op, resp, body, red, extra...)
}

// secretMembers are the string values of a JSON object's members named
// for a secret, redact.MinLearnt bytes or more: the excerpt hides them
// there, and they are hidden wherever a message or the rest of the body
// repeats them too.
func secretMembers(body []byte) []string {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil
	}
	var out []string
	for name, raw := range members {
		var v string
		if redact.IsSecretField(name) && json.Unmarshal(raw, &v) == nil && len(v) >= redact.MinLearnt {
			out = append(out, v)
		}
	}
	return out
}

// parseErrorBody fills Messages and FieldErrors from either documented shape,
// the list page's {"errors": ["..."]} or ModelState's {"title": "...",
// "errors": {"field": ["..."]}}, whatever the content type says (gateways
// mislabel both ways), and returns a ModelState body's traceId.
func parseErrorBody(e *APIError, body []byte, red *redact.Redactor, extra []string) (traceID string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return ""
	}
	var shape struct {
		Errors  json.RawMessage `json:"errors"`
		Title   string          `json:"title"`
		Message string          `json:"message"`
		TraceID string          `json:"traceId"`
	}
	if json.Unmarshal(trimmed, &shape) != nil {
		return ""
	}
	clean := func(s string) string { return redact.Printable(red.Redact(s, extra...), maxMessageBytes) }
	if shape.Title != "" {
		e.Messages = append(e.Messages, clean(shape.Title))
	} else if shape.Message != "" {
		e.Messages = append(e.Messages, clean(shape.Message))
	}
	var list []json.RawMessage
	var fields map[string][]string
	switch {
	case json.Unmarshal(shape.Errors, &list) == nil:
		for _, m := range list {
			var s string
			if json.Unmarshal(m, &s) != nil {
				s = string(m) // a non-string item: keep its JSON text
			}
			e.Messages = append(e.Messages, clean(s))
		}
	case json.Unmarshal(shape.Errors, &fields) == nil && len(fields) > 0:
		e.FieldErrors = make(map[string][]string, len(fields))
		for f, msgs := range fields {
			out := make([]string, len(msgs))
			for i, m := range msgs {
				out[i] = clean(m)
			}
			e.FieldErrors[clean(f)] = out
		}
	}
	return shape.TraceID
}

// readBody reads a 2xx body under the cap without ever holding more than
// max+1 bytes of it.
func readBody(resp *http.Response, max int64) ([]byte, error) {
	if resp.ContentLength > max {
		return nil, ErrBodyTooLarge
	}
	b, err := readAll(io.LimitReader(resp.Body, max+1), resp.ContentLength, max+1)
	if err != nil {
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if int64(len(b)) > max {
		return nil, ErrBodyTooLarge
	}
	return b, nil
}

// readAll is io.ReadAll with a buffer sized for the declared length, one
// byte more to see EOF. Without one (chunked) it reads into pieces that
// double in size and joins them once: about twice a large body allocated
// in all, where io.ReadAll's growth costs five times.
func readAll(r io.Reader, declared, limit int64) ([]byte, error) {
	if declared >= 0 {
		return readInto(r, make([]byte, 0, min(declared+1, limit)))
	}
	var pieces [][]byte
	total, size := int64(0), int64(512)
	for total < limit {
		piece, err := readInto(r, make([]byte, 0, min(size, limit-total)))
		pieces = append(pieces, piece)
		total += int64(len(piece))
		if err != nil || len(piece) < cap(piece) {
			if len(pieces) == 1 {
				return piece, err
			}
			return bytes.Join(pieces, nil), err
		}
		size *= 2
	}
	return bytes.Join(pieces, nil), nil
}

// readInto reads into b until b is full, the reader ends (nil) or fails.
func readInto(r io.Reader, b []byte) ([]byte, error) {
	for len(b) < cap(b) {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// isJSON reports whether a Content-Type names JSON. An absent one is given
// the benefit of the doubt; the decoder decides.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return contentType == "" || (err == nil && (mt == "application/json" ||
		(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))))
}

// decodeBody reads a 2xx body under the cap and hands it to decode; a
// failure to read or decode it is a *DecodeError (or the network's error).
func decodeBody(op Operation, resp *http.Response, max int64, red *redact.Redactor, decode func([]byte) error, extra ...string) error {
	fail := func(body []byte, err error) error { return newDecodeError(op, resp, body, red, err, extra...) }
	body, err := readBody(resp, max)
	if errors.Is(err, ErrBodyTooLarge) {
		return fail(nil, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, max))
	}
	if err != nil && networkFailure(err) {
		// The server said nothing malformed: no *DecodeError, and
		// errors.Is still finds the network's cause.
		return fmt.Errorf("flexapi: %s: %w", op, err)
	}
	if err != nil {
		// Such as Content-Encoding: gzip on plain bytes.
		return fail(nil, err)
	}
	if !isJSON(resp.Header.Get("Content-Type")) {
		return fail(body, fmt.Errorf("content type %q is not JSON", red.Redact(resp.Header.Get("Content-Type"), extra...)))
	}
	if err := decode(body); err != nil {
		return fail(body, err)
	}
	return nil
}

// networkFailure reports whether reading a body failed in the network
// rather than in the body's content: a timeout or other net.Error, a
// cancelled context, or a connection that ended before the declared length.
func networkFailure(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}

// drainAndClose reads what is left of a body, up to drainBytes, and closes
// it, so that the connection can serve the next request.
func drainAndClose(body io.ReadCloser) {
	if body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drainBytes))
	_ = body.Close()
}
