package flexapitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// DefaultTokenTTL is how long a token lives unless WithTokenTTL says
// otherwise: FlexFactor documents 10 minutes.
const DefaultTokenTTL = 10 * time.Minute

// Option configures a Server. Options validate their arguments: a bad one
// makes Start fail (and NewServer panic, as httptest.NewServer does when it
// cannot listen).
type Option func(*config) error

type config struct {
	addr      string
	appKey    string
	appSecret string
	ttl       time.Duration
	now       func() time.Time
	data      map[string][]json.RawMessage
	// validateAnswers checks every faithful answer against the spec.
	validateAnswers bool
	// doc replaces the embedded spec, for tests of a spec change.
	doc       *openapi3.T
	onRequest func(Request)
	errorLog  *log.Logger
	logSize   int
	maxTokens int
	// publicListedAs is the type the listing gives a created public key.
	publicListedAs string
	// maxKeys and maxMerchants bound the keys the create call may add.
	maxKeys, maxMerchants int
	// broken are the deliberate lifecycle breaks of a self-test.
	broken keyBreaks
	// prefer are WithPrefer's preferences, name -> value.
	prefer map[string]string
}

// WithAddr sets the listen address; the default is "127.0.0.1:0", a free
// loopback port.
func WithAddr(addr string) Option {
	return func(c *config) error {
		if addr == "" {
			return errors.New("flexapitest: WithAddr: empty address")
		}
		c.addr = addr
		return nil
	}
}

// WithAppCredentials sets the AppKey and AppSecret the token call accepts.
// By default the server makes up a fresh pair; read them from Server.AppKey
// and Server.AppSecret.
func WithAppCredentials(appKey, appSecret string) Option {
	return func(c *config) error {
		if appKey == "" || appSecret == "" {
			return errors.New("flexapitest: WithAppCredentials: AppKey and AppSecret must not be empty")
		}
		c.appKey, c.appSecret = appKey, appSecret
		return nil
	}
}

// WithTokenTTL sets how long an issued token is valid (DefaultTokenTTL
// unless set).
func WithTokenTTL(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("flexapitest: WithTokenTTL: %v is not a positive duration", d)
		}
		c.ttl = d
		return nil
	}
}

// WithClock sets the clock the server reads to stamp tokens, check their
// expiry and time the request log. Pass a FakeClock's Now to test expiry
// without waiting.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("flexapitest: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithData replaces all the server's data: each merchant id maps to its keys,
// in the order they are listed. Merchants it does not name have no keys, so
// WithData(nil) leaves every merchant empty. Keys are not checked against the
// spec: tests may seed odd data on purpose (LoadData checks its files).
func WithData(d Data) Option {
	return func(c *config) error {
		c.data = d.clone()
		return nil
	}
}

// withKeys sets the keys of one merchant, replacing those it had, and keeps
// the other merchants' keys. Each key is any JSON-encodable value, usually a
// map[string]any or a json.RawMessage; it is not checked against the spec, so
// tests may seed odd data on purpose. withKeys(mid) leaves the merchant with
// no keys.
func withKeys(mid string, keys ...any) Option {
	return func(c *config) error {
		raw, err := encodeKeys(keys)
		if err != nil {
			return fmt.Errorf("flexapitest: withKeys(%q): %w", mid, err)
		}
		if c.data == nil {
			c.data = map[string][]json.RawMessage{}
		}
		c.data[mid] = raw
		return nil
	}
}

// WithResponseValidation makes the server check each faithful answer, before
// any fault changes it, against openapi.yaml: its status, Content-Type and
// body. An answer that does not match is replaced by a 500 with the errors
// body saying what is wrong (a JSON path and a reason, never a value), and
// the error log says so too. Faults are applied after the check, so that
// they still send the broken answers they are asked for. Data seeded with
// WithData or SetKeys is checked too: seed odd data without this option.
// cmd/flexfactor-mock turns it on.
func WithResponseValidation() Option {
	return func(c *config) error {
		c.validateAnswers = true
		return nil
	}
}

// withErrorLog sets where the server's own errors go, such as a handler's
// panic; the default is os.Stderr. Complaints about clients that hang up or
// never speak HTTP are dropped whatever the destination.
func withErrorLog(l *log.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("flexapitest: withErrorLog: nil logger")
		}
		c.errorLog = l
		return nil
	}
}

// WithRequestHook calls f after each request with its (redacted) log entry,
// status included. f runs on the request's goroutine and must be safe for
// concurrent use. The entry's Header is the log's own: f must not change it.
func WithRequestHook(f func(Request)) Option {
	return func(c *config) error {
		if f == nil {
			return errors.New("flexapitest: WithRequestHook: nil func")
		}
		c.onRequest = f
		return nil
	}
}

// WithRequestLog sets how many requests the request log keeps: the last n,
// older ones dropped (10,000 unless set). With 0 the log
// keeps none and a request costs no copy of its headers; RequestCount still
// counts every request.
func WithRequestLog(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("flexapitest: WithRequestLog: %d is negative", n)
		}
		c.logSize = n
		return nil
	}
}

// WithPublicTypeListedAs sets how the listing names the type of a key
// created as "public": "public" (the default, as the list page's field table
// says) or "publishable" (as the page's JSON example shows), so that tests
// can exercise both answers of that discrepancy.
func WithPublicTypeListedAs(typ string) Option {
	return func(c *config) error {
		if typ != "public" && typ != "publishable" {
			return fmt.Errorf("flexapitest: WithPublicTypeListedAs(%q): want \"public\" or \"publishable\"", typ)
		}
		c.publicListedAs = typ
		return nil
	}
}

// withMaxTokens sets how many live tokens the server holds
// (defaultMaxTokens unless set). Issuing one more drops the oldest, whose
// next call answers 401.
func withMaxTokens(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("flexapitest: withMaxTokens: %d is not positive", n)
		}
		c.maxTokens = n
		return nil
	}
}

// WithKeyLimits bounds what the create call may add: at most perMerchant
// keys for one merchant and keys for at most merchants merchants (seeded
// ones included). A create beyond either answers 409 with the create page's
// failure body. The defaults are DefaultMaxKeysPerMerchant and
// DefaultMaxMerchants, so that memory stays bounded under any load.
func WithKeyLimits(perMerchant, merchants int) Option {
	return func(c *config) error {
		if perMerchant <= 0 || merchants <= 0 {
			return fmt.Errorf("flexapitest: WithKeyLimits(%d, %d): limits must be positive", perMerchant, merchants)
		}
		c.maxKeys, c.maxMerchants = perMerchant, merchants
		return nil
	}
}
