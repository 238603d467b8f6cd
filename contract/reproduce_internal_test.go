package contract

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// TestCurlSendsTheRequestAgainWithoutAValue: the shell reads each curl
// command's body word back as the body sent, the run's token and app key
// and any AppSecret through their variables, never their values.
func TestCurlSendsTheRequestAgainWithoutAValue(t *testing.T) {
	const token, appKey, secret = "tok_SECRET123", "app_KEY123", "SECRETvalue456"
	exchange := func(method, op, auth string, body []byte) *Exchange {
		req, err := http.NewRequest(method, "http://127.0.0.1:9/v1/api-keys", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return &Exchange{Operation: op, Request: req, RequestBody: body}
	}
	env := []string{"FLEXFACTOR_TOKEN=" + token, "FLEXFACTOR_APP_KEY=" + appKey, "FLEXFACTOR_APP_SECRET=" + secret}
	for _, tc := range []struct {
		name string
		ex   *Exchange
		// body and auth are what the shell must hand curl.
		body, auth string
	}{
		{"a create", exchange(http.MethodPost, report.OpCreateAPIKey, "Bearer "+token, []byte(`{"mid":"m","name":"it's <x>","type":"public"}`)),
			`{"mid":"m","name":"it's <x>","type":"public"}`, "Authorization: Bearer " + token},
		{"the page's lower-case scheme", exchange(http.MethodGet, report.OpListAPIKeys, "bearer "+token, nil), "", "Authorization: bearer " + token},
		{"a made-up token", exchange(http.MethodGet, report.OpListAPIKeys, "Bearer invalid.00ff", nil), "", "Authorization: Bearer " + MadeUpToken},
		{"the run's token call", exchange(http.MethodPost, report.OpCreateToken, "", tokenRequestBody(appKey)),
			`{"AppKey":"` + appKey + `","AppSecret":"` + secret + `"}`, ""},
		{"an unknown app's token call", exchange(http.MethodPost, report.OpCreateToken, "", tokenRequestBody("app_$unknown`1")),
			`{"AppKey":"app_$unknown` + "`" + `1","AppSecret":"` + secret + `"}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := curl(tc.ex, token, appKey)
			for _, v := range []string{token, appKey, secret} {
				if strings.Contains(c, v) {
					t.Errorf("the command carries a value: %s", c)
				}
			}
			// The shell runs the command with printf for curl: each
			// argument on a line of its own.
			cmd := exec.Command("sh", "-c", "curl() { printf '%s\\n' \"$@\"; }; "+c)
			cmd.Env = env
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			args := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			if tc.body != "" && (len(args) < 2 || args[len(args)-2] != "-d" || args[len(args)-1] != tc.body) {
				t.Errorf("the shell hands curl %q, want the body %s", args, tc.body)
			}
			if tc.auth != "" && !strings.Contains(string(out), "\n"+tc.auth+"\n") {
				t.Errorf("the shell hands curl %q, want %q", args, tc.auth)
			}
			if args[0] != "-sS" || !strings.Contains(string(out), "\n-X\n"+tc.ex.Request.Method+"\nhttp://127.0.0.1:9/v1/api-keys\n") {
				t.Errorf("no method and URL: %q", args)
			}
		})
	}
}

// TestAReproductionsTokenCallSetsTheToken: the shell runs a reproduction's
// first line as it stands: curl gets the app's credentials from their
// variables, and FLEXFACTOR_TOKEN is the accessToken it answered.
func TestAReproductionsTokenCallSetsTheToken(t *testing.T) {
	const appKey, secret = "app_KEY123", "SECRETvalue456"
	line := tokenCommand(NewWireClient("http://127.0.0.1:9/v1", time.Second, 1))
	if strings.Contains(line, appKey) || strings.Contains(line, secret) {
		t.Fatalf("the command carries a value: %s", line)
	}
	cmd := exec.Command("sh", "-c", `curl() { printf '%s\n' "$@" >&2; printf '{"accessToken": "tok_from_call","expires":"x"}'; }; `+line+`; printf '%s' "$FLEXFACTOR_TOKEN"`)
	cmd.Env = []string{"FLEXFACTOR_APP_KEY=" + appKey, "FLEXFACTOR_APP_SECRET=" + secret, "PATH=/usr/bin:/bin"}
	var args strings.Builder
	cmd.Stderr = &args
	out, err := cmd.Output()
	if err != nil || string(out) != "tok_from_call" {
		t.Fatalf("%s: %v: FLEXFACTOR_TOKEN is %q", line, err, out)
	}
	want := "-X\nPOST\nhttp://127.0.0.1:9/v1/oauth2/token\n"
	if !strings.Contains(args.String(), want) || !strings.Contains(args.String(), `{"AppKey":"`+appKey+`","AppSecret":"`+secret+`"}`) {
		t.Errorf("the shell hands curl %q", args.String())
	}
}
