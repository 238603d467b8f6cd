package flexapitest

import (
	"hash/maphash"
	"sync"
	"time"
)

// defaultMaxTokens is how many live tokens a Server holds unless
// withMaxTokens says otherwise. Past it, issuing a token drops the oldest,
// whose next call answers 401 as if it had expired: the documented policy
// (get a new token after a 401) copes, and memory stays bounded by this cap
// rather than by how fast a load test asks for tokens.
const defaultMaxTokens = 100000

// sweepBatch bounds the expired tokens one issue forgets: more than one, so
// that forgetting keeps up with issuing, and few, so that no issue pays for
// a long run's backlog.
const sweepBatch = 8

// tokenStore holds the live tokens. Issuing takes the store's own lock,
// never the server's, for a constant amortized time: it adds the token to
// the end of a queue in issue order and forgets at most sweepBatch expired
// or excess tokens from its front. Checking a token (every list call) takes
// only the read lock of one of tokenShards shards of the live tokens, which
// an issue holds for one map write, never while it makes a token or sweeps:
// a list call does not wait on token issue.
//
// Tokens are kept by a 64-bit keyed hash, not by value, in maps that hold no
// pointers: about 20 bytes each whatever their length, and nothing for the
// garbage collector to scan however many there are. A forged token that
// matches a hash is a 2^-64 chance per live token.
type tokenStore struct {
	seed   maphash.Seed
	max    int
	shards [tokenShards]tokenShard

	mu    sync.Mutex
	queue []queuedToken // a ring in issue order: queue[head] is the oldest
	head  int
	n     int
}

type queuedToken struct {
	hash uint64
	exp  int64
}

// tokenShards is how many shards the live tokens are split into.
const tokenShards = 16

// tokenShard is a part of the live tokens: hash -> expiry (Unix
// nanoseconds).
type tokenShard struct {
	mu   sync.RWMutex
	live map[uint64]int64
}

func (ts *tokenStore) shard(h uint64) *tokenShard {
	return &ts.shards[h%tokenShards]
}

func (sh *tokenShard) store(h uint64, exp int64) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.live == nil {
		sh.live = map[uint64]int64{}
	}
	sh.live[h] = exp
}

// forget deletes h if it still holds exp: a later token with the same hash
// keeps its own.
func (sh *tokenShard) forget(h uint64, exp int64) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.live[h] == exp {
		delete(sh.live, h)
	}
}

func (sh *tokenShard) load(h uint64) (int64, bool) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	exp, ok := sh.live[h]
	return exp, ok
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
	ts.shard(h).store(h, e)
}

// pop forgets the oldest token. It deletes the map entry only if it still
// holds this token's expiry: a later token with the same hash keeps its own.
func (ts *tokenStore) pop() {
	q := ts.queue[ts.head]
	ts.shard(q.hash).forget(q.hash, q.exp)
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
	h := ts.hash(tok)
	exp, ok := ts.shard(h).load(h)
	return ok && now.UnixNano() < exp
}

// clear forgets every token.
func (ts *tokenStore) clear() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for i := range ts.shards {
		sh := &ts.shards[i]
		sh.mu.Lock()
		sh.live = nil
		sh.mu.Unlock()
	}
	ts.queue, ts.head, ts.n = nil, 0, 0
}

// len is the number of tokens held, expired ones not yet forgotten included.
func (ts *tokenStore) len() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.n
}
