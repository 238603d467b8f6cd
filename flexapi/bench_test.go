package flexapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/contract"
	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// Benchmarks: the client against what a user would otherwise call, the raw
// generated client (oapi.ClientWithResponses, which decodes with
// encoding/json and checks nothing), and against a careful hand-written
// net/http + encoding/json client, the floor; all three on the same
// loopback server serving the same pre-encoded bytes, with a static token
// (no exchange per call), in the same run. `make bench` runs them and
// cmd/benchcheck judges the client against the generated client.

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
		baseline := func(b *testing.B) {
			bc := newBaseline(base, staticTok)
			defer bc.hc.CloseIdleConnections()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				list, err := bc.list(ctx, exampleMID)
				if err != nil || len(list.Keys) != n {
					b.Fatalf("baseline: %v", err)
				}
			}
		}
		generated := func(b *testing.B) {
			gc, err := oapi.NewClientWithResponses(base)
			if err != nil {
				b.Fatal(err)
			}
			bearer := func(_ context.Context, req *http.Request) error {
				req.Header.Set("Authorization", "Bearer "+staticTok)
				return nil
			}
			defer http.DefaultClient.CloseIdleConnections()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				resp, err := gc.ListAPIKeysWithResponse(ctx, exampleMID, bearer)
				if err != nil || resp.JSON200 == nil || len(resp.JSON200.Keys) != n {
					b.Fatalf("generated client: %v", err)
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
			}{{"client", client}, {"generated", generated}, {"baseline", baseline}}
			if os.Getenv("FLEXAPI_BENCH_BASELINE_FIRST") != "" {
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

// baseline is what a careful engineer writes by hand with net/http and
// encoding/json: its own transport with the same response-header timeout as
// the client's, a timeout per call, the mid escaped, the status checked, the
// body decoded under a size cap, drained and closed. No retries, no token
// exchange, no error shapes, no schema: the floor, shown beside the goals.
type baseline struct {
	hc          *http.Client
	base, token string
}

func newBaseline(base, token string) *baseline {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = flexapi.DefaultResponseHeaderTimeout
	return &baseline{hc: &http.Client{Transport: tr}, base: base, token: token}
}

func (bc *baseline) list(ctx context.Context, mid string) (*flexapi.APIKeyList, error) {
	ctx, cancel := context.WithTimeout(ctx, flexapi.DefaultTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, bc.base+"/api-keys/"+url.PathEscape(mid), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+bc.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", flexapi.DefaultUserAgent)
	resp, err := bc.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	var out flexapi.APIKeyList
	if err := json.NewDecoder(io.LimitReader(resp.Body, flexapi.DefaultMaxBodyBytes)).Decode(&out); err != nil {
		return nil, err
	}
	if out.Keys == nil {
		return nil, errors.New(`no "keys"`)
	}
	return &out, nil
}

// BenchmarkWireValidation is the cost of checking one list answer against
// openapi.yaml with the contract suite's validator (kin-openapi), per
// response: what validating every answer in production would add.
func BenchmarkWireValidation(b *testing.B) {
	const base = "http://127.0.0.1:8080/v1"
	v, err := contract.NewValidator(base)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, n := range benchSizes {
		body := benchKeysBody(b, n)
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			req, err := http.NewRequest(http.MethodGet, base+"/api-keys/"+exampleMID, nil)
			if err != nil {
				b.Fatal(err)
			}
			ex := &contract.Exchange{
				Operation: report.OpListAPIKeys,
				Request:   req,
				Status:    http.StatusOK,
				Header:    http.Header{"Content-Type": {"application/json; charset=utf-8"}},
				Body:      body,
			}
			if failures := v.Validate(ctx, ex); len(failures) > 0 {
				b.Fatalf("the benchmark's body breaks the spec: %v", failures)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if failures := v.Validate(ctx, ex); len(failures) > 0 {
					b.Fatal(failures)
				}
			}
		})
	}
}
