package flexapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// A client with app credentials lists a merchant's keys. A local server
// stands in for FlexFactor here; against the real API, replace WithBaseURL
// with WithEnvironment(flexapi.Sandbox) or WithEnvironment(flexapi.Production).
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/oauth2/token":
			fmt.Fprintf(w, `{"accessToken": "eyJ.example.jwt", "refreshToken": "r", "expires": %d}`, time.Now().Add(10*time.Minute).UnixMilli())
		case "/v1/api-keys/mid_123456":
			fmt.Fprint(w, `{"keys": [{"name": "Frontend Key", "type": "publishable",
				"created_at": "2024-11-10T08:30:00Z", "last_used": null, "last_four": "3abc"}]}`)
		case "/v1/api-keys/mid_failing":
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"errors": ["An unexpected error occurred. Please try again later."]}`)
		default:
			fmt.Fprint(w, `{"keys": []}`)
		}
	}))
	defer srv.Close()

	client, err := flexapi.New(
		flexapi.WithBaseURL(srv.URL+"/v1"),
		flexapi.WithCredentials("my-app-key", "my-app-secret"),
		flexapi.WithTimeout(10*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	ctx := context.Background()
	list, err := client.ListAPIKeys(ctx, "mid_123456")
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range list.Keys {
		fmt.Printf("%s (%s, public: %t) ...%s, used: %t\n",
			k.Name, k.Type, flexapi.IsPublicKeyType(k.Type), k.LastFour, k.LastUsed != nil)
	}

	_, err = client.ListAPIKeys(ctx, "mid_failing")
	var apiErr *flexapi.APIError
	if errors.As(err, &apiErr) {
		// Messages may be empty: a gateway's HTML page carries none.
		fmt.Println(apiErr.StatusCode, strings.Join(apiErr.Messages, "; "))
	}

	_, err = client.ListAPIKeys(ctx, " ")
	fmt.Println(errors.Is(err, flexapi.ErrInvalidMID))
	// Output:
	// Frontend Key (publishable, public: true) ...3abc, used: false
	// 500 An unexpected error occurred. Please try again later.
	// true
}
