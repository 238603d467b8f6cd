package flexapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// listRequests sends the list call's requests. It builds each request as the
// generated oapi.NewListAPIKeysRequest would, but without that builder's cost
// on every call (parsing the base URL, resolving the operation's path
// against it, formatting, parsing the result again, and copying the request
// for its context), which was a tenth of the client's whole call at one key.
// The generated builder stays the source of truth: it is asked once, in
// newListRequests, for the URL of the call, and everything before the mid is
// kept.
type listRequests struct {
	prefix  string // the list call's URL without the mid: "https://host/v1/api-keys/"
	doer    oapi.HttpRequestDoer
	editors []oapi.RequestEditorFn
}

// sampleMID is the mid the generated builder is asked about: plain
// letters, which no escaping changes.
const sampleMID = "mid"

func newListRequests(server string, doer oapi.HttpRequestDoer, editors ...oapi.RequestEditorFn) (*listRequests, error) {
	c, err := oapi.NewClient(server)
	if err != nil {
		return nil, err
	}
	req, err := oapi.NewListAPIKeysRequest(c.Server, sampleMID)
	if err != nil {
		return nil, err
	}
	u := req.URL.String()
	prefix, ok := strings.CutSuffix(u, "/"+sampleMID)
	if !ok || req.URL.RawQuery != "" || req.URL.Fragment != "" {
		return nil, fmt.Errorf("the list call's URL %q does not end with its mid", req.URL.Redacted())
	}
	return &listRequests{prefix: prefix + "/", doer: doer, editors: editors}, nil
}

// request builds the list request for mid: the generated builder escapes a
// path parameter with url.PathEscape, and so does this.
func (l *listRequests) request(ctx context.Context, mid string, editors ...oapi.RequestEditorFn) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.prefix+url.PathEscape(mid), nil)
	if err != nil {
		return nil, err
	}
	for _, edit := range l.editors {
		if err := edit(ctx, req); err != nil {
			return nil, err
		}
	}
	for _, edit := range editors {
		if err := edit(ctx, req); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// send sends the list request for mid, with the call's retry policy.
func (l *listRequests) send(ctx context.Context, mid string, editors ...oapi.RequestEditorFn) (*http.Response, error) {
	req, err := l.request(ctx, mid, editors...)
	if err != nil {
		return nil, err
	}
	return l.doer.Do(req)
}
