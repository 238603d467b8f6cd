package flexapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// The list request built by hand is the one the generated builder makes,
// for every base URL shape and every mid that needs escaping.
func TestListRequestMatchesTheGeneratedBuilder(t *testing.T) {
	bases := []string{
		string(Sandbox), string(Production),
		"http://127.0.0.1:8080/v1",
		"http://127.0.0.1:8080/v1/",
		"https://gateway.example/proxy/flex/v1",
		"http://[::1]:9/v1",
	}
	mids := []string{
		"mid_123456", "a/b", "a b", "a+b", "ü-mid", "%41", "a?b#c", "semi;colon,comma", "a:b@c", "~.-_", "a\x7fb", "日本",
	}
	ua := func(_ context.Context, req *http.Request) error {
		req.Header.Set("User-Agent", "test-agent")
		return nil
	}
	for _, base := range bases {
		gen, err := oapi.NewClient(base)
		if err != nil {
			t.Fatal(err)
		}
		l, err := newListRequests(base, nil, ua)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		for _, mid := range mids {
			want, err := oapi.NewListAPIKeysRequest(gen.Server, mid)
			if err != nil {
				t.Fatal(err)
			}
			got, err := l.request(context.Background(), mid)
			if err != nil {
				t.Fatalf("%s, %q: %v", base, mid, err)
			}
			if got.URL.String() != want.URL.String() || got.URL.Path != want.URL.Path ||
				got.URL.EscapedPath() != want.URL.EscapedPath() || got.Host != want.Host || got.Method != want.Method {
				t.Errorf("%s, mid %q:\n got %s %s (path %q, host %q)\nwant %s %s (path %q, host %q)", base, mid,
					got.Method, got.URL, got.URL.Path, got.Host, want.Method, want.URL, want.URL.Path, want.Host)
			}
			if got.Header.Get("User-Agent") != "test-agent" {
				t.Errorf("the client's editors did not run")
			}
		}
	}
}
