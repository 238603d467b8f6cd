package flexapitest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
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
	header http.Header
	body   []byte
}

func jsonResponse(status int, body []byte) *response {
	h := http.Header{}
	h.Set("Content-Type", jsonType)
	return &response{status: status, header: h, body: body}
}

func errorResponse(status int, messages ...string) *response {
	return jsonResponse(status, errorsBody(messages...))
}

// modelStateResponse is a 400 with the validation body of FlexFactor's
// errors page (ASP.NET ModelState): each invalid field with its messages.
// The messages must not hold a value of the request.
func modelStateResponse(fields map[string][]string) *response {
	b, _ := json.Marshal(struct {
		Status  int                 `json:"status"`
		Title   string              `json:"title"`
		TraceID string              `json:"traceId"`
		Errors  map[string][]string `json:"errors"`
	}{
		Status: http.StatusBadRequest,
		Title:  "One or more validation errors occurred.",
		// ASP.NET's traceId is a W3C traceparent.
		TraceID: "00-" + randomHex(16) + "-" + randomHex(8) + "-00",
		Errors:  fields,
	})
	h := http.Header{}
	h.Set("Content-Type", problemType)
	return &response{status: http.StatusBadRequest, header: h, body: b}
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
	b, _ := json.Marshal(struct {
		Errors []string `json:"errors"`
	}{messages})
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
	for k, vs := range r.header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set("Content-Length", strconv.Itoa(len(r.body)))
	w.WriteHeader(r.status)
}

func (r *response) write(w http.ResponseWriter) {
	r.writeHeader(w)
	_, _ = w.Write(r.body)
}
