package flexapitest

import (
	"fmt"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// Client returns a flexapi client for this server: its base URL, its app's
// credentials and an HTTP client whose connections Close closes, then
// opts, which may override the HTTP client or add retries, timeouts and so
// on. It panics when an option is invalid, which is a mistake in the test,
// as httptest.NewServer panics when it cannot listen. For a static-token
// client call flexapi.New with WithBaseURL(s.URL), WithToken(s.IssueToken())
// and WithHTTPClient(s.HTTPClient()).
func (s *Server) Client(opts ...flexapi.Option) *flexapi.Client {
	c, err := flexapi.New(append([]flexapi.Option{
		flexapi.WithBaseURL(s.URL),
		flexapi.WithCredentials(s.AppKey, s.AppSecret),
		flexapi.WithHTTPClient(s.HTTPClient()),
	}, opts...)...)
	if err != nil {
		panic(fmt.Sprintf("flexapitest: Server.Client: %v", err))
	}
	return c
}
