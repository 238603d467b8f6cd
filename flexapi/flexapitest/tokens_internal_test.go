package flexapitest

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestTokensPastTheCapDropTheOldest(t *testing.T) {
	srv := NewServer(withMaxTokens(3))
	defer srv.Close()
	var toks []string
	for range 5 {
		toks = append(toks, srv.IssueToken())
	}
	for i, tok := range toks {
		if want := i >= 2; srv.validToken(tok) != want {
			t.Errorf("token %d valid = %t, want %t", i, !want, want)
		}
	}
	if n := srv.tokens.len(); n != 3 {
		t.Errorf("the store holds %d tokens, want the cap, 3", n)
	}
}

func TestExpiredTokensAreForgottenAsNewOnesAreIssued(t *testing.T) {
	clock := NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := NewServer(WithClock(clock.Now), WithTokenTTL(time.Minute))
	defer srv.Close()
	for range 100 {
		srv.IssueToken()
	}
	clock.Advance(2 * time.Minute)
	var fresh string
	for range 100 {
		fresh = srv.IssueToken()
	}
	// Each issue forgets up to sweepBatch expired tokens, so the 100
	// expired ones are gone long before 100 new ones are issued.
	if n := srv.tokens.len(); n != 100 {
		t.Errorf("the store holds %d tokens, want the 100 live ones", n)
	}
	if !srv.validToken(fresh) {
		t.Error("the newest token is not valid")
	}
	srv.tokens.clear()
	if srv.validToken(fresh) || srv.tokens.len() != 0 {
		t.Error("clear left a token")
	}
}

// A list call checks its token without the lock that issuing takes: with
// that lock held, as by a token call in progress, it still answers.
func TestListDoesNotWaitOnTokenIssue(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	tok := srv.IssueToken()
	srv.tokens.mu.Lock()
	defer srv.tokens.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api-keys/"+DefaultMID, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("a list call while a token is being issued: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, want 200", resp.StatusCode)
	}
}

// One issue forgets at most sweepBatch expired tokens, however many have
// expired, so that no token call pays for a long run's backlog; and the
// queue never grows past the cap.
func TestOneIssueSweepsABoundedBatch(t *testing.T) {
	clock := NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := NewServer(WithClock(clock.Now), WithTokenTTL(time.Minute), withMaxTokens(100))
	defer srv.Close()
	for range 100 {
		srv.IssueToken()
	}
	if n := len(srv.tokens.queue); n > 100 {
		t.Errorf("the token queue has %d places for a cap of 100", n)
	}
	clock.Advance(2 * time.Minute)
	srv.IssueToken()
	if n, want := srv.tokens.len(), 100-sweepBatch+1; n != want {
		t.Errorf("after one issue the store holds %d tokens, want %d: one issue forgets at most %d", n, want, sweepBatch)
	}
}
