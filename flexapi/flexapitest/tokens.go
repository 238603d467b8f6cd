package flexapitest

import (
	"hash/maphash"
	"sync"
	"time"
)

// DefaultMaxTokens is how many live tokens a Server holds unless
// WithMaxTokens says otherwise. Past it, issuing a token drops the oldest,
// whose next call answers 401 as if it had expired: the documented policy
// (get a new token after a 401) copes, and memory stays bounded by this cap
// rather than by how fast a load test asks for tokens.
const DefaultMaxTokens = 100000

// sweepBatch bounds the expired tokens one issue forgets: more than one, so
// that forgetting keeps up with issuing, and few, so that no issue pays for
// a long run's backlog.
const sweepBatch = 8

// tokenStore holds the live tokens. Checking a token (every list call) reads
// a sync.Map and takes no lock, so it never waits on an issue; issuing
// (rarer) takes the store's own lock, never the server's, for a constant
// amortized time: it adds the token to the end of a queue in issue order and
// forgets at most sweepBatch expired or excess tokens from its front.
//
// Tokens are kept by a 64-bit keyed hash, not by value: about 50 bytes each
// whatever their length. A forged token that matches a hash is a 2^-64
// chance per live token.
type tokenStore struct {
	seed maphash.Seed
	max  int
	live sync.Map // hash (uint64) -> expiry (int64, Unix nanoseconds)

	mu    sync.Mutex
	queue []queuedToken // a ring in issue order: queue[head] is the oldest
	head  int
	n     int
}

type queuedToken struct {
	hash uint64
	exp  int64
}

func newTokenStore(max int) *tokenStore {
	return &tokenStore{seed: maphash.MakeSeed(), max: max}
}

func (ts *tokenStore) hash(tok string) uint64 {
	return maphash.String(ts.seed, tok)
}

// add stores tok, valid until exp, and forgets the oldest tokens that have
// expired by now or exceed the cap.
func (ts *tokenStore) add(tok string, now, exp time.Time) {
	h, e := ts.hash(tok), exp.UnixNano()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for range sweepBatch {
		if ts.n == 0 || ts.queue[ts.head].exp > now.UnixNano() {
			break
		}
		ts.pop()
	}
	if ts.n == ts.max {
		ts.pop()
	}
	if ts.n == len(ts.queue) {
		ts.grow()
	}
	ts.queue[(ts.head+ts.n)%len(ts.queue)] = queuedToken{h, e}
	ts.n++
	ts.live.Store(h, e)
}

// pop forgets the oldest token. It deletes the map entry only if it still
// holds this token's expiry: a later token with the same hash keeps its own.
func (ts *tokenStore) pop() {
	q := ts.queue[ts.head]
	ts.live.CompareAndDelete(q.hash, q.exp)
	ts.head = (ts.head + 1) % len(ts.queue)
	ts.n--
}

// grow doubles the queue, up to the cap.
func (ts *tokenStore) grow() {
	size := min(max(2*len(ts.queue), 64), ts.max)
	q := make([]queuedToken, size)
	for i := range ts.n {
		q[i] = ts.queue[(ts.head+i)%len(ts.queue)]
	}
	ts.queue, ts.head = q, 0
}

// valid reports whether tok is live and unexpired at now.
func (ts *tokenStore) valid(tok string, now time.Time) bool {
	if tok == "" {
		return false
	}
	exp, ok := ts.live.Load(ts.hash(tok))
	return ok && now.UnixNano() < exp.(int64)
}

// clear forgets every token.
func (ts *tokenStore) clear() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.live.Clear()
	ts.queue, ts.head, ts.n = nil, 0, 0
}

// len is the number of tokens held, expired ones not yet forgotten included.
func (ts *tokenStore) len() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.n
}
