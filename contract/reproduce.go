package contract

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// The shell variables a reproduction names instead of a credential: a
// person sets them; the command carries no value.
const (
	ShellToken     = "$" + EnvToken
	shellAppKey    = "$" + EnvAppKey
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

// curl is a curl command that sends ex's request again: method, URL,
// headers that matter and the body sent. The run's token is
// $FLEXFACTOR_TOKEN, the run's app key and any AppSecret their variables;
// no credential's value is in it. token and appKey are the run's.
func curl(ex *Exchange, token, appKey string) string {
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
			marks["\x00app-key\x00"] = shellAppKey
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

// tokenCommand is a reproduction's first line: the token call to base with
// the app's credentials by their variables, whose accessToken the commands
// after it send as $FLEXFACTOR_TOKEN. sed, not jq: it is on every machine.
func tokenCommand(w *WireClient) string {
	req, err := oapi.NewCreateTokenRequestWithBody(w.server(), "application/json", nil)
	if err != nil {
		return ""
	}
	ex := &Exchange{Request: w.prepare(context.Background(), req, noAuth()), RequestBody: tokenRequestBody(shellAppKey)}
	call := strings.Replace(curl(ex, "", shellAppKey), "curl -sS -i ", "curl -sS ", 1)
	return "export " + EnvToken + `="$(` + call + ` | sed -n 's/.*"accessToken" *: *"\([^"]*\)".*/\1/p')"`
}

// entryLifecycle marks a failed check that judged what the lifecycle made:
// its focus line turns the lifecycle on, and says so.
const entryLifecycle = "needs the lifecycle"

// focusCommand is the command that runs the one check s of the suite
// named suite alone, against the target the FLEXFACTOR_* variables name,
// as make contract runs it. Ginkgo matches --focus against the suite's
// description and the spec's full text, joined by a space: the anchored
// pattern matches that check and no other. The setup runs all the same:
// the line turns the lifecycle on only for a check that needs it, and
// then says that it creates and revokes two keys.
func focusCommand(suite string, s types.SpecReport) string {
	lifecycle, says := "0", "creates no key"
	if slices.Contains(s.Labels(), "lifecycle") || slices.Contains(s.Labels(), "negative") ||
		slices.ContainsFunc(s.ReportEntries, func(e types.ReportEntry) bool { return e.Name == entryLifecycle }) {
		lifecycle, says = "1", "creates two keys in $"+EnvMID+" and revokes them"
	}
	return EnvLifecycle + "=" + lifecycle + " go run github.com/onsi/ginkgo/v2/ginkgo --focus " + shellQuote(focusPattern(suite, s)) +
		" ./contract -- -" + FlagReadEnv + "  # " + says
}

// focusPattern is the --focus pattern of FocusCommand.
func focusPattern(suite string, s types.SpecReport) string {
	return "^" + regexp.QuoteMeta(suite+" "+s.FullText()) + "$"
}

// reproductions lists a reproduction per failed check of the report, in
// the order of Checks, each starting with token, the token call; a check
// that failed in the suite's setup has no focus command (the setup runs
// with every check).
func reproductions(r types.Report, token string) []report.Reproduction {
	var out []report.Reproduction
	for _, s := range r.SpecReports {
		if !s.State.Is(types.SpecStateFailureStates) {
			continue
		}
		rep := report.Reproduction{Check: report.CheckName(s)}
		if token != "" {
			rep.Curls = append(rep.Curls, token)
		}
		if s.LeafNodeType == types.NodeTypeIt {
			rep.Focus = focusCommand(r.SuiteDescription, s)
		}
		for _, e := range s.ReportEntries {
			if e.Name == report.EntryReproduce {
				rep.Curls = append(rep.Curls, e.StringRepresentation())
			}
		}
		out = append(out, rep)
	}
	return out
}

// reproduceEntries are the values of a failed check's EntryReproduce
// report entries: CurlsOf the exchanges it judged, each through red. Curl
// names the run's credentials by their variables, but a request may carry
// any other value the run learnt (a key's value in a URL or a body), and a
// Ginkgo report (--json-report) records an entry as it is given, through
// no writer of the suite.
func reproduceEntries(exs []*Exchange, token, appKey string, red *Redactor) []string {
	curls := curlsOf(exs, token, appKey)
	for i, c := range curls {
		curls[i] = red.Redact(c)
	}
	return curls
}

// curlsOf are the curl commands of the exchanges a check judged, each
// command once: two listings of one merchant are one command to run.
func curlsOf(exs []*Exchange, token, appKey string) []string {
	var out []string
	for _, ex := range exs {
		if ex == nil {
			continue
		}
		if c := curl(ex, token, appKey); c != "" && !strings.Contains(c, "\n") && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}
