package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// gitHub is the few calls of GitHub's REST API nightlyalert makes.
type gitHub struct {
	api, repo, token string
	http             *http.Client
}

func newGitHub(getenv func(string) string) (*gitHub, error) {
	gh := &gitHub{api: strings.TrimSuffix(getenv("GITHUB_API_URL"), "/"), repo: getenv("GITHUB_REPOSITORY"), token: getenv("GITHUB_TOKEN"),
		http: &http.Client{Timeout: 30 * time.Second}}
	if gh.api == "" {
		gh.api = "https://api.github.com"
	}
	if owner, name, ok := strings.Cut(gh.repo, "/"); !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, errors.New("GITHUB_REPOSITORY must be owner/name")
	}
	if gh.token == "" {
		return nil, errors.New("GITHUB_TOKEN is not set")
	}
	return gh, nil
}

// do sends one call; out, when not nil, receives the JSON answer. Errors
// name the call and the status, never the token.
func (gh *gitHub) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, gh.api+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+gh.token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := gh.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: GitHub answered %s", method, path, resp.Status)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: the answer is not the expected JSON", method, path)
		}
	}
	return nil
}

// openIssues lists the open contract-drift issues, oldest first (pull
// requests, which the issues API also lists, excluded).
func (gh *gitHub) openIssues(ctx context.Context) ([]int, error) {
	var issues []struct {
		Number      int             `json:"number"`
		PullRequest json.RawMessage `json:"pull_request"`
	}
	q := url.Values{"labels": {Label}, "state": {"open"}, "sort": {"created"}, "direction": {"asc"}, "per_page": {"100"}}
	if err := gh.do(ctx, http.MethodGet, "/repos/"+gh.repo+"/issues?"+q.Encode(), nil, &issues); err != nil {
		return nil, err
	}
	var out []int
	for _, i := range issues {
		if i.PullRequest == nil {
			out = append(out, i.Number)
		}
	}
	return out, nil
}

func (gh *gitHub) createIssue(ctx context.Context, title, body string) (int, error) {
	var created struct {
		Number int `json:"number"`
	}
	err := gh.do(ctx, http.MethodPost, "/repos/"+gh.repo+"/issues",
		map[string]any{"title": title, "body": body, "labels": []string{Label}}, &created)
	return created.Number, err
}

func (gh *gitHub) comment(ctx context.Context, number int, body string) error {
	return gh.do(ctx, http.MethodPost, fmt.Sprintf("/repos/%s/issues/%d/comments", gh.repo, number), map[string]any{"body": body}, nil)
}

func (gh *gitHub) edit(ctx context.Context, number int, fields map[string]any) error {
	return gh.do(ctx, http.MethodPatch, fmt.Sprintf("/repos/%s/issues/%d", gh.repo, number), fields, nil)
}
