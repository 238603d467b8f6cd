package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
	"go.uber.org/goleak"
)

// The test binary runs main itself when asked, for the signal test.
const runMainEnv = "FLEXFACTOR_MOCK_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append([]string{"flexfactor-mock"}, strings.Fields(os.Getenv("FLEXFACTOR_MOCK_ARGS"))...)
		main()
		return
	}
	goleak.VerifyTestMain(m)
}

// lockedBuffer is a bytes.Buffer safe to write from run's goroutine while
// the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startRun runs run in the background on a free port and returns its base
// URL, its output and a stop function that returns the exit code.
func startRun(t *testing.T, args ...string) (base string, stdout, stderr *lockedBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &lockedBuffer{}, &lockedBuffer{}
	code := make(chan int, 1)
	go func() { code <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), stdout, stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	// The banner ends with "Stop with Ctrl-C.": until then its other
	// lines may still be on their way, however soon the base URL came.
	for base == "" {
		out := stdout.String()
		if !strings.Contains(out, "Stop with Ctrl-C.") {
			out = ""
		}
		for _, line := range strings.Split(out, "\n") {
			if u, ok := strings.CutPrefix(strings.TrimSpace(line), "base URL:"); ok {
				base = strings.TrimSpace(u)
			}
		}
		select {
		case c := <-code:
			cancel()
			t.Fatalf("run exited with %d: %s", c, stderr)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("no base URL printed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	var once sync.Once
	var exit int
	stop = func() int {
		once.Do(func() { cancel(); exit = <-code })
		return exit
	}
	t.Cleanup(func() { stop() })
	return base, stdout, stderr, stop
}

func post(t *testing.T, c *http.Client, url, contentType, body string) (int, []byte) {
	t.Helper()
	resp, err := c.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func get(t *testing.T, c *http.Client, url, auth string) (int, []byte) {
	t.Helper()
	return call(t, c, http.MethodGet, url, auth, "")
}

// call sends a request with an optional Authorization header and JSON body.
func call(t *testing.T, c *http.Client, method, url, auth, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestRunServesAndStops(t *testing.T) {
	base, stdout, stderr, stop := startRun(t, "-app-key", "k1", "-app-secret", "s1", "-token-ttl", "90s")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}

	// An AppSecret of one's own (a CI secret, say) is never printed; the
	// default is, as the docs print it.
	if strings.Contains(stdout.String(), "s1\n") || strings.Contains(stderr.String(), "s1") {
		t.Errorf("the chosen AppSecret is printed:\n%s%s", stdout, stderr)
	}
	for _, want := range []string{"AppKey:     k1", "AppSecret:  (-app-secret's, not printed)", "token TTL:  1m30s", "data:       built in (mid_123456: 2 keys)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}

	status, body := post(t, c, base+"/oauth2/token", "application/json", `{"AppKey":"k1","AppSecret":"s1"}`)
	if status != 200 {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok struct {
		AccessToken string
		Expires     int64
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		t.Fatal(err)
	}
	if left := time.Until(time.UnixMilli(tok.Expires)); left < 80*time.Second || left > 91*time.Second {
		t.Errorf("token expires in %v, want about 90s", left)
	}
	if status, body = get(t, c, base+"/api-keys/mid_123456", "bearer "+tok.AccessToken); status != 200 || !strings.Contains(string(body), `"last_four":"3abc"`) {
		t.Errorf("list: %d %s", status, body)
	}
	if status, body = get(t, c, base+"/api-keys/mid_123456", ""); status != 401 || string(body) != `{"errors":["Authentication failed. Invalid bearer token."]}` {
		t.Errorf("no token: %d %s", status, body)
	}
	// Requests are checked against the spec: a bad one gets a 400 with the
	// errors page's ModelState body naming each invalid field, never a 5xx.
	for _, bad := range []struct{ ct, body, fields string }{
		{"application/json", `{"client_id":"k1","client_secret":"s1"}`, "AppKey AppSecret"},
		{"application/json", `{"AppKey":"k1","AppSecret":7}`, "AppSecret"},
		{"application/json", `{"AppKey":`, "$"},
		{"text/plain", `hello`, "$"},
		{"application/x-www-form-urlencoded", `AppKey=k1&AppSecret=s1`, "$"},
	} {
		status, body = post(t, c, base+"/oauth2/token", bad.ct, bad.body)
		var ms struct {
			Status int
			Errors map[string][]string
		}
		_ = json.Unmarshal(body, &ms)
		fields := slices.Sorted(maps.Keys(ms.Errors))
		if status != 400 || ms.Status != 400 || strings.Join(fields, " ") != bad.fields {
			t.Errorf("bad request %q: %d %s, want 400 naming %s", bad.body, status, body, bad.fields)
		}
		if strings.Contains(string(body), "s1") {
			t.Errorf("bad request %q: the answer echoes the secret: %s", bad.body, body)
		}
	}

	if code := stop(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if !strings.Contains(stdout.String(), "flexfactor-mock: stopped") {
		t.Errorf("no stop message")
	}
	// The request log on stderr never holds the token or the secret.
	logged := stderr.String()
	if !strings.Contains(logged, "GET /v1/api-keys/mid_123456 -> 401") {
		t.Errorf("stderr lacks the request log:\n%s", logged)
	}
	if strings.Contains(logged, tok.AccessToken) || strings.Contains(logged, "s1\"") {
		t.Errorf("stderr holds a secret")
	}
}

func TestRunWithDataFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "keys.yaml")
	data := "m1:\n  - {name: K, type: public, created_at: \"2024-01-01T00:00:00Z\", last_used: null, last_four: wxyz}\n"
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stdout, _, stop := startRun(t, "-data", p, "-quiet", "-max-keys-per-merchant", "1", "-max-merchants", "1")
	for _, want := range []string{"(m1: 1 key)", "at most 1 key a merchant, 1 merchant\n"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q: %s", want, stdout)
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

func TestRunFailures(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"m1": [{"name": "K"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined: -nope"},
		{"stray argument", []string{"extra"}, 2, "unexpected arguments: extra"},
		{"bad duration", []string{"-token-ttl", "soon"}, 2, "invalid value \"soon\" for flag -token-ttl"},
		{"zero ttl", []string{"-token-ttl", "0s"}, 1, "WithTokenTTL: 0s is not a positive duration"},
		{"empty secret", []string{"-app-secret", ""}, 1, "must not be empty"},
		{"missing data file", []string{"-data", filepath.Join(dir, "none.yaml")}, 1, "none.yaml: no such file"},
		{"bad data file", []string{"-data", bad}, 1, `bad.json:1: merchant "m1", key 0: missing field "type"`},
		{"bad address", []string{"-addr", "256.1.1.1:1"}, 1, "listen on 256.1.1.1:1"},
		{"bad public type", []string{"-public-type", "Public"}, 1, `want "public" or "publishable"`},
		{"a second way to a 204 revoke", []string{"-revoke-status", "204"}, 2, "flag provided but not defined: -revoke-status"},
		{"no room for keys", []string{"-max-keys-per-merchant", "0"}, 1, "limits must be positive"},
		{"unknown preference", []string{"-prefer", "crash"}, 1, `"crash" is not a preference the double knows`},
		{"bad preference value", []string{"-prefer", "delay=soon"}, 1, "delay must be a duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // a run that started would stop at once
			code := run(ctx, tc.args, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("code %d, stderr %q; want %d and %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-data file") {
			t.Errorf("code %d, usage %q", code, stderr.String())
		}
	})
	t.Run("a cancelled context stops at once", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if code := run(ctx, []string{"-addr", "127.0.0.1:0"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "stopped") {
			t.Errorf("code %d, stdout %q", code, stdout.String())
		}
	})
}

// TestSignals runs the real main in a child process and stops it with each
// signal it handles.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), runMainEnv+"=1", "FLEXFACTOR_MOCK_ARGS=-addr 127.0.0.1:0 -quiet")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			var seen []string
			for sc.Scan() {
				seen = append(seen, sc.Text())
				if strings.HasPrefix(sc.Text(), "Stop with") {
					break
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			for sc.Scan() {
				seen = append(seen, sc.Text())
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("exit: %v; output:\n%s", err, strings.Join(seen, "\n"))
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatal("the program did not stop")
			}
			if last := seen[len(seen)-1]; last != "flexfactor-mock: stopped" {
				t.Errorf("last line %q", last)
			}
		})
	}
}

// TestRunRevoke204: -prefer revoke-204 answers a successful revoke the
// errors page's way, with no body.
func TestRunRevoke204(t *testing.T) {
	base, _, _, stop := startRun(t, "-prefer", "revoke-204")
	defer stop()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	_, body := post(t, c, base+"/oauth2/token", "application/json", `{"AppKey":"mock-app-key","AppSecret":"mock-app-secret"}`)
	var tok struct{ AccessToken string }
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %s", body)
	}
	status, body := call(t, c, http.MethodPost, base+"/api-keys", "Bearer "+tok.AccessToken, `{"mid":"m1","name":"K","type":"secret"}`)
	var key struct{ ID string }
	if err := json.Unmarshal(body, &key); status != 201 || err != nil || key.ID == "" {
		t.Fatalf("create: %d", status)
	}
	if status, body := call(t, c, http.MethodDelete, base+"/api-keys/"+key.ID, "Bearer "+tok.AccessToken, ""); status != 204 || len(body) != 0 {
		t.Errorf("revoke: %d %q, want 204 and no body", status, body)
	}
}

// TestRunCreatesAndRevokes drives the create and revoke calls of the program
// with its flags: the public type's listed name and the key limit. The
// created value reaches neither stdout nor stderr.
func TestRunCreatesAndRevokes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "keys.yaml")
	data := "m1:\n  - {name: K, type: secret, created_at: \"2024-01-01T00:00:00Z\", last_used: null, last_four: wxyz}\n"
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	base, stdout, stderr, stop := startRun(t, "-data", p, "-public-type", "publishable", "-max-keys-per-merchant", "2")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	if want := `public keys listed as "publishable"; at most 2 keys a merchant`; !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
	_, body := post(t, c, base+"/oauth2/token", "application/json", `{"AppKey":"mock-app-key","AppSecret":"mock-app-secret"}`)
	var tok struct{ AccessToken string }
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %s", body)
	}
	do := func(method, url, body string) (int, []byte) {
		t.Helper()
		return call(t, c, method, url, "Bearer "+tok.AccessToken, body)
	}
	_, before := do(http.MethodGet, base+"/api-keys/m1", "")
	status, body := do(http.MethodPost, base+"/api-keys", `{"mid":"m1","name":"Frontend","type":"public"}`)
	var key struct{ ID, Value string }
	if err := json.Unmarshal(body, &key); status != 201 || err != nil || key.ID == "" || !strings.HasPrefix(key.Value, "pk_test_") {
		t.Fatalf("create: %d", status)
	}
	if status, body := do(http.MethodGet, base+"/api-keys/m1", ""); status != 200 ||
		!strings.Contains(string(body), `"type":"publishable","created_at"`) ||
		!strings.Contains(string(body), `"last_four":"`+key.Value[len(key.Value)-4:]+`"`) {
		t.Errorf("the listing does not show the created key as publishable: %d", status)
	}
	if status, _ := do(http.MethodPost, base+"/api-keys", `{"mid":"m1","name":"More","type":"secret"}`); status != 409 {
		t.Errorf("a create beyond the limit: %d, want 409", status)
	}
	if status, body := do(http.MethodDelete, base+"/api-keys/"+key.ID, ""); status != 200 || !strings.Contains(string(body), `"success":true`) {
		t.Errorf("revoke: %d %s", status, body)
	}
	if status, body := do(http.MethodDelete, base+"/api-keys/"+key.ID, ""); status != 404 || !strings.Contains(string(body), `"success":false`) {
		t.Errorf("revoke again: %d %s", status, body)
	}
	if _, after := do(http.MethodGet, base+"/api-keys/m1", ""); string(after) != string(before) {
		t.Errorf("after revoke the listing is %s, want %s", after, before)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{"POST /v1/api-keys -> 201", "POST /v1/api-keys -> 409", "DELETE /v1/api-keys/" + key.ID + " -> 200"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the request log lacks %q", want)
		}
	}
	if strings.Contains(stdout.String()+stderr.String(), key.Value[len(key.Value)-12:]) {
		t.Errorf("the program's output holds the created key's value")
	}
}

// TestRunPrefer: -prefer answers every request as if it carried the Prefer
// header; a request's own comes first.
func TestRunPrefer(t *testing.T) {
	base, stdout, _, stop := startRun(t, "-prefer", "code=500")
	defer stop()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	if want := "every request: Prefer: code=500"; !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
	if status, body := get(t, c, base+"/api-keys/mid_123456", "Bearer x"); status != 500 || !strings.Contains(string(body), "unexpected error") {
		t.Errorf("list: %d %s, want the spec's 500", status, body)
	}
	req, err := http.NewRequest(http.MethodGet, base+"/api-keys/mid_123456", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Prefer", "code=401")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("list with its own Prefer: %d, want 401", resp.StatusCode)
	}
}

// TestRunVersion: -version names the embedded spec's version, and the
// release's when the build sets it (as .goreleaser.yaml's ldflags do).
func TestRunVersion(t *testing.T) {
	defer func(v string) { version = v }(version)
	for _, v := range []string{"", "1.2.3"} {
		version = v
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"-version"}, &stdout, &stderr); code != 0 {
			t.Fatalf("-version: exit %d: %s", code, &stderr)
		}
		want := "flexfactor-mock " + doubleVersion() + " (spec " + flexapitest.SpecVersion() + ")\n"
		if flexapitest.SpecVersion() == "unknown" || stdout.String() != want || (v != "" && doubleVersion() != v) {
			t.Errorf("-version with version %q printed %q, want %q", v, stdout.String(), want)
		}
	}
}

// TestTheDocsHoldTheHelp: docs/double.md's flag table names every flag -h
// lists and every -break, and holds -h's table of preferences word for
// word; .ci/arazzo runs every -break.
func TestTheDocsHoldTheHelp(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "double.md"))
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("-h: exit %d", code)
	}
	help := stderr.String()
	_, faults, ok := strings.Cut(help, preferIntro)
	if !ok || !strings.Contains(string(doc), faults) {
		t.Errorf("docs/double.md does not hold -h's table of preferences as -h prints it:\n%s", faults)
	}
	for _, line := range strings.Split(help, "\n") {
		name, isFlag := strings.CutPrefix(line, "  -")
		if !isFlag {
			continue
		}
		name, _, _ = strings.Cut(name, " ")
		if !strings.Contains(string(doc), "`-"+name+"`") {
			t.Errorf("docs/double.md's flag table lacks -%s", name)
		}
	}
	// Each -break is in the flag's row, and .ci/arazzo sees Respect fail on it.
	_, row, _ := strings.Cut(string(doc), "| `-break` |")
	row, _, _ = strings.Cut(row, "\n")
	arazzo, err := os.ReadFile(filepath.Join("..", "..", ".ci", "arazzo"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range breaks {
		if !strings.Contains(row, "`"+b.name+"`") {
			t.Errorf("docs/double.md's -break row lacks %s", b.name)
		}
		if !strings.Contains(string(arazzo), " "+b.name+":") {
			t.Errorf(".ci/arazzo does not run Respect against -break %s", b.name)
		}
	}
}
