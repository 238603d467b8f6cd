package flexapi

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
	"github.com/flexcontract/flexfactor-apikeys/internal/redact"
)

// Environment is one of FlexFactor's deployments; its value is the base URL
// the spec's servers list gives for it.
type Environment string

// The environments the spec declares.
const (
	// Sandbox is FlexFactor's test deployment, the default.
	Sandbox Environment = oapi.ServerURLSandbox
	// Production is FlexFactor's live deployment.
	Production Environment = oapi.ServerURLProduction
)

// The defaults, which the options' docs state: one call is bounded even
// when the caller's context has no deadline.
const (
	defaultMaxAttempts         = 3
	defaultTimeout             = 30 * time.Second
	defaultMaxBodyBytes  int64 = 10 << 20
	defaultMaxRetryWait        = 30 * time.Second
	defaultHeaderTimeout       = 15 * time.Second
	defaultUserAgent           = "flexfactor-apikeys-go/" + Version
	defaultRetryWaitMin        = 200 * time.Millisecond
	defaultRetryWaitMax        = 5 * time.Second
	// A token is renewed this long before it expires, so that a call never
	// starts with a token that dies on the way.
	defaultEarlyExpiry = 30 * time.Second
)

// Option configures a Client. Options validate their arguments: New returns
// the first error an option reports.
type Option func(*settings) error

// settings collects what the options say.
type settings struct {
	baseURL       *url.URL
	baseFrom      string // the option that set baseURL
	httpClient    *http.Client
	userAgent     string
	auth          authKind
	token         redact.Text
	source        oauth2.TokenSource
	appKey        string
	appSecret     redact.Text
	maxAttempts   int
	timeout       time.Duration
	maxBodyBytes  int64
	retryWaitMin  time.Duration
	retryWaitMax  time.Duration
	maxRetryWait  time.Duration
	earlyExpiry   time.Duration
	now           func() time.Time
	headerTimeout time.Duration
	wrappers      []func(http.RoundTripper) http.RoundTripper
	logger        *slog.Logger
}

// authKind says which of the exclusive auth options was given.
type authKind int

const (
	authNone authKind = iota
	authToken
	authSource
	authCredentials
)

func (k authKind) String() string {
	switch k {
	case authToken:
		return "static token"
	case authSource:
		return "token source"
	case authCredentials:
		return "app credentials"
	default:
		return "none"
	}
}

func defaultSettings() *settings {
	u, _ := url.Parse(string(Sandbox))
	return &settings{
		baseURL:      u,
		userAgent:    defaultUserAgent,
		maxAttempts:  defaultMaxAttempts,
		timeout:      defaultTimeout,
		maxBodyBytes: defaultMaxBodyBytes,
		retryWaitMin: defaultRetryWaitMin,
		retryWaitMax: defaultRetryWaitMax,
		maxRetryWait: defaultMaxRetryWait,
		earlyExpiry:  defaultEarlyExpiry,
		now:          time.Now,
		// The header timeout of the transport New builds.
		headerTimeout: defaultHeaderTimeout,
	}
}

// WithEnvironment selects one of FlexFactor's deployments (Sandbox by
// default). It excludes WithBaseURL.
func WithEnvironment(e Environment) Option {
	return func(s *settings) error {
		switch e {
		case Sandbox, Production:
		default:
			return fmt.Errorf("flexapi: unknown environment %q", string(e))
		}
		u, err := url.Parse(string(e))
		if err != nil {
			return fmt.Errorf("flexapi: environment %q: %w", string(e), err)
		}
		return s.setBase(u, "WithEnvironment")
	}
}

// WithBaseURL sets the base URL the paths are appended to, the spec's /v1
// included, e.g. "http://127.0.0.1:1234/v1": a path that does not end in
// /v1 is refused, with a hint. It must be an absolute http or https URL
// without user info, query or fragment. Plain http is accepted only for
// loopback hosts when the client sends credentials (New checks that). It
// excludes WithEnvironment.
func WithBaseURL(base string) Option {
	return func(s *settings) error {
		u, err := parseBaseURL(base)
		if err != nil {
			return err
		}
		return s.setBase(u, "WithBaseURL")
	}
}

// setBase sets the base URL once: with both WithEnvironment and WithBaseURL
// one would be ignored, whichever came first.
func (s *settings) setBase(u *url.URL, from string) error {
	if s.baseFrom != "" && s.baseFrom != from {
		return fmt.Errorf("flexapi: %s and %s are exclusive", s.baseFrom, from)
	}
	s.baseURL, s.baseFrom = u, from
	return nil
}

// versionPath is the path of the spec's servers, "/v1", which every base
// URL ends in.
var versionPath = func() string { u, _ := url.Parse(string(Sandbox)); return u.Path }()

func parseBaseURL(base string) (*url.URL, error) {
	u, err := url.Parse(base)
	if err != nil {
		// url.Parse quotes the input, which may hold user info: say less.
		return nil, errors.New("flexapi: base URL does not parse")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("flexapi: base URL scheme %q: want http or https", u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return nil, errors.New("flexapi: base URL has no host")
	case u.User != nil:
		// Credentials in a URL end up in logs and error messages.
		return nil, errors.New("flexapi: base URL must not carry user info")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, errors.New("flexapi: base URL must not carry a query or fragment")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	if !strings.HasSuffix(u.Path, versionPath) {
		// Without it every call answers 404 and says nothing of why.
		hint := *u
		hint.Path, hint.RawPath = strings.TrimSuffix(u.Path, versionPath+"/api-keys")+versionPath, ""
		return nil, fmt.Errorf("flexapi: base URL path %q does not end in %s, the API's version: want %q",
			u.Path, versionPath, hint.String())
	}
	return u, nil
}

// WithHTTPClient sets the *http.Client that sends the requests. New works on
// a copy: it replaces the copy's CheckRedirect with one that never lets a
// request follow a redirect to another scheme, host or method, and leaves the
// caller's client untouched. Its Transport and Timeout are used as they are.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("flexapi: nil *http.Client")
		}
		s.httpClient = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(ua) == "" {
			return errors.New("flexapi: empty user agent")
		}
		if hasControl(ua) {
			return errors.New("flexapi: user agent contains control characters")
		}
		s.userAgent = ua
		return nil
	}
}

// WithToken makes the client send a static bearer token, e.g. one obtained
// elsewhere. A 401 is returned as it is: a static token cannot be renewed.
// It excludes WithCredentials and WithTokenSource.
func WithToken(token string) Option {
	return func(s *settings) error {
		if err := validToken(token); err != nil {
			return err
		}
		if err := s.setAuth(authToken); err != nil {
			return err
		}
		s.token = redact.Text(token)
		return nil
	}
}

// WithTokenSource makes the client ask src for the bearer token before each
// call; src does its own caching (wrap it in oauth2.ReuseTokenSource). It
// excludes WithToken and WithCredentials.
func WithTokenSource(src oauth2.TokenSource) Option {
	return func(s *settings) error {
		if src == nil {
			return errors.New("flexapi: nil token source")
		}
		if err := s.setAuth(authSource); err != nil {
			return err
		}
		s.source = src
		return nil
	}
}

// WithCredentials makes the client exchange an app's AppKey and AppSecret for
// a bearer token at POST {base}/oauth2/token, reuse that token until shortly
// before it expires, and renew it once when a call answers 401. It excludes
// WithToken and WithTokenSource.
func WithCredentials(appKey, appSecret string) Option {
	return func(s *settings) error {
		for _, v := range []string{appKey, appSecret} {
			switch {
			case strings.TrimSpace(v) == "":
				return errors.New("flexapi: empty AppKey or AppSecret")
			case hasControl(v):
				return errors.New("flexapi: AppKey or AppSecret contains control characters")
			case v != strings.TrimSpace(v):
				// Read from a file with its newline: the exchange would answer 401.
				return errors.New("flexapi: AppKey or AppSecret has leading or trailing whitespace")
			}
		}
		if err := s.setAuth(authCredentials); err != nil {
			return err
		}
		s.appKey = appKey
		s.appSecret = redact.Text(appSecret)
		return nil
	}
}

func (s *settings) setAuth(k authKind) error {
	if s.auth != authNone && s.auth != k {
		return fmt.Errorf("flexapi: %s and %s are exclusive", s.auth, k)
	}
	s.auth = k
	return nil
}

func validToken(token string) error {
	if strings.TrimSpace(token) == "" {
		return errors.New("flexapi: empty token")
	}
	// A bearer token is a single token68 word: whitespace or control
	// characters would split or inject header lines.
	if strings.ContainsFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		if strings.HasPrefix(strings.ToLower(token), "bearer ") {
			return errors.New(`flexapi: token starts with "Bearer ": give the token alone, the client adds the scheme`)
		}
		return errors.New("flexapi: token contains whitespace or control characters")
	}
	return nil
}

// WithMaxAttempts sets how many times a call is attempted in all, where its
// retry policy allows another attempt (default 3). One means no retries.
func WithMaxAttempts(n int) Option {
	return func(s *settings) error {
		if n < 1 {
			return fmt.Errorf("flexapi: max attempts %d: want at least 1", n)
		}
		s.maxAttempts = n
		return nil
	}
}

// WithTimeout bounds every call (list, create, revoke) as a whole, whatever
// the server does: its token exchange, every attempt and every wait
// (default 30s). Zero leaves the bound to the caller's context.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("flexapi: negative timeout %s", d)
		}
		s.timeout = d
		return nil
	}
}

// WithMaxBodyBytes caps the bytes read of a successful response's body
// (default 10 MiB). A larger body fails the call with ErrBodyTooLarge, after
// reading no more than n+1 bytes of it.
func WithMaxBodyBytes(n int64) Option {
	return func(s *settings) error {
		if n < 1 {
			return fmt.Errorf("flexapi: max body bytes %d: want at least 1", n)
		}
		s.maxBodyBytes = min(n, math.MaxInt64-1) // n+1 must not overflow
		return nil
	}
}

// WithBackoff sets the exponential backoff between attempts: the first wait
// is about min, each next one doubles, none exceeds max; each is jittered
// (default 200ms and 5s).
func WithBackoff(min, max time.Duration) Option {
	return func(s *settings) error {
		if min <= 0 || max < min {
			return fmt.Errorf("flexapi: backoff %s..%s: want 0 < min <= max", min, max)
		}
		s.retryWaitMin, s.retryWaitMax = min, max
		return nil
	}
}

// WithMaxRetryWait caps the wait a 429's or 503's Retry-After may ask for
// before the call is tried again (default 30s): a server asking for more is
// retried after d. When the wait would outlast the call's deadline, the
// answer is returned at once as an *APIError, whose RetryAfter keeps the
// uncapped wait.
func WithMaxRetryWait(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("flexapi: max retry wait %s: want > 0", d)
		}
		s.maxRetryWait = d
		return nil
	}
}

// WithTransportWrapper wraps the transport the client sends with, its own
// (with its header timeout and header cap) or WithHTTPClient's, in wrap:
// otelhttp.NewTransport, or a service's own metrics. The wrapper sees every
// attempt, retries and the token exchange included; Route names its
// requests. The client's timeouts, caps and redirect rule stay. Several
// wrappers nest in the order given, the first innermost.
func WithTransportWrapper(wrap func(http.RoundTripper) http.RoundTripper) Option {
	return func(s *settings) error {
		if wrap == nil {
			return errors.New("flexapi: nil transport wrapper")
		}
		s.wrappers = append(s.wrappers, wrap)
		return nil
	}
}

// WithLogger makes the client report to log each retry (the operation, the
// attempt about to be made, the failed one's status or error, the wait) at
// Warn, and each token exchange (its status and duration) at Info, or Warn
// when it fails. No token, secret or key value is logged.
func WithLogger(log *slog.Logger) Option {
	return func(s *settings) error {
		if log == nil {
			return errors.New("flexapi: nil *slog.Logger")
		}
		s.logger = log
		return nil
	}
}
