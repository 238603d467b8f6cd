// Command harness decodes each case of the consumer gate's corpus with the
// clients that oapi-codegen and ogen generated from the spec under test, as
// another Go team would call them: each case is one answer, served to the
// generated client by an http.RoundTripper, so the client's own decoding
// (and ogen's validation) judges it. It prints one line per case that a
// client cannot decode, or that it decodes though the case's `reject` names
// it, and exits 1 when there is one, or when a client decoded no case or
// refused no forbidden one (a run that checked nothing). Then each client
// revokes a key whose id holds "/", "?", "#" and a space: a line says
// whether the client percent-encodes it as one path segment or sends it as
// given, and whether url.PathEscape(id) first makes the path right
// (.ci/consumers/run holds the docs to it).
//
//	harness CASES.json
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/flexcontract/flexfactor-apikeys/tools/consumers/oapiclient"
	"github.com/flexcontract/flexfactor-apikeys/tools/consumers/ogenapi"
)

type testCase struct {
	Name        string `json:"name"`
	Op          string `json:"op"`
	Status      int    `json:"status"`
	ContentType string `json:"contentType"`
	Body        string `json:"body"`
	// Reject names the decoders that must refuse the case: an answer the
	// spec forbids, which shows that the decoder judges what it decodes.
	Reject []string `json:"reject"`
}

// replay answers every request with the case.
type replay struct{ c testCase }

// lastPath is the escaped path (and query) of the last request replayed.
var lastPath string

func (r replay) RoundTrip(req *http.Request) (*http.Response, error) {
	lastPath = req.URL.RequestURI()
	if req.Body != nil {
		_ = req.Body.Close()
	}
	h := http.Header{}
	if r.c.ContentType != "" {
		h.Set("Content-Type", r.c.ContentType)
	}
	return &http.Response{StatusCode: r.c.Status, Status: http.StatusText(r.c.Status), Header: h, Request: req,
		Body: io.NopCloser(strings.NewReader(r.c.Body)), ContentLength: int64(len(r.c.Body)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// Request bodies for the calls that send one: valid under every version of
// the spec, so that a client's request validation never stops a case.
var bodies = map[string]string{
	"createtoken":  `{"AppKey":"app_key_example","AppSecret":"app_secret_example"}`,
	"createapikey": `{"mid":"mid_123456","name":"My API Key","type":"secret"}`,
}

// call calls the method of client named for the case's operation (its Go
// name, lowercased, is op+suffix), with arguments made by reflection: the
// generated names of parameters differ between spec versions, the calls do not.
func call(client any, op, suffix, id string) ([]reflect.Value, error) {
	v := reflect.ValueOf(client)
	var m reflect.Value
	for i := 0; i < v.NumMethod(); i++ {
		if strings.EqualFold(v.Type().Method(i).Name, op+suffix) {
			m = v.Method(i)
		}
	}
	if !m.IsValid() {
		return nil, fmt.Errorf("no method for operation %s", op)
	}
	t := m.Type()
	n := t.NumIn()
	if t.IsVariadic() {
		n--
	}
	args := []reflect.Value{reflect.ValueOf(context.Background())}
	for i := 1; i < n; i++ {
		at := t.In(i)
		switch {
		case at.Kind() == reflect.String:
			args = append(args, reflect.ValueOf(id).Convert(at))
		case at.Kind() == reflect.Pointer && at.Elem().Kind() == reflect.Struct:
			p := reflect.New(at.Elem())
			if err := json.Unmarshal([]byte(bodies[strings.ToLower(op)]), p.Interface()); err != nil {
				return nil, fmt.Errorf("request body: %v", err)
			}
			args = append(args, p)
		case at.Kind() == reflect.Struct && strings.HasSuffix(at.Name(), "Params"):
			p := reflect.New(at).Elem()
			for f := 0; f < p.NumField(); f++ {
				if p.Field(f).Kind() == reflect.String {
					p.Field(f).SetString(id)
				}
			}
			args = append(args, p)
		case at.Kind() == reflect.Struct:
			p := reflect.New(at)
			if err := json.Unmarshal([]byte(bodies[strings.ToLower(op)]), p.Interface()); err != nil {
				return nil, fmt.Errorf("request body: %v", err)
			}
			args = append(args, p.Elem())
		default:
			return nil, fmt.Errorf("operation %s: cannot make an argument of type %s", op, at)
		}
	}
	return m.Call(args), nil
}

func errOf(v reflect.Value) error {
	if v.IsNil() {
		return nil
	}
	return v.Interface().(error)
}

type bearer struct{}

func (bearer) BearerAuth(context.Context, ogenapi.OperationName) (ogenapi.BearerAuth, error) {
	return ogenapi.BearerAuth{Token: "token"}, nil
}

// ogenDecode: the ogen client's call returns no error.
func ogenDecode(c testCase, id string) error {
	client, err := ogenapi.NewClient("http://replay.invalid/v1", bearer{}, ogenapi.WithClient(&http.Client{Transport: replay{c}}))
	if err != nil {
		return err
	}
	out, err := call(client, c.Op, "", id)
	if err != nil {
		return err
	}
	return errOf(out[1])
}

// oapiDecode: the oapi-codegen client's ...WithResponse returns no error,
// and a body, when there is one, lands in one of its typed fields (it
// leaves them all nil for a status or media type the spec does not declare).
func oapiDecode(c testCase, id string) error {
	client, err := oapiclient.NewClientWithResponses("http://replay.invalid/v1", oapiclient.WithHTTPClient(&http.Client{Transport: replay{c}}))
	if err != nil {
		return err
	}
	out, err := call(client, c.Op, "WithResponse", id)
	if err != nil {
		return err
	}
	if err := errOf(out[1]); err != nil {
		return err
	}
	if c.Body == "" {
		return nil
	}
	resp := out[0].Elem()
	for i := 0; i < resp.NumField(); i++ {
		f := resp.Type().Field(i)
		if (strings.HasPrefix(f.Name, "JSON") || strings.HasPrefix(f.Name, "Application")) && !resp.Field(i).IsNil() {
			return nil
		}
	}
	return fmt.Errorf("status %d as %q: no typed field holds the body (the spec declares no such answer)", c.Status, c.ContentType)
}

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var cases []testCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	secrets := secretsOf(cases)
	failed := 0
	gens := []struct {
		name   string
		decode func(testCase, string) error
	}{{"oapi-codegen", oapiDecode}, {"ogen", ogenDecode}}
	for _, gen := range gens {
		bad, decoded, refused := 0, 0, 0
		for _, c := range cases {
			err := gen.decode(c, "mid_123456")
			if slices.Contains(c.Reject, gen.name) {
				if err == nil {
					bad++
					fmt.Printf("%s: %s: decoded, though the spec forbids it: the decoder judges nothing\n", gen.name, c.Name)
				} else {
					refused++
				}
				continue
			}
			if err == nil {
				decoded++
				continue
			}
			bad++
			// The error names the case and what failed; a decoder's message
			// can quote the body, which may hold a key value or a token.
			msg := err.Error()
			for _, s := range secrets {
				msg = strings.ReplaceAll(msg, s, "[redacted]")
			}
			if len(msg) > 240 {
				msg = msg[:240] + "..."
			}
			fmt.Printf("%s: %s: %s\n", gen.name, c.Name, msg)
		}
		fmt.Printf("%s: %d cases decoded, %d forbidden answers refused\n", gen.name, decoded, refused)
		if decoded == 0 || refused == 0 {
			// A run that checked nothing is not green.
			bad++
			fmt.Printf("%s: no case decoded or no forbidden answer refused: the run checked nothing\n", gen.name)
		}
		failed += bad
	}

	// A key id holding reserved characters, revoked through each client.
	// Right: one path segment, however escaped, that unescapes to the id.
	const pathID = "key/1?x=2#3 4"
	right := func(path string) bool {
		seg, ok := strings.CutPrefix(path, "/v1/api-keys/")
		id, err := url.PathUnescape(seg)
		return ok && !strings.ContainsAny(seg, "/?#") && err == nil && id == pathID
	}
	revoked := testCase{Name: "a revoke of a key whose id holds / ? # and a space", Op: "revokeApiKey", Status: http.StatusNoContent}
	for _, gen := range gens {
		sent := func(id string) string {
			lastPath = ""
			if err := gen.decode(revoked, id); err != nil {
				return "(" + err.Error() + ")"
			}
			return lastPath
		}
		switch given := sent(pathID); {
		case right(given):
			fmt.Printf("path id: %s: encodes\n", gen.name)
		case right(sent(url.PathEscape(pathID))):
			fmt.Printf("path id: %s: sends it as given\n", gen.name)
		default:
			failed++
			fmt.Printf("path id: %s: sent %s, and %s for the id escaped first; want /v1/api-keys/%s\n", gen.name, given, sent(url.PathEscape(pathID)), url.PathEscape(pathID))
		}
	}
	if failed > 0 {
		os.Exit(1)
	}
}

// secretsOf is every token and key value the cases' bodies carry, so that
// no line the harness prints repeats one.
func secretsOf(cases []testCase) []string {
	var out []string
	for _, c := range cases {
		var m map[string]any
		if json.Unmarshal([]byte(c.Body), &m) != nil {
			continue
		}
		for _, k := range []string{"accessToken", "refreshToken", "value"} {
			if s, ok := m[k].(string); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
