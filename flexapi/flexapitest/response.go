package flexapitest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

const (
	jsonType = "application/json; charset=utf-8"
	// problemType is the media type openapi.yaml declares for the token
	// call's ModelState 400, the one ASP.NET sends it with.
	problemType = "application/problem+json; charset=utf-8"
)

// The messages of the documentation's error examples.
const (
	msgInvalidToken       = "Authentication failed. Invalid bearer token."
	msgInternal           = "An unexpected error occurred. Please try again later."
	msgInvalidCredentials = "Authentication failed. Invalid credentials."
)

// response is an answer held in memory, so that a fault can change it
// before it goes on the wire.
type response struct {
	status int
	// header is nil until headers makes it, from contentType: most answers
	// go out with their content type alone, and then cost no map.
	header      http.Header
	contentType string
	body        []byte
}

func jsonResponse(status int, body []byte) *response {
	return &response{status: status, contentType: jsonType, body: body}
}

// headers returns the answer's header, made from its content type on first
// use. Everything that changes an answer's header goes through it.
func (r *response) headers() http.Header {
	if r.header == nil {
		r.header = http.Header{}
		if r.contentType != "" {
			r.header.Set("Content-Type", r.contentType)
		}
	}
	return r.header
}

// The values of the usual Content-Type headers, shared by every answer:
// net/http only reads them.
var (
	jsonTypeValue    = []string{jsonType}
	problemTypeValue = []string{problemType}
)

func contentTypeValue(ct string) []string {
	switch ct {
	case jsonType:
		return jsonTypeValue
	case problemType:
		return problemTypeValue
	}
	return []string{ct}
}

func errorResponse(status int, messages ...string) *response {
	return jsonResponse(status, errorsBody(messages...))
}

// modelStateResponse is a 400 with the validation body of FlexFactor's
// errors page (ASP.NET ModelState): each invalid field with its messages.
// The messages must not hold a value of the request.
func modelStateResponse(fields map[string][]string) *response {
	status, title := http.StatusBadRequest, "One or more validation errors occurred."
	// ASP.NET's traceId is a W3C traceparent.
	trace := "00-" + randomHex(16) + "-" + randomHex(8) + "-00"
	b, _ := json.Marshal(oapi.ModelStateError{Status: &status, Title: &title, TraceID: &trace, Errors: fields})
	return &response{status: http.StatusBadRequest, contentType: problemType, body: b}
}

// fieldErrors collects a ModelState body's messages, each once per field.
type fieldErrors map[string][]string

func (f fieldErrors) add(field, message string) {
	if slices.Contains(f[field], message) {
		return
	}
	f[field] = append(f[field], message)
}

// errorsBody is the list page's error shape, {"errors": [messages...]}.
func errorsBody(messages ...string) []byte {
	b, _ := json.Marshal(oapi.ErrorList{Errors: messages})
	return b
}

func defaultMessage(code int) string {
	if code == http.StatusInternalServerError {
		return msgInternal
	}
	if t := http.StatusText(code); t != "" {
		return t + "."
	}
	return "Status " + strconv.Itoa(code) + "."
}

// writeHeader sends the status and headers, Content-Length included.
func (r *response) writeHeader(w http.ResponseWriter) {
	h := w.Header()
	switch {
	case r.header != nil:
		for k, vs := range r.header {
			h[k] = append([]string(nil), vs...)
		}
	case r.contentType != "":
		h["Content-Type"] = contentTypeValue(r.contentType)
	}
	h["Content-Length"] = []string{strconv.Itoa(len(r.body))}
	w.WriteHeader(r.status)
}

func (r *response) write(w http.ResponseWriter) {
	if rec, ok := w.(*recorder); ok {
		rec.resp = *r // a middleware reads it back: no copy
		return
	}
	r.writeHeader(w)
	_, _ = w.Write(r.body)
}
