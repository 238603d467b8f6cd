package contract

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// The environment variables that choose and configure the target.
const (
	EnvBaseURL         = "FLEXFACTOR_BASE_URL"
	EnvEnvironment     = "FLEXFACTOR_ENV"
	EnvToken           = "FLEXFACTOR_TOKEN"
	EnvAppKey          = "FLEXFACTOR_APP_KEY"
	EnvAppSecret       = "FLEXFACTOR_APP_SECRET"
	EnvMID             = "FLEXFACTOR_MID"
	EnvEmptyMID        = "FLEXFACTOR_EMPTY_MID"
	EnvAllowProduction = "FLEXFACTOR_ALLOW_PRODUCTION"
	EnvStrictDocs      = "FLEXFACTOR_STRICT_DOCS"
	EnvMaxRequests     = "FLEXFACTOR_MAX_REQUESTS"
	EnvRequestTimeout  = "FLEXFACTOR_REQUEST_TIMEOUT"
	EnvReportDir       = "FLEXFACTOR_REPORT_DIR"
	// EnvPreviousObservations names the previous night's observations.json:
	// the report then says what changed since.
	EnvPreviousObservations = "FLEXFACTOR_PREVIOUS_OBSERVATIONS"
	// EnvRunURL links to this run, such as the nightly's workflow run:
	// the history names each night by it.
	EnvRunURL    = "FLEXFACTOR_RUN_URL"
	EnvLifecycle = "FLEXFACTOR_LIFECYCLE"
	EnvSweep     = "FLEXFACTOR_SWEEP"
)

// Defaults of a run.
const (
	defaultMaxRequests    = 20
	defaultRequestTimeout = 15 * time.Second
	// maxRequestTimeout is the longest FLEXFACTOR_REQUEST_TIMEOUT accepted.
	maxRequestTimeout = 5 * time.Minute
)

// targetMode says whether a run talks to the embedded double or a live server.
type targetMode int

const (
	// modeDouble is the in-process flexapitest double, the default.
	modeDouble targetMode = iota
	// modeLive is any server reached over the network, loopback included.
	modeLive
)

func (m targetMode) String() string {
	if m == modeLive {
		return report.TargetLive
	}
	return report.TargetDouble
}

// config is a run's target, read from the environment by ConfigFromEnv.
type config struct {
	Mode targetMode
	// Environment is "sandbox", "production" or "" for a base URL given
	// as is (and for the double).
	Environment string
	// BaseURL is the base with /v1; empty for the double until it starts.
	BaseURL string
	// Token is a static bearer token; AppKey and AppSecret, when both set,
	// are exchanged for one instead.
	Token             string
	AppKey, AppSecret string
	MID, EmptyMID     string
	// Strict holds the server to the page's every word: only the field
	// table's type values, no undocumented fields.
	Strict         bool
	MaxRequests    int
	RequestTimeout time.Duration
	// Lifecycle makes the run create a public and a secret key, prove the
	// listing's promises on them and revoke them: on by default against
	// the double, against a live target only with FLEXFACTOR_LIFECYCLE=1,
	// never against production.
	Lifecycle bool
	// Sweep revokes the leftovers of earlier runs that the listing names
	// with an id (FLEXFACTOR_SWEEP=1, with the lifecycle).
	Sweep bool
	// Notes are remarks on the configuration worth printing.
	Notes []string
	// PreviousObservations is the path of the previous run's
	// observations.json, or "".
	PreviousObservations string
	// RunURL links to this run; "" when not given.
	RunURL string
}

// UsesAppCredentials reports whether the run exchanges AppKey and
// AppSecret for its token.
func (c config) UsesAppCredentials() bool { return c.AppKey != "" && c.AppSecret != "" }

// Secrets are the values of the configuration that must never appear in
// output: the token, the AppSecret, the AppKey (String shows only its
// first characters), and the userinfo and query values of the base URL.
func (c config) Secrets() []string {
	var s []string
	for _, v := range []string{c.Token, c.AppSecret, c.AppKey} {
		if v != "" {
			s = append(s, v)
		}
	}
	return append(s, urlSecrets(c.BaseURL)...)
}

// displayURL is a URL as it may be printed: without userinfo, query or
// fragment, which may carry secrets.
func displayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable URL)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// Host is the target's host, or "in-process double" before it starts.
func (c config) Host() string {
	if u, err := url.Parse(c.BaseURL); err == nil && u.Host != "" {
		return u.Host // Host never holds the userinfo
	}
	return "in-process double"
}

// String describes the target with every secret redacted, as printed at
// the start of a run and in the report.
func (c config) String() string {
	var b strings.Builder
	switch {
	case c.Mode == modeDouble:
		b.WriteString("in-process flexapitest double (no FLEXFACTOR_BASE_URL or FLEXFACTOR_ENV set)")
		if c.BaseURL != "" {
			b.WriteString(" at " + displayURL(c.BaseURL))
		}
	case c.Environment != "":
		fmt.Fprintf(&b, "live %s, %s", c.Environment, displayURL(c.BaseURL))
	default:
		b.WriteString("live " + displayURL(c.BaseURL))
	}
	switch {
	case c.UsesAppCredentials():
		fmt.Fprintf(&b, "; credentials: app key %s, app secret [redacted]", redactKeep(c.AppKey))
	case c.Token != "":
		b.WriteString("; credentials: bearer token [redacted]")
	}
	if c.MID != "" {
		b.WriteString("; mid " + c.MID)
	}
	if c.EmptyMID != "" {
		b.WriteString("; empty mid " + c.EmptyMID)
	}
	if c.Strict {
		b.WriteString("; strict docs")
	}
	if c.Lifecycle {
		b.WriteString("; lifecycle on (creates and revokes two keys, and sends the negative probes)")
	}
	if c.Sweep {
		b.WriteString("; sweep on")
	}
	fmt.Fprintf(&b, "; at most %d requests, %s timeout each", c.MaxRequests, c.RequestTimeout)
	return b.String()
}

// redactKeep shows an app key's first four characters: the key is a
// public client id, and the prefix tells which app a run used.
func redactKeep(s string) string {
	if len(s) <= 8 {
		return "[redacted]"
	}
	return s[:4] + "…[redacted]"
}

// A configError names what is wrong with the environment. A live target
// missing its credentials or mid is one: the run fails at once, never
// skips.
type configError struct {
	Missing []string
	Problem string
}

func (e *configError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing "+strings.Join(e.Missing, ", "))
	}
	if e.Problem != "" {
		parts = append(parts, e.Problem)
	}
	return "contract: the target is misconfigured: " + strings.Join(parts, "; ")
}

// FlagReadEnv is the suite's command-line opt-in to the FLEXFACTOR_*
// environment (`make contract` passes it). Without it the suite reads no
// FLEXFACTOR_* variable and tests the embedded double, so that `go test
// ./...` run in a shell with sandbox credentials exported never sends a
// request anywhere. A flag rather than a variable: no environment can turn
// it on behind a unit-test run's back.
const FlagReadEnv = "contract.env"

// noEnv is the lookup of a run without FlagReadEnv: it finds nothing.
func noEnv(string) (string, bool) { return "", false }

// configFromEnv reads the target from the environment through lookup
// (os.LookupEnv in a run). With neither FLEXFACTOR_BASE_URL nor
// FLEXFACTOR_ENV set the target is the embedded double; otherwise it is a
// live server and needs a mid and credentials.
func configFromEnv(lookup func(string) (string, bool)) (config, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	cfg := config{
		Token:     get(EnvToken),
		AppKey:    get(EnvAppKey),
		AppSecret: get(EnvAppSecret),
		MID:       get(EnvMID),
		EmptyMID:  get(EnvEmptyMID),

		PreviousObservations: get(EnvPreviousObservations),
		RunURL:               get(EnvRunURL),
	}
	cerr := &configError{}
	var problems []string

	strict, err := parseBool(EnvStrictDocs, get(EnvStrictDocs))
	if err != nil {
		problems = append(problems, err.Error())
	}
	cfg.Strict = strict
	lifecycle, err := parseBool(EnvLifecycle, get(EnvLifecycle))
	if err != nil {
		problems = append(problems, err.Error())
	}
	sweep, err := parseBool(EnvSweep, get(EnvSweep))
	if err != nil {
		problems = append(problems, err.Error())
	}
	cfg.MaxRequests = defaultMaxRequests
	if v := get(EnvMaxRequests); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			problems = append(problems, fmt.Sprintf("%s=%s must be a whole number from 1 to 1000", EnvMaxRequests, quoteValue(v)))
		} else {
			cfg.MaxRequests = n
		}
	}
	cfg.RequestTimeout = defaultRequestTimeout
	if v := get(EnvRequestTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > maxRequestTimeout {
			problems = append(problems, fmt.Sprintf(`%s=%s must be a duration such as "15s", at most 5m`, EnvRequestTimeout, quoteValue(v)))
		} else {
			cfg.RequestTimeout = d
		}
	}

	base, env := get(EnvBaseURL), strings.ToLower(get(EnvEnvironment))
	allowProduction, err := parseBool(EnvAllowProduction, get(EnvAllowProduction))
	if err != nil {
		problems = append(problems, err.Error())
	}
	switch {
	case base == "" && env == "":
		cfg.Mode = modeDouble
		// Credentials without a target would silently test the double.
		var stray []string
		for _, name := range []string{EnvToken, EnvAppKey, EnvAppSecret, EnvMID, EnvEmptyMID} {
			if get(name) != "" {
				stray = append(stray, name)
			}
		}
		if len(stray) > 0 {
			problems = append(problems, strings.Join(stray, ", ")+" set without a live target: set "+EnvBaseURL+" or "+EnvEnvironment+" too, or unset them to test the embedded double")
		}
		cfg.Token, cfg.AppKey, cfg.AppSecret, cfg.MID, cfg.EmptyMID = "", "", "", "", ""
	case base != "" && env != "":
		problems = append(problems, "set one of "+EnvBaseURL+" and "+EnvEnvironment+", not both")
	case env != "":
		cfg.Mode = modeLive
		cfg.Environment = env
		switch env {
		case "sandbox":
			cfg.BaseURL = oapi.ServerURLSandbox
		case "production":
			cfg.BaseURL = oapi.ServerURLProduction
		default:
			problems = append(problems, fmt.Sprintf(`%s=%s must be "sandbox" or "production"`, EnvEnvironment, quoteValue(env)))
		}
	default:
		cfg.Mode = modeLive
		if err := checkBaseURL(base); err != nil {
			problems = append(problems, err.Error())
		}
		cfg.BaseURL = strings.TrimSuffix(base, "/")
	}
	if cfg.Mode == modeLive && isProduction(cfg.BaseURL) && !allowProduction {
		problems = append(problems, "the target is FlexFactor's production: set "+EnvAllowProduction+"=1 to allow it")
	}

	// The lifecycle is on by default against the double (FLEXFACTOR_LIFECYCLE=0
	// turns it off there) and off against a live target unless asked for.
	cfg.Lifecycle = lifecycle || (cfg.Mode == modeDouble && get(EnvLifecycle) == "")
	cfg.Sweep = sweep
	switch {
	case cfg.Mode == modeLive && (cfg.Lifecycle || cfg.Sweep) && isProduction(cfg.BaseURL):
		problems = append(problems, "the target is FlexFactor's production: "+EnvLifecycle+" and "+EnvSweep+
			" create and revoke keys and are refused there, whatever "+EnvAllowProduction+" says")
	case cfg.Sweep && !cfg.Lifecycle:
		problems = append(problems, EnvSweep+"=1 needs "+EnvLifecycle+"=1")
	}
	if cfg.Lifecycle && get(EnvMaxRequests) == "" {
		cfg.MaxRequests += lifecycleRequests + negativeRequests
	}

	if cfg.Mode == modeLive {
		if cfg.MID == "" {
			cerr.Missing = append(cerr.Missing, EnvMID)
		}
		switch {
		case cfg.AppKey != "" && cfg.AppSecret == "":
			cerr.Missing = append(cerr.Missing, EnvAppSecret+" (set with "+EnvAppKey+")")
		case cfg.AppSecret != "" && cfg.AppKey == "":
			cerr.Missing = append(cerr.Missing, EnvAppKey+" (set with "+EnvAppSecret+")")
		case cfg.AppKey == "" && cfg.Token == "":
			cerr.Missing = append(cerr.Missing, EnvToken+" (or "+EnvAppKey+" and "+EnvAppSecret+")")
		}
		if cfg.UsesAppCredentials() && cfg.Token != "" {
			cfg.Notes = append(cfg.Notes, EnvToken+" is ignored: "+EnvAppKey+" and "+EnvAppSecret+" are exchanged for a token instead")
			cfg.Token = ""
		}
		if cfg.EmptyMID != "" && cfg.EmptyMID == cfg.MID {
			problems = append(problems, EnvEmptyMID+" must name a merchant other than "+EnvMID)
		}
	}
	if len(cerr.Missing) > 0 || len(problems) > 0 {
		cerr.Problem = strings.Join(problems, "; ")
		return cfg, cerr
	}
	return cfg, nil
}

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "0", "false", "no":
		return false, nil
	case "1", "true", "yes":
		return true, nil
	}
	return false, fmt.Errorf("%s=%s must be 1 or 0", name, quoteValue(v))
}

// quoteValue shows a variable's value in a configuration error. Only
// variables that never hold a secret are shown this way: the token, the
// AppSecret and the AppKey are never quoted, and the base URL only as
// displayURL prints it.
func quoteValue(v string) string {
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	return strconv.Quote(v)
}

// checkBaseURL accepts https anywhere and http on loopback only: the
// bearer token must not cross a network in clear text.
func checkBaseURL(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s must be an absolute http(s) URL such as https://api-sandbox.flex-charge.com/v1", EnvBaseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// The rejected parts are not printed: they are where a secret hides.
		return fmt.Errorf("%s (%s) must carry no user:password@, ?query or #fragment: give credentials through %s or %s and %s",
			EnvBaseURL, displayURL(base), EnvToken, EnvAppKey, EnvAppSecret)
	}
	if !isASCII(u.Host) {
		// net/http maps such a host to ASCII (IDNA: 。 and ． are dots,
		// full-width letters and ligatures their plain forms) after
		// isProduction has looked at it: "api。flex-charge。com" would reach
		// production unrecognised.
		return fmt.Errorf("%s: the host must be written in ASCII (an international name in its xn-- form)", EnvBaseURL)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%s: plain http is allowed on loopback only", EnvBaseURL)
	}
	return fmt.Errorf("%s must use https (or http on loopback)", EnvBaseURL)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isProduction(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	prod, _ := url.Parse(oapi.ServerURLProduction)
	hosts := []string{prod.Hostname(), "api.flexfactor.io", "api.flexfactor.com"}
	// A fully qualified name's trailing dot names the same host; Hostname
	// has already dropped any port.
	host := strings.TrimRight(strings.ToLower(u.Hostname()), ".")
	return slices.Contains(hosts, host)
}
