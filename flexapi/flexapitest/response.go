package flexapitest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

const jsonType = "application/json; charset=utf-8"

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
