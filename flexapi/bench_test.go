package flexapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// Benchmarks: the client against what a user would otherwise build from
// the same libraries, the do-it-yourself path: the raw generated client
// (oapi.ClientWithResponses, encoding/json, nothing checked) plus
// kin-openapi's openapi3filter.ValidateResponse of each answer against
// openapi.yaml; both on the same loopback server serving the same
// pre-encoded bytes, with a static token (no exchange per call), in the
// same run. `make bench` runs them, and an ogen client beside them
// (.ci/consumers/go), and cmd/benchcheck judges the client against the
// do-it-yourself path.

// benchSizes are the numbers of keys a merchant has.
var benchSizes = []int{1, 100, 10000}

// benchKeysBody is the list answer for n keys, encoded once.
func benchKeysBody(b *testing.B, n int) []byte {
	b.Helper()
	created := time.Date(2024, 11, 16, 12, 0, 0, 0, time.UTC)
	keys := make([]flexapi.APIKey, n)
	for i := range keys {
		keys[i] = flexapi.APIKey{
			Name:      "Key number " + strconv.Itoa(i),
			Type:      flexapi.APIKeyTypeSecret,
			CreatedAt: created.Add(time.Duration(i) * time.Minute),
			LastFour:  fmt.Sprintf("%04x", i%0x10000),
		}
		if i%2 == 1 {
			keys[i].Type = flexapi.APIKeyTypePublishable
			used := created.Add(time.Duration(i) * time.Hour)
			keys[i].LastUsed = &used
		}
	}
	body, err := json.Marshal(flexapi.APIKeyList{Keys: keys})
	if err != nil {
		b.Fatal(err)
	}
	// make bench hands the bodies to the ogen client's benchmark.
	if dir := os.Getenv("FLEXAPI_BENCH_BODIES"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("keys=%d.json", n)), body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return body
}

// benchServer serves body to every request that carries the token, with a
// Content-Length, as FlexFactor would.
func benchServer(b *testing.B, token string, body []byte) *httptest.Server {
	b.Helper()
	want := "Bearer " + token
	length := strconv.Itoa(len(body))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != want {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h := w.Header()
		h["Content-Type"] = []string{"application/json; charset=utf-8"}
		h["Content-Length"] = []string{length}
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func BenchmarkListAPIKeys(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes {
		body := benchKeysBody(b, n)
		srv := benchServer(b, staticTok, body)
		base := srv.URL + "/v1"
		client := func(b *testing.B) {
			c, err := flexapi.New(flexapi.WithBaseURL(base), flexapi.WithToken(staticTok))
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseIdleConnections()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				list, err := c.ListAPIKeys(ctx, exampleMID)
				if err != nil || len(list.Keys) != n {
					b.Fatalf("ListAPIKeys: %v", err)
				}
			}
		}
		diy := func(b *testing.B) {
			gc, err := oapi.NewClientWithResponses(base)
			if err != nil {
				b.Fatal(err)
			}
			bearer := func(_ context.Context, req *http.Request) error {
				req.Header.Set("Authorization", "Bearer "+staticTok)
				return nil
			}
			router := diyRouter(b, base)
			defer http.DefaultClient.CloseIdleConnections()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				resp, err := gc.ListAPIKeysWithResponse(ctx, exampleMID, bearer)
				if err != nil || resp.JSON200 == nil || len(resp.JSON200.Keys) != n {
					b.Fatalf("generated client: %v", err)
				}
				if err := diyValidate(ctx, router, resp.HTTPResponse, resp.Body); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			// make bench reverses the order between runs, so that
			// whichever runs later (on a warmer or a busier machine) is
			// not always the same.
			order := []struct {
				name string
				f    func(*testing.B)
			}{{"client", client}, {"diy", diy}}
			if os.Getenv("FLEXAPI_BENCH_PEER_FIRST") != "" {
				slices.Reverse(order)
			}
			for _, o := range order {
				b.Run(o.name, o.f)
			}
		})
	}
}

// BenchmarkDecode is the decoding of one list answer alone: the client's
// (flexapi.DecodeAPIKeyList, every key checked against openapi.yaml) and
// the generated client's (encoding/json into oapi.APIKeyList, as
// oapi.ParseListAPIKeysResponse does). Their difference over the keys is
// what the spec's checks cost per key; benchcheck reports it.
func BenchmarkDecode(b *testing.B) {
	for _, n := range benchSizes {
		body := benchKeysBody(b, n)
		b.Run(fmt.Sprintf("keys=%d/client", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				list, err := flexapi.DecodeAPIKeyList(body)
				if err != nil || len(list.Keys) != n {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("keys=%d/generated", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var list oapi.APIKeyList
				if err := json.Unmarshal(body, &list); err != nil || len(list.Keys) != n {
					b.Fatal(err)
				}
			}
		})
	}
}

// diyRouter routes requests to base by openapi.yaml's paths, as a user
// validating answers with kin-openapi sets it up once.
func diyRouter(b *testing.B, base string) routers.Router {
	doc, err := spec.Load()
	if err != nil {
		b.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		b.Fatal(err)
	}
	return router
}

// diyValidate checks one answer against openapi.yaml, as a user of the
// generated client would: route its request, then openapi3filter.
func diyValidate(ctx context.Context, router routers.Router, resp *http.Response, body []byte) error {
	route, params, err := router.FindRoute(resp.Request)
	if err != nil {
		return err
	}
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: resp.Request, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
	})
}
