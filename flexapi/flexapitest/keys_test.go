package flexapitest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// created is the create call's answer, as far as these tests read it.
type created struct {
	ID, Type, Value, MID, Name string
	CreatedAt                  string `json:"created_at"`
	Scopes, Errors             []string
}

// listed is one key of a listing.
type listed struct {
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	CreatedAt string  `json:"created_at"`
	LastUsed  *string `json:"last_used"`
	LastFour  string  `json:"last_four"`
}

func createBody(mid, name, typ string) string {
	b, _ := json.Marshal(map[string]any{"mid": mid, "name": name, "type": typ, "scopes": []string{"customers:read"}})
	return string(b)
}

func authJSON(tok string) http.Header {
	h := bearer(tok)
	h.Set("Content-Type", "application/json")
	return h
}

// createKey creates a key through the create call and checks that the
// answer matches the spec.
func createKey(t *testing.T, srv *flexapitest.Server, tok, mid, name, typ string) created {
	t.Helper()
	e := do(t, srv, http.MethodPost, "/v1/api-keys", authJSON(tok), createBody(mid, name, typ))
	mustMatchSpec(t, e)
	if e.status != http.StatusCreated {
		t.Fatalf("create: %s", e)
	}
	var c created
	if err := json.Unmarshal(e.body, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func listKeys(t *testing.T, srv *flexapitest.Server, tok, mid string) ([]listed, []byte) {
	t.Helper()
	e := do(t, srv, http.MethodGet, "/v1/api-keys/"+url.PathEscape(mid), bearer(tok), "")
	mustMatchSpec(t, e)
	if e.status != http.StatusOK {
		t.Fatalf("list: %s", e)
	}
	var l struct{ Keys []listed }
	if err := json.Unmarshal(e.body, &l); err != nil {
		t.Fatal(err)
	}
	return l.Keys, e.body
}

func revokeKey(t *testing.T, srv *flexapitest.Server, tok, id string) exchange {
	t.Helper()
	e := do(t, srv, http.MethodDelete, "/v1/api-keys/"+url.PathEscape(id), bearer(tok), "")
	mustMatchSpec(t, e)
	return e
}

func TestCreateListRevoke(t *testing.T) {
	srv, clock := newFake(t)
	tok := getToken(t, srv)
	for _, tc := range []struct{ typ, prefix, listedAs string }{
		{"secret", "sk_test_", "secret"},
		{"public", "pk_test_", "public"},
		{"tokenization", "tk_test_", "tokenization"},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			before, beforeBody := listKeys(t, srv, tok, flexapitest.DefaultMID)
			name := "contract-run-" + tc.typ
			c := createKey(t, srv, tok, flexapitest.DefaultMID, name, tc.typ)
			if !strings.HasPrefix(c.Value, tc.prefix) || len(c.Value) < len(tc.prefix)+20 {
				t.Errorf("value has %d characters, want %q and a random body", len(c.Value), tc.prefix)
			}
			if c.ID == "" || c.Type != tc.typ || c.MID != flexapitest.DefaultMID || c.Name != name ||
				c.CreatedAt != epoch.Format("2006-01-02T15:04:05Z07:00") || len(c.Errors) != 0 {
				t.Errorf("answer: id %q, type %q, mid %q, name %q, created_at %q, errors %v", c.ID, c.Type, c.MID, c.Name, c.CreatedAt, c.Errors)
			}

			keys, body := listKeys(t, srv, tok, flexapitest.DefaultMID)
			if strings.Contains(string(body), c.Value) {
				t.Errorf("the listing holds the key's value")
			}
			if len(keys) != len(before)+1 {
				t.Fatalf("%d keys listed after create, want %d", len(keys), len(before)+1)
			}
			k := keys[len(keys)-1]
			want := listed{Name: name, Type: tc.listedAs, CreatedAt: c.CreatedAt, LastFour: c.Value[len(c.Value)-4:]}
			if k != want {
				t.Errorf("listed %+v, want %+v", k, want)
			}

			clock.Advance(1)
			if e := revokeKey(t, srv, tok, c.ID); e.status != http.StatusOK ||
				!jsonEqual(t, e.body, `{"status":"SUCCESS","success":true,"result":"The API key was revoked.","errors":[]}`) {
				t.Errorf("revoke: %s %s", e, e.body)
			}
			if _, after := listKeys(t, srv, tok, flexapitest.DefaultMID); string(after) != string(beforeBody) {
				t.Errorf("after revoke the listing is %s, want %s", after, beforeBody)
			}
			if e := revokeKey(t, srv, tok, c.ID); e.status != http.StatusNotFound ||
				!jsonEqual(t, e.body, `{"status":"FAILED","success":false,"result":null,"errors":["Key not found."]}`) {
				t.Errorf("a second revoke: %s %s", e, e.body)
			}
		})
	}
}

func TestCreatedKeysOfANewMerchantLeaveNoTrace(t *testing.T) {
	srv, _ := newFake(t)
	tok := srv.IssueToken()
	c := createKey(t, srv, tok, "mid_new", "k", "secret")
	if got := srv.Data().MIDs(); fmt.Sprint(got) != "[mid_123456 mid_new]" {
		t.Errorf("merchants %v after create", got)
	}
	revokeKey(t, srv, tok, c.ID)
	if got := srv.Data().MIDs(); fmt.Sprint(got) != "[mid_123456]" {
		t.Errorf("merchants %v after revoke, want the seeded one only", got)
	}
}

func TestPublicTypeListedAs(t *testing.T) {
	for _, as := range []string{"public", "publishable"} {
		t.Run(as, func(t *testing.T) {
			srv, _ := newFake(t, flexapitest.WithPublicTypeListedAs(as), flexapitest.WithData(nil))
			tok := srv.IssueToken()
			c := createKey(t, srv, tok, "m", "Frontend", "public")
			if c.Type != "public" {
				t.Errorf("create answered type %q, want the type asked for", c.Type)
			}
			keys, _ := listKeys(t, srv, tok, "m")
			if len(keys) != 1 || keys[0].Type != as {
				t.Errorf("listed %+v, want one key of type %q", keys, as)
			}
		})
	}
	if _, err := flexapitest.Start(flexapitest.WithPublicTypeListedAs("Public")); err == nil {
		t.Error("WithPublicTypeListedAs(\"Public\") was accepted")
	}
}

func TestCreateAndRevokeFailures(t *testing.T) {
	for _, validate := range []bool{false, true} {
		t.Run(fmt.Sprintf("request validation %v", validate), func(t *testing.T) {
			var opts []flexapitest.Option
			if validate {
			}
			srv, _ := newFake(t, opts...)
			tok := srv.IssueToken()
			for _, tc := range []struct {
				name, body string
				fields     []string
			}{
				{"a name with <", createBody("m", "<b>", "secret"), []string{"name"}},
				{"an unknown type", createBody("m", "k", "publishable"), []string{"type"}},
				{"no fields", `{}`, []string{"mid", "name", "type"}},
				{"not JSON", `{`, []string{"$"}},
			} {
				e := do(t, srv, http.MethodPost, "/v1/api-keys", authJSON(tok), tc.body)
				mustMatchSpec(t, e)
				fields := modelStateFields(t, e)
				for _, f := range tc.fields {
					if len(fields[f]) == 0 {
						t.Errorf("%s: no message for %s in %v", tc.name, f, fields)
					}
				}
				if strings.Contains(string(e.body), "<b>") {
					t.Errorf("%s: the answer repeats a value sent", tc.name)
				}
			}
			for _, e := range []exchange{
				do(t, srv, http.MethodPost, "/v1/api-keys", authJSON("nope"), createBody("m", "k", "secret")),
				do(t, srv, http.MethodDelete, "/v1/api-keys/key_1", bearer("nope"), ""),
			} {
				mustMatchSpec(t, e)
				if e.status != http.StatusUnauthorized || !jsonEqual(t, e.body, invalidTokenBody) {
					t.Errorf("without a valid token: %s %s", e, e.body)
				}
			}
			if d := srv.Data(); len(d) != 1 || len(d[flexapitest.DefaultMID]) != 2 {
				t.Errorf("failed creates changed the data: %v", d.MIDs())
			}
		})
	}
}

func TestKeyLimits(t *testing.T) {
	srv, _ := newFake(t, flexapitest.WithKeyLimits(2, 2))
	tok := srv.IssueToken()
	first := createKey(t, srv, tok, "m1", "a", "secret")
	createKey(t, srv, tok, "m1", "b", "secret")
	failure := func(what, body string, want string) {
		t.Helper()
		e := do(t, srv, http.MethodPost, "/v1/api-keys", authJSON(tok), body)
		mustMatchSpec(t, e)
		if e.status != http.StatusConflict || !strings.Contains(string(e.body), want) ||
			!strings.Contains(string(e.body), `"value":null`) {
			// Not the body: a wrongly successful create would print a key value.
			t.Errorf("%s: %s, want 409 with the create page's failure body", what, e)
		}
	}
	failure("a third key", createBody("m1", "c", "secret"), "limit of 2 keys")
	// mid_123456 and m1 hold keys: a third merchant is refused.
	failure("a third merchant", createBody("m2", "a", "secret"), "limit of 2 merchants")

	revokeKey(t, srv, tok, first.ID)
	createKey(t, srv, tok, "m1", "c", "secret")

	for _, bad := range [][2]int{{0, 1}, {1, 0}, {-1, 5}} {
		if _, err := flexapitest.Start(flexapitest.WithKeyLimits(bad[0], bad[1])); err == nil {
			t.Errorf("WithKeyLimits(%d, %d) was accepted", bad[0], bad[1])
		}
	}
}

// The caps count keys; a key's size is bounded too, or the default caps'
// 100,000 keys with 64 KiB names would hold gigabytes. The merchant has
// room: only the size refuses these.
func TestCreatedKeySizeLimit(t *testing.T) {
	srv, _ := newFake(t)
	tok := srv.IssueToken()
	for what, body := range map[string]string{
		"a long name": createBody("m1", strings.Repeat("n", 32<<10), "secret"),
		"a long mid":  createBody(strings.Repeat("m", 32<<10), "a", "secret"),
	} {
		e := do(t, srv, http.MethodPost, "/v1/api-keys", authJSON(tok), body)
		mustMatchSpec(t, e)
		if e.status != http.StatusConflict || !strings.Contains(string(e.body), "at most 1024 bytes") {
			t.Errorf("%s: %s, want 409 with the create page's failure body", what, e)
		}
	}
	if d := srv.Data(); len(d) != 1 {
		t.Errorf("the data holds %d merchants, want only the seeded one", len(d))
	}
	createKey(t, srv, tok, "m1", strings.Repeat("n", 900), "secret")
}

// TestCreateAndRevokeConcurrently runs creates, listings and revokes of
// several merchants at once (under -race in make test); the data ends as it
// began.
func TestCreateAndRevokeConcurrently(t *testing.T) {
	srv, _ := newFake(t, flexapitest.WithKeyLimits(5, 10))
	tok := srv.IssueToken()
	before := srv.Data()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			mid := fmt.Sprintf("m%d", w%3)
			for i := range 10 {
				b := createBody(mid, fmt.Sprintf("k%d-%d", w, i), "public")
				e, err := send(t.Context(), srv, http.MethodPost, "/v1/api-keys", authJSON(tok), b)
				if err != nil {
					t.Error(err)
					return
				}
				if e.status == http.StatusConflict {
					continue // the merchant is full for now: the limit at work
				}
				var c created
				if e.status != http.StatusCreated || json.Unmarshal(e.body, &c) != nil {
					t.Errorf("create: %s", e)
					return
				}
				if _, err := send(t.Context(), srv, http.MethodGet, "/v1/api-keys/"+mid, bearer(tok), ""); err != nil {
					t.Error(err)
				}
				if e, err := send(t.Context(), srv, http.MethodDelete, "/v1/api-keys/"+c.ID, bearer(tok), ""); err != nil || e.status != http.StatusOK {
					t.Errorf("revoke: %v %s", err, e)
				}
			}
		})
	}
	wg.Wait()
	if got := srv.Data(); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("data after create and revoke %v, want %v", got.MIDs(), before.MIDs())
	}
}

// TestRequestLogHoldsNoKeyValue: the value of a created key reaches no
// request log entry and no request hook.
func TestRequestLogHoldsNoKeyValue(t *testing.T) {
	var mu sync.Mutex
	var hooked strings.Builder
	srv, _ := newFake(t, flexapitest.WithRequestHook(func(r flexapitest.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(&hooked, "%+v %#v\n", r, r)
	}))
	tok := srv.IssueToken()
	c := createKey(t, srv, tok, flexapitest.DefaultMID, "k", "secret")
	listKeys(t, srv, tok, flexapitest.DefaultMID)
	revokeKey(t, srv, tok, c.ID)
	logged := fmt.Sprintf("%+v %#v", srv.Requests(), srv.Requests())
	mu.Lock()
	defer mu.Unlock()
	for what, out := range map[string]string{"request log": logged, "request hook": hooked.String()} {
		if strings.Contains(out, c.Value) || strings.Contains(out, c.Value[len(c.Value)-12:]) {
			t.Errorf("the %s holds the key's value", what)
		}
		if !strings.Contains(out, "/v1/api-keys") {
			t.Errorf("the %s misses the calls: %s", what, out)
		}
	}
}

// TestLifecycleBreaks: the double's deliberate breaks do what the contract
// self-test needs them to.
func TestLifecycleBreaks(t *testing.T) {
	srv, _ := newFake(t, flexapitest.WithValuesListed(), flexapitest.WithRevokeIgnored())
	tok := srv.IssueToken()
	c := createKey(t, srv, tok, flexapitest.DefaultMID, "k", "secret")
	if _, body := listKeys(t, srv, tok, flexapitest.DefaultMID); !strings.Contains(string(body), `"value":"`+c.Value+`"`) {
		t.Errorf("WithValuesListed: the listing does not show the value")
	}
	if e := revokeKey(t, srv, tok, c.ID); e.status != http.StatusOK {
		t.Errorf("WithRevokeIgnored: revoke answered %s", e)
	}
	if keys, _ := listKeys(t, srv, tok, flexapitest.DefaultMID); len(keys) != 3 {
		t.Errorf("WithRevokeIgnored: %d keys listed after revoke, want the key kept", len(keys))
	}
}

// TestSeededKeysWithAnIDCanBeRevoked: a data file's key that carries an id
// is revocable by it, as a leftover a sweep revokes would be; a key without
// one is not.
func TestSeededKeysWithAnIDCanBeRevoked(t *testing.T) {
	data, err := flexapitest.ParseData("keys.yaml", []byte(`m1:
  - {name: contract-20261125T031700Z-1a2b-secret, id: key_left1, type: secret, created_at: "2026-11-25T03:17:00Z", last_used: null, last_four: ab12}
  - {name: Backend, type: secret, created_at: "2024-11-16T12:00:00Z", last_used: null, last_four: "0042"}
`))
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newFake(t, flexapitest.WithData(data))
	tok := srv.IssueToken()
	if keys, body := listKeys(t, srv, tok, "m1"); len(keys) != 2 || !strings.Contains(string(body), `"id":"key_left1"`) {
		t.Fatalf("the seeded listing: %s", body)
	}
	if e := revokeKey(t, srv, tok, "key_left1"); e.status != http.StatusOK {
		t.Errorf("revoking the seeded key: %s", e)
	}
	if keys, _ := listKeys(t, srv, tok, "m1"); len(keys) != 1 || keys[0].Name != "Backend" {
		t.Errorf("after revoke: %+v", keys)
	}
	if err := srv.SetKeys("m2", map[string]any{"name": "k", "id": "key_set", "type": "secret",
		"created_at": "2024-11-16T12:00:00Z", "last_used": nil, "last_four": "wxyz"}); err != nil {
		t.Fatal(err)
	}
	if e := revokeKey(t, srv, tok, "key_set"); e.status != http.StatusOK {
		t.Errorf("revoking a key set at run time: %s", e)
	}
}
