package flexapitest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/internal/spec"
)

// Server is a running FlexFactor double. Its methods are safe for concurrent
// use.
type Server struct {
	// URL is the base URL, /v1 included, such as "http://127.0.0.1:43121/v1".
	URL string
	// AppKey and AppSecret are the credentials the token call accepts.
	AppKey, AppSecret string

	cfg       config
	listener  net.Listener
	http      *http.Server
	transport *http.Transport
	// router is the generated handler's ServeMux (see newRouter); methods
	// are the methods of its patterns, for 405s.
	router  *http.ServeMux
	methods []string
	// patterns maps each pattern of the router to its Route; operations
	// are the spec's operation of each Route.
	patterns   map[string]Route
	operations map[Route]specRoute
	// base is the path of the spec's server, "/v1".
	base      string
	validator *requestValidator
	// answers checks the faithful answers, with WithResponseValidation.
	answers *answerValidator

	baseCtx   context.Context
	stopReqs  context.CancelFunc // cancels every request context: ends waiting faults
	served    chan struct{}      // closed when Serve has returned
	closeOnce sync.Once

	// tokens and log have their own locks: a list call waits neither on a
	// token being issued nor on another request being logged.
	tokens *tokenStore
	log    *requestLog

	mu   sync.Mutex
	data Data
	// created maps the id of each key the create call made, and not yet
	// revoked, to where it lives in data; bounded by the key limits.
	created map[string]createdKey
	faults  map[Route][]*Fault
	// nfaults is how many faults are injected, so that a request finds
	// none without taking mu.
	nfaults atomic.Int64
}

// NewServer starts a double on a free loopback port, like
// httptest.NewServer. It panics when an option is invalid or it cannot
// listen, which is a mistake in the test; use Start to get an error instead.
// Call Close when done.
func NewServer(opts ...Option) *Server {
	s, err := Start(opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// Start starts a double and returns it, or the error of an invalid option or
// of listening. Call Close when done.
func Start(opts ...Option) (*Server, error) {
	cfg := config{
		addr:           "127.0.0.1:0",
		ttl:            DefaultTokenTTL,
		now:            time.Now,
		data:           DefaultData(),
		logSize:        defaultRequestLogSize,
		maxTokens:      defaultMaxTokens,
		publicListedAs: "public",
		maxKeys:        DefaultMaxKeysPerMerchant,
		maxMerchants:   DefaultMaxMerchants,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.errorLog == nil {
		cfg.errorLog = defaultErrorLog()
	}
	if cfg.appKey == "" {
		cfg.appKey = "app_" + randomHex(8)
		cfg.appSecret = "secret_" + randomHex(16)
	}
	s := &Server{
		AppKey:    cfg.appKey,
		AppSecret: cfg.appSecret,
		cfg:       cfg,
		data:      cfg.data,
		tokens:    newTokenStore(cfg.maxTokens),
		log:       newRequestLog(cfg.logSize),
		faults:    map[Route][]*Fault{},
		patterns:  map[string]Route{},
		served:    make(chan struct{}),
		transport: http.DefaultTransport.(*http.Transport).Clone(),
	}
	for mid, keys := range s.data {
		s.indexSeeded(mid, keys)
	}
	doc := cfg.doc
	if doc == nil {
		var err error
		// Shared by every server: kin-openapi only reads a loaded document.
		if doc, err = spec.Doc(); err != nil {
			return nil, fmt.Errorf("flexapitest: %w", err)
		}
	}
	router, routes, err := newRouter(s, doc)
	if err != nil {
		return nil, err
	}
	s.router, s.operations = router, routes
	s.validator = newRequestValidator(routes, doc)
	if cfg.validateAnswers {
		s.answers = newAnswerValidator(routes, doc, cfg.errorLog.Printf)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("flexapitest: listen on %s: %w", cfg.addr, err)
	}
	s.listener = ln
	s.baseCtx, s.stopReqs = context.WithCancel(context.Background())
	s.URL = "http://" + ln.Addr().String() + s.base
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// Clients that hang up mid-answer are part of the tests: keep the
		// server's complaints about them out of the test output, but not a
		// handler's panic or any other error.
		ErrorLog: log.New(errorLogFilter{dst: cfg.errorLog}, "", 0),
		BaseContext: func(net.Listener) context.Context {
			return s.baseCtx
		},
	}
	go func() {
		defer close(s.served)
		_ = s.http.Serve(ln)
	}()
	return s, nil
}

// Close stops the server: waiting faults end, connections close, and no
// goroutine of the server is left when it returns. It is safe to call more
// than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.stopReqs()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			_ = s.http.Close()
		}
		<-s.served
		s.transport.CloseIdleConnections()
	})
}

// HTTPClient returns an *http.Client whose connections Close also closes, so
// that a test using it leaves no goroutine behind.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: s.transport}
}

// IssueToken returns a valid bearer token without an HTTP call, as if the
// token call had just issued it (it expires after the token lifetime).
func (s *Server) IssueToken() string {
	tok, _ := s.issue()
	return tok
}

// SetKeys replaces the keys of one merchant while the server runs. Each key
// is any JSON-encodable value, usually a map[string]any or a
// json.RawMessage; it is not checked against the spec, so tests may seed
// odd data on purpose. SetKeys(mid) leaves the merchant with no keys.
func (s *Server) SetKeys(mid string, keys ...any) error {
	raw, err := encodeKeys(keys)
	if err != nil {
		return fmt.Errorf("flexapitest: SetKeys(%q): %w", mid, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[mid] = raw
	s.forgetCreated(mid)
	s.indexSeeded(mid, raw)
	return nil
}

// Inject adds faults to a route, after those already there. A request takes
// the first fault of its route that applies to it. Faults on routeOther are
// ignored.
func (s *Server) Inject(route Route, faults ...Fault) {
	if route == routeOther {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		s.faults[route] = append(s.faults[route], &f)
	}
	s.countFaults()
}

// countFaults updates nfaults; mu is held.
func (s *Server) countFaults() {
	n := 0
	for _, list := range s.faults {
		n += len(list)
	}
	s.nfaults.Store(int64(n))
}

// ClearFaults removes the faults of the given routes, or of every route
// when none is given.
func (s *Server) ClearFaults(routes ...Route) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.countFaults()
	if len(routes) == 0 {
		clear(s.faults)
		return
	}
	for _, r := range routes {
		delete(s.faults, r)
	}
}

// pendingFaults returns how many faults of the route are still to apply
// (an always fault counts as one).
func (s *Server) pendingFaults(route Route) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults[route])
}

// takeFault returns the first fault of route that applies to a faithful
// answer with the given status, and counts it as used.
func (s *Server) takeFault(route Route, status int) *Fault {
	if s.nfaults.Load() == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.faults[route]
	for i, f := range list {
		if !f.appliesTo(status) {
			continue
		}
		if f.times > 0 {
			f.times--
			if f.times == 0 {
				s.faults[route] = append(list[:i:i], list[i+1:]...)
				s.countFaults()
			}
		}
		return f
	}
	return nil
}

// issue makes a token valid for the token lifetime and stores it.
func (s *Server) issue() (string, time.Time) {
	now := s.cfg.now()
	exp := now.Add(s.cfg.ttl)
	tok := newJWTLike(s.AppKey, now, exp)
	s.tokens.add(tok, now, exp)
	return tok, exp
}

// validToken reports whether tok was issued and has not expired.
func (s *Server) validToken(tok string) bool {
	return s.tokens.valid(tok, s.cfg.now())
}

// newJWTLike makes a random token shaped like FlexFactor's JWTs (three
// base64url parts); nothing verifies its signature, the server looks it up.
func newJWTLike(sub string, iat, exp time.Time) string {
	claims, _ := json.Marshal(jwtClaims{Exp: exp.Unix(), Iat: iat.Unix(), JTI: randomHex(16), Sub: sub})
	return jwtHeader + "." + b64(string(claims)) + "." + b64(randomHex(32))
}

// jwtHeader is the first part of every token.
var jwtHeader = b64(`{"alg":"HS256","typ":"JWT"}`)

// jwtClaims are a token's claims, in name order.
type jwtClaims struct {
	Exp int64  `json:"exp"`
	Iat int64  `json:"iat"`
	JTI string `json:"jti"`
	Sub string `json:"sub"`
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// Data returns a copy of the server's data.
func (s *Server) Data() Data {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.clone()
}
