package contract

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// A targetError is a broken target: the run could not get a token or the
// shared listing, so no check of the contract can say anything. It is the
// run's one cause, said once: the verdict is BROKEN TARGET: <Cause>, and
// every spec that needs the target is marked not run because of it.
type targetError struct {
	// Cause is one sentence, such as "target unreachable: 127.0.0.1:1
	// refused the connection" or "token rejected: the listing answered 401".
	Cause string
	// Hint says what to look at, or "".
	Hint string
	// State is why the target could not be checked at all
	// (report.TargetDown, ...), "" when it answered against the contract.
	State string
}

func (e *targetError) Error() string {
	if e.Hint == "" {
		return e.Cause
	}
	return e.Cause + " (" + e.Hint + ")"
}

// step names a request of the run's preflight, for causes.
type step struct {
	name string // "the token call", "the listing"
	// credentials names the variables whose values the request used.
	credentials string
}

// transportCause turns an error from the wire client into a cause that
// says, in words, what happened: unreachable, timed out, TLS, or the
// error's own message; never a dump of the error's fields.
func transportCause(s step, host string, timeout time.Duration, err error) *targetError {
	var (
		dnsErr  *net.DNSError
		opErr   *net.OpError
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		hostErr x509.HostnameError
		recErr  tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, errBudgetExceeded):
		return &targetError{Cause: s.name + " was not sent: the run's request budget is used up", Hint: "raise " + EnvMaxRequests}
	case errors.Is(err, errBodyTooLarge):
		return &targetError{Cause: fmt.Sprintf("%s answered a body larger than %d bytes", s.name, maxBody),
			Hint: fmt.Sprintf("the suite reads at most %d bytes of a response; is %s FlexFactor's API?", maxBody, EnvBaseURL)}
	case errors.As(err, &dnsErr):
		return &targetError{Cause: fmt.Sprintf("target unreachable: the host %s was not found", host), Hint: "check " + EnvBaseURL, State: report.TargetUnreachable}
	case isTimeout(err):
		return &targetError{Cause: fmt.Sprintf("%s timed out after %s", s.name, timeout), Hint: "the target at " + host + " is too slow or stalled; " + EnvRequestTimeout + " sets the limit", State: report.TargetUnreachable}
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostErr), errors.As(err, &recErr):
		return &targetError{Cause: fmt.Sprintf("TLS with %s failed: %s", host, rootMessage(err)), Hint: "check that " + EnvBaseURL + " names an https server with a valid certificate", State: report.TargetUnreachable}
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return &targetError{Cause: fmt.Sprintf("target unreachable: %s: %s", host, rootMessage(err)), Hint: "is the server running, and is " + EnvBaseURL + " right?", State: report.TargetUnreachable}
	}
	return &targetError{Cause: fmt.Sprintf("%s failed: %s", s.name, rootMessage(err))}
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// rootMessage is the innermost error's message: "connection refused"
// rather than "contract: GET listApiKeys: dial tcp 127.0.0.1:1: connect:
// connection refused".
func rootMessage(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	return err.Error()
}

// responseCause says why a response makes the target unusable for the
// rest of the run, or returns nil when it does not: any status but 200,
// and a 200 whose body is not JSON.
func responseCause(s step, ex *Exchange, base string) *targetError {
	what := s.name + " answered " + ex.answer()
	switch {
	case ex.Status == 401 || ex.Status == 403:
		return &targetError{Cause: "token rejected: " + what, Hint: "check " + s.credentials + ": wrong, expired, or for another environment?", State: report.TargetTokenRefused}
	case ex.Status == 404:
		if hint := v1Hint(base); hint != "" {
			return &targetError{Cause: "not found: " + what, Hint: hint}
		}
		if s.name == listingStep.name {
			return &targetError{Cause: "not found: " + what, Hint: "check " + EnvMID + ": this target may hold no such merchant"}
		}
		return &targetError{Cause: "not found: " + what, Hint: "check " + EnvBaseURL}
	case ex.Status >= 500:
		return &targetError{Cause: "the target is failing: " + what, Hint: "a server or gateway error; try again later", State: report.TargetDown}
	case ex.Status == 429:
		// Documented for every call: the target is not broken, only not
		// serving this run, which a night counts as down.
		return &targetError{Cause: "rate-limited: " + what, Hint: "the target limits requests; try again later", State: report.TargetDown}
	case ex.Status != 200:
		return &targetError{Cause: what + ", not 200"}
	}
	if f, ok := checkJSON(ex.Body); !ok {
		return &targetError{Cause: what + ", but " + strings.TrimPrefix(f.Reason, "the body is "), Hint: "the body is not JSON; is " + EnvBaseURL + " FlexFactor's API?"}
	}
	return nil
}

// v1Hint notices a base URL that does not end in /v1, where FlexFactor's
// API lives.
func v1Hint(base string) string {
	u, err := url.Parse(base)
	if err != nil || strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "/v1") {
		return ""
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1"
	return fmt.Sprintf("%s does not end in /v1, where FlexFactor's API lives: did you mean %s?", EnvBaseURL, displayURL(u.String()))
}

var (
	tokenStep   = step{name: "the token call", credentials: EnvAppKey + " and " + EnvAppSecret}
	listingStep = step{name: "the listing", credentials: EnvToken}
)
