package contract

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

// EntryReproduce is the report entry of a failed check that holds a curl
// command reproducing one request the check judged.
const EntryReproduce = "reproduce"

// The shell variables a reproduction names instead of a credential: a
// person sets them; the command carries no value.
const (
	ShellToken     = "$" + EnvToken
	ShellAppKey    = "$" + EnvAppKey
	ShellAppSecret = "$" + EnvAppSecret
)

// MadeUpToken is what a reproduction sends for a token the run made up
// to be refused: shorter than the 12 characters after "Bearer" that the
// redactor hides as a credential.
const MadeUpToken = "not-a-token"

// appSecretMark stands for the AppSecret in a token call's recorded body:
// the exchange never holds the secret, which a %v of it would print.
const appSecretMark = "\x00app-secret\x00"

// tokenRequestBody is what a token exchange keeps of its body: the app key
// as sent (Curl names it by its variable when it is the run's) and a mark
// for the secret.
func tokenRequestBody(appKey string) []byte {
	b, _ := json.Marshal(oapi.TokenRequest{AppKey: appKey, AppSecret: appSecretMark})
	return b
}

// Curl is a curl command that sends ex's request again: method, URL,
// headers that matter and the body sent. The run's token is
// $FLEXFACTOR_TOKEN, the run's app key and any AppSecret their variables;
// no credential's value is in it. token and appKey are the run's.
func Curl(ex *Exchange, token, appKey string) string {
	if ex == nil || ex.Request == nil || ex.Request.URL == nil {
		return ""
	}
	req := ex.Request
	args := []string{"curl", "-sS", "-i", "-X", req.Method, shellQuote(req.URL.String())}
	if v := req.Header.Get("Accept"); v != "" {
		args = append(args, "-H", shellQuote("Accept: "+v))
	}
	if auth := req.Header.Get("Authorization"); auth != "" {
		scheme, tok, _ := strings.Cut(auth, " ")
		if token != "" && tok == token {
			// Double quotes, so that the shell puts the token in.
			args = append(args, "-H", `"Authorization: `+scheme+` `+ShellToken+`"`)
		} else {
			// A token the run made up to be refused, never a credential:
			// any other made-up one is refused alike, and the redactor
			// would hide the one sent.
			args = append(args, "-H", shellQuote("Authorization: "+scheme+" "+MadeUpToken))
		}
	}
	if len(ex.RequestBody) > 0 {
		if v := req.Header.Get("Content-Type"); v != "" {
			args = append(args, "-H", shellQuote("Content-Type: "+v))
		}
		args = append(args, "-d", bodyWord(ex.RequestBody, appKey))
	}
	return strings.Join(args, " ")
}

// bodyWord is the body as one shell word: single-quoted, or double-quoted
// when it names a variable (the token call's app key and secret).
func bodyWord(body []byte, appKey string) string {
	s := string(body)
	marks := map[string]string{appSecretMark: ShellAppSecret}
	if appKey != "" {
		quoted, _ := json.Marshal(appKey)
		if q := string(quoted); strings.Contains(s, q) {
			s = strings.ReplaceAll(s, q, `"`+"\x00app-key\x00"+`"`)
			marks["\x00app-key\x00"] = ShellAppKey
		}
	}
	// encoding/json escapes the marks' NUL bytes.
	s = strings.ReplaceAll(s, `\u0000`, "\x00")
	if !strings.Contains(s, "\x00") {
		return shellQuote(s)
	}
	var b strings.Builder
	b.WriteByte('"')
	b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", "$", `\$`).Replace(s))
	b.WriteByte('"')
	out := b.String()
	for mark, variable := range marks {
		out = strings.ReplaceAll(out, mark, variable)
	}
	return out
}

// shellQuote is s as one single-quoted shell word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// FocusCommand is the command that runs the one check s of the suite
// named suite alone, against the target the FLEXFACTOR_* variables name,
// as make contract runs it. Ginkgo matches --focus against the suite's
// description and the spec's full text, joined by a space: the anchored
// pattern matches that check and no other.
func FocusCommand(suite string, s types.SpecReport) string {
	return "go run github.com/onsi/ginkgo/v2/ginkgo --focus " + shellQuote(FocusPattern(suite, s)) +
		" ./contract -- -" + FlagReadEnv
}

// FocusPattern is the --focus pattern of FocusCommand.
func FocusPattern(suite string, s types.SpecReport) string {
	return "^" + regexp.QuoteMeta(suite+" "+s.FullText()) + "$"
}

// A Reproduction is how a person sees a failed check fail again: the curl
// commands of the requests it judged, and the command that runs it alone.
type Reproduction struct {
	Check string
	Curls []string
	Focus string
}

// Reproductions lists a reproduction per failed check of the report, in
// the order of Checks; a check that failed in the suite's setup has no
// focus command (the setup runs with every check).
func Reproductions(r types.Report) []Reproduction {
	var out []Reproduction
	for _, s := range r.SpecReports {
		if !s.State.Is(types.SpecStateFailureStates) {
			continue
		}
		rep := Reproduction{Check: CheckName(s)}
		if s.LeafNodeType == types.NodeTypeIt {
			rep.Focus = FocusCommand(r.SuiteDescription, s)
		}
		for _, e := range s.ReportEntries {
			if e.Name == EntryReproduce {
				rep.Curls = append(rep.Curls, e.StringRepresentation())
			}
		}
		out = append(out, rep)
	}
	return out
}

// ReproduceHeading is the report's section of reproductions, which
// nightlyalert copies into the alert issue.
const ReproduceHeading = "## Reproduce the failures"

// writeReproductions renders the reproductions of the failed checks, or
// nothing when none failed.
func writeReproductions(p func(string, ...any), reps []Reproduction) {
	if len(reps) == 0 {
		return
	}
	p("\n%s\n\n", ReproduceHeading)
	p("Set `%s` to a bearer token for the target (with app credentials: the `accessToken` of the token call, whose reproduction uses `%s` and `%s`), and the `FLEXFACTOR_*` variables of the run for the `ginkgo` line.\n", EnvToken, EnvAppKey, EnvAppSecret)
	for _, rep := range reps {
		p("\n**%s**\n\n```sh\n", oneLine(rep.Check))
		for _, c := range rep.Curls {
			p("%s\n", oneLine(c))
		}
		if rep.Focus != "" {
			p("%s\n", rep.Focus)
		}
		if len(rep.Curls) == 0 && rep.Focus == "" {
			p("# the suite's setup failed: make contract runs it again\n")
		}
		p("```\n")
	}
}

// dedupe keeps the first of each exchange.
func dedupe(exs []*Exchange) []*Exchange {
	var out []*Exchange
	for _, ex := range exs {
		if ex != nil && !containsExchange(out, ex) {
			out = append(out, ex)
		}
	}
	return out
}

func containsExchange(exs []*Exchange, ex *Exchange) bool {
	for _, e := range exs {
		if e == ex {
			return true
		}
	}
	return false
}

// ReproduceEntries are the values of a failed check's EntryReproduce
// report entries: CurlsOf the exchanges it judged, each through red. Curl
// names the run's credentials by their variables, but a request may carry
// any other value the run learnt (a key's value in a URL or a body), and a
// Ginkgo report (--json-report) records an entry as it is given, through
// no writer of the suite.
func ReproduceEntries(exs []*Exchange, token, appKey string, red *Redactor) []string {
	curls := CurlsOf(exs, token, appKey)
	for i, c := range curls {
		curls[i] = red.Redact(c)
	}
	return curls
}

// CurlsOf are the curl commands of the exchanges a check judged, each once.
func CurlsOf(exs []*Exchange, token, appKey string) []string {
	var out []string
	for _, ex := range dedupe(exs) {
		if c := Curl(ex, token, appKey); c != "" && !bytes.Contains([]byte(c), []byte("\n")) {
			out = append(out, c)
		}
	}
	return out
}
