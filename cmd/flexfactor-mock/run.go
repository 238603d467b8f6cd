package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// The default credentials: fixed, so that a README's curl session works as
// written. This double guards nothing; never reuse them elsewhere.
const (
	defaultAppKey    = "mock-app-key"
	defaultAppSecret = "mock-app-secret"
)

// version is the double's release, set by the release build's ldflags
// (.goreleaser.yaml); without it, the module version go install records.
var version string

// preferIntro heads the table of preferences in -h; docs/double.md has
// both, word for word (TestTheDocsHoldTheHelpOnFaults).
const preferIntro = "Faults on demand: a request's Prefer header (Prefer: code=429, or code=500, delay=2s)\n" +
	"asks the double for them, as it asks Prism; -prefer asks for every request.\n"

// run is the whole program but for signals: it serves until ctx is done and
// returns the exit code (0 on a clean stop, 1 on an error, 2 on bad flags).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flexfactor-mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen `address`")
	appKey := fs.String("app-key", defaultAppKey, "the AppKey the token call accepts")
	appSecret := fs.String("app-secret", defaultAppSecret, "the AppSecret the token call accepts")
	dataFile := fs.String("data", "", "JSON or YAML `file` mapping merchant ids to their keys (default: mid_123456 with the documentation's two keys)")
	ttl := fs.Duration("token-ttl", flexapitest.DefaultTokenTTL, "token lifetime")
	quiet := fs.Bool("quiet", false, "do not log requests")
	publicType := fs.String("public-type", "public", "how the listing names the type of a key created as public: `public` (the field table) or publishable (the page's example)")
	maxKeys := fs.Int("max-keys-per-merchant", flexapitest.DefaultMaxKeysPerMerchant, "how many keys one merchant may hold; a create beyond it answers 409")
	breakName := fs.String("break", "", "break the double on purpose, for self-tests of workflows run against it: "+breakNames("(%s)"))
	maxMerchants := fs.Int("max-merchants", flexapitest.DefaultMaxMerchants, "how many merchants may hold keys; a create beyond it answers 409")
	prefer := fs.String("prefer", "", "answer every request as if it carried this `Prefer` header (code=503, delay=2s, unknown-type: see below); a request's own Prefer comes first")
	showVersion := fs.Bool("version", false, "print the double's version and the spec version it implements, and exit")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: flexfactor-mock [flags]\n\nA local FlexFactor API-keys double: POST /v1/oauth2/token, GET /v1/api-keys/{mid},\nPOST /v1/api-keys, DELETE /v1/api-keys/{id}.\n\nFlags:")
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\n%s\n%s", preferIntro, flexapitest.Preferences())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "flexfactor-mock: unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return 2
	}

	if *showVersion {
		fmt.Fprintf(stdout, "flexfactor-mock %s (spec %s)\n", doubleVersion(), flexapitest.SpecVersion())
		return 0
	}

	opts := []flexapitest.Option{
		flexapitest.WithAddr(*addr),
		flexapitest.WithAppCredentials(*appKey, *appSecret),
		flexapitest.WithTokenTTL(*ttl),
		// Every answer is checked against the spec before it goes out (the
		// requests always are): other teams test against this program.
		flexapitest.WithResponseValidation(),
		// Nothing in the program reads the request log, and under load
		// each entry is a copy of a request's headers: keep none. The
		// lines on stderr are the program's record.
		flexapitest.WithRequestLog(0),
		flexapitest.WithPublicTypeListedAs(*publicType),
		flexapitest.WithKeyLimits(*maxKeys, *maxMerchants),
	}
	if *prefer != "" {
		opts = append(opts, flexapitest.WithPrefer(*prefer))
	}
	var faults []flexapitest.Fault
	if *breakName != "" {
		i := slices.IndexFunc(breaks, func(b brk) bool { return b.name == *breakName })
		if i < 0 {
			fmt.Fprintf(stderr, "flexfactor-mock: -break %q: want %s\n", *breakName, breakNames(""))
			return 2
		}
		if b := breaks[i]; b.opt != nil {
			opts = append(opts, b.opt)
		} else {
			faults = append(faults, b.fault)
		}
	}
	dataDesc := "built in"
	if *dataFile != "" {
		data, err := flexapitest.LoadData(*dataFile)
		if err != nil {
			fmt.Fprintf(stderr, "flexfactor-mock: %v\n", err)
			return 1
		}
		opts = append(opts, flexapitest.WithData(data))
		dataDesc = *dataFile
	}
	if !*quiet {
		opts = append(opts, flexapitest.WithRequestHook(func(r flexapitest.Request) {
			line := r.Method + " " + r.Path
			if r.Query != "" {
				line += "?" + r.Query
			}
			fmt.Fprintf(stderr, "%s %s -> %d\n", r.Time.Format(time.RFC3339), line, r.Status)
		}))
	}
	srv, err := flexapitest.Start(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "flexfactor-mock: %v\n", err)
		return 1
	}
	for _, f := range faults {
		srv.Inject(flexapitest.RouteList, f)
	}
	fmt.Fprintf(stdout, "flexfactor-mock: serving FlexFactor's API-keys double\n")
	fmt.Fprintf(stdout, "  base URL:   %s\n", srv.URL)
	fmt.Fprintf(stdout, "  AppKey:     %s\n", srv.AppKey)
	// The default is public (the docs print it); one of the caller's own,
	// a CI secret say, stays out of the logs this banner lands in.
	secret := srv.AppSecret
	if secret != defaultAppSecret {
		secret = "(-app-secret's, not printed)"
	}
	fmt.Fprintf(stdout, "  AppSecret:  %s\n", secret)
	fmt.Fprintf(stdout, "  token TTL:  %v\n", *ttl)
	fmt.Fprintf(stdout, "  data:       %s (%s)\n", dataDesc, describeData(srv))
	fmt.Fprintf(stdout, "  created:    public keys listed as %q; at most %s a merchant, %s\n", *publicType, count(*maxKeys, "key"), count(*maxMerchants, "merchant"))
	fmt.Fprintf(stdout, "  spec:       %s\n", flexapitest.SpecVersion())
	if *breakName != "" {
		fmt.Fprintf(stdout, "  BROKEN on purpose: -break %s\n", *breakName)
	}
	if *prefer != "" {
		fmt.Fprintf(stdout, "  every request: Prefer: %s\n", *prefer)
	}
	fmt.Fprintf(stdout, "Stop with Ctrl-C.\n")

	<-ctx.Done()
	srv.Close()
	fmt.Fprintf(stdout, "flexfactor-mock: stopped\n")
	return 0
}

// doubleVersion is the release the ldflags name, else the module version
// in the build info: v1.2.3 from go install ...@v1.2.3, (devel) from a clone.
func doubleVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// brk is one way -break breaks the double: an option, or else a fault of
// the list call.
type brk struct {
	name, what string
	opt        flexapitest.Option
	fault      flexapitest.Fault
}

// breaks are -break's values, each a lifecycle rule broken on purpose:
// -h lists them, docs/double.md's flag table and .ci/arazzo name each one
// (TestTheDocsHoldTheHelp).
var breaks = []brk{
	{name: "revoke-ignored", what: "revoke answers success, the key stays", opt: flexapitest.WithRevokeIgnored()},
	{name: "listed-twice", what: "every listed key twice", fault: flexapitest.ListedTwice()},
	{name: "last-four", what: "every last_four zzzz", fault: flexapitest.SetField("keys/*/last_four", "zzzz")},
	{name: "last-used", what: "every last_used set", fault: flexapitest.SetField("keys/*/last_used", "2026-01-01T00:00:00Z")},
	{name: "type", what: "every listed type tokenization", fault: flexapitest.SetField("keys/*/type", "tokenization")},
}

// breakNames lists the breaks' names, each followed by what it breaks
// when format (such as "(%s)") is given, the last after "or".
func breakNames(format string) string {
	var names []string
	for _, b := range breaks {
		n := b.name
		if format != "" {
			n += " " + fmt.Sprintf(format, b.what)
		}
		names = append(names, n)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// count is "1 key", "0 keys", "2 keys": the banner is read by people.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func describeData(srv *flexapitest.Server) string {
	d := srv.Data()
	if len(d) == 0 {
		return "no merchant has keys"
	}
	var parts []string
	for _, mid := range d.MIDs() {
		parts = append(parts, mid+": "+count(len(d[mid]), "key"))
	}
	return strings.Join(parts, ", ")
}
