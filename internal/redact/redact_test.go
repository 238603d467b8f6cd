package redact

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestEachRuleHidesWhatOnlyItCatches: each row's secret is caught by one
// rule alone, so that removing the rule fails its row. The secrets are
// short and broken by dashes where no other rule should see them.
func TestEachRuleHidesWhatOnlyItCatches(t *testing.T) {
	r := New("known-s3cr3t", `esc<&>"-s3cr3t`)
	tests := []struct{ name, in, secret string }{
		{"a known secret", "you sent known-s3cr3t", "known-s3cr3t"},
		{"a known secret, JSON-escaped", `{"m":"esc\u003c\u0026\u003e\"-s3cr3t"}`, "s3cr3t"},
		{"a known secret, HTML-escaped", `<p>esc&lt;&amp;&gt;&#34;-s3cr3t</p>`, "s3cr3t"},
		{"a per-call secret", "token call-tok-1 refused", "call-tok-1"},
		{"a bearer credential", "Authorization: Bearer other-cred-9x-7y", "other-cred-9x-7y"},
		{"a JWT", "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "eyJhbGciOiJIUzI1NiJ9"},
		{"an sk_ key", "key sk_live-0123", "sk_live-0123"},
		{"a member named like a secret", `{"access_token": "tiny-1"}`, "tiny-1"},
		{"a member named like a key value", `{"Api-Key":"k-1"}`, "k-1"},
		{"a form-encoded parameter named like a secret", "access_token=tiny-2&expires_in=60", "tiny-2"},
		{"a run of key characters", "x 0123456789abcdef0123456789abcdef y", "0123456789abcdef0123456789abcdef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Redact(tt.in, "call-tok-1")
			if strings.Contains(got, tt.secret) || !strings.Contains(got, Placeholder) {
				t.Errorf("Redact(%q) = %q", tt.in, got)
			}
		})
	}
	if got := r.Redact("key created secret: listed as: secret"); got != "key created secret: listed as: secret" {
		t.Errorf("prose after a secret's name is redacted: %q", got)
	}
	if got := r.Redact(`{"name":"n","note":"Invalid bearer token."}`); got != `{"name":"n","note":"Invalid bearer token."}` {
		t.Errorf("ordinary text is redacted: %q", got)
	}
	// A long name in one case without a digit is a word; the same length
	// of mixed case, or of letters and digits, is shaped like a key.
	for in, want := range map[string]string{
		"set FLEXFACTOR_PREVIOUS_OBSERVATIONS": "set FLEXFACTOR_PREVIOUS_OBSERVATIONS",
		"x abcdefghijklmnopqrstuvwxyzABCDEF y": "x " + Placeholder + " y",
		"x abcdefghijklmnopqrstuvwxyzabcde1 y": "x " + Placeholder + " y",
	} {
		if got := r.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestKeepLeavesAnIDReadable: an id as long as a key-like run stays
// readable once kept, but not when it is also a known secret or sits inside
// a longer run.
func TestKeepLeavesAnIDReadable(t *testing.T) {
	id := "key_0123456789012345678901234567890123456789"
	r := New()
	if got := r.Redact("left: " + id); got != "left: "+Placeholder {
		t.Fatalf("an unkept long id: %q", got)
	}
	r.Keep(id)
	if got := r.Redact("left: " + id); got != "left: "+id {
		t.Errorf("a kept id is hidden: %q", got)
	}
	if got := r.Redact("left: " + id + "9"); got != "left: "+Placeholder {
		t.Errorf("a longer run holding a kept id shows: %q", got)
	}
	r.Add(id)
	if got := r.Redact("left: " + id); got != "left: "+Placeholder {
		t.Errorf("a kept id that is also a secret shows: %q", got)
	}
}

func TestMinLenLeavesShortSecretsAlone(t *testing.T) {
	r := &Redactor{MinLen: 6}
	r.Add("abc", "abcdef")
	if got := r.Redact("abc abcdef"); got != "abc "+Placeholder {
		t.Errorf("Redact = %q", got)
	}
	if got := New("abc").Redact("abc"); got != Placeholder {
		t.Errorf("without MinLen, a short secret shows: %q", got)
	}
}

// TestExcerptDecodesEscapesFirst: a member named \u0076alue is a "value",
// and a secret spelled in escapes is the secret.
func TestExcerptDecodesEscapesFirst(t *testing.T) {
	r := New()
	for _, body := range []string{`{"\u0076alue":"sk-short-CANARY7"}`, `{"m":"made sk-short-\u0043ANARY7"}`} {
		if got := r.Excerpt([]byte(body), "sk-short-CANARY7"); strings.Contains(got, "ANARY7") {
			t.Errorf("Excerpt(%s) = %q", body, got)
		}
	}
}

// TestExcerptDropsASecretTheWindowCut: of a body longer than the window,
// an open secret member's value and a known secret's start are dropped.
func TestExcerptDropsASecretTheWindowCut(t *testing.T) {
	r := New()
	open := `{"password": "` + strings.Repeat("pass word ", excerptWindow/10) + `"}`
	if got := r.Excerpt([]byte(open)); strings.Contains(got, "pass word") {
		t.Errorf("the open password shows: %q", got)
	}
	long := "tokpart-" + strings.Repeat("x-", 100)
	body := strings.Repeat(" ", excerptWindow-10) + long
	if got := r.Excerpt([]byte(body), long); strings.Contains(got, "tokpart") {
		t.Errorf("the token's start shows: %q", got)
	}
}

func TestExcerptIsShortAndPrintable(t *testing.T) {
	got := New().Excerpt([]byte("a\x1b[31m\nb" + strings.Repeat("é", 600)))
	if len(got) > ExcerptBytes+len("…") || strings.ContainsAny(got, "\x1b\n") || !strings.HasSuffix(got, "…") {
		t.Errorf("Excerpt = %q", got)
	}
}

func TestSecretFieldsAreTheOneList(t *testing.T) {
	for _, name := range []string{"value", "key", "api_key", "apiKey", "SECRET-KEY", "full_key", "token",
		"accessToken", "refresh_token", "id_token", "AppSecret", "client_secret", "password", "raw_key", "plaintext"} {
		if !IsSecretField(name) {
			t.Errorf("%s is not a secret's member", name)
		}
	}
	for _, name := range []string{"name", "last_four", "type", "keys", "id", "created_at", "expires"} {
		if IsSecretField(name) {
			t.Errorf("%s is a secret's member", name)
		}
	}
}

func TestHeaderKeepsTheSchemeAndDropsTheCredential(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "Bearer tok-1")
	h.Set("Proxy-Authorization", "s3cr3t-proxy")
	h.Set("Cookie", "session=s3cr3t")
	h.Set("Set-Cookie", "a=s3cr3t")
	h.Set("Accept", "application/json")
	got := Header(h)
	want := map[string]string{"Authorization": "Bearer " + Placeholder, "Proxy-Authorization": Placeholder,
		"Cookie": Placeholder, "Set-Cookie": Placeholder, "Accept": "application/json"}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Get(k), v)
		}
	}
	if h.Get("Authorization") != "Bearer tok-1" {
		t.Error("Header changed its argument")
	}
}

func TestTheValueTypesNeverPrint(t *testing.T) {
	k := NewKeyValue("CANARYvalue7dc0")
	// A Text in an unexported field prints (fmt calls no method there):
	// its holders format themselves. A KeyValue's pointer prints instead.
	type holder struct {
		K KeyValue
		T Text
		k KeyValue
	}
	h := holder{k, Text("CANARYtext"), k}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for _, v := range []any{k, &k, Text("CANARYtext"), h, []KeyValue{k}} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, "CANARY") || strings.Contains(s, fmt.Sprintf("%x", "CANARY")) {
				t.Errorf("%s of %T shows the secret: %s", verb, v, s)
			}
		}
	}
	if b, err := json.Marshal(h); err != nil || strings.Contains(string(b), "CANARY") {
		t.Errorf("json.Marshal of a holder: %s, %v", b, err)
	}
	if k.Reveal() != "CANARYvalue7dc0" || k.String() != Placeholder+"…7dc0" || (KeyValue{}).String() != "[EMPTY]" {
		t.Errorf("KeyValue: Reveal %q, String %q", k.Reveal(), k.String())
	}
}

func TestANilRedactorHidesTheShapes(t *testing.T) {
	var r *Redactor
	if got := r.Redact("sk_live_0123456789", "extra-1"); strings.Contains(got, "0123456789") {
		t.Errorf("Redact = %q", got)
	}
	if s := fmt.Sprintf("%v %+v %#v", New("CANARYheld"), New("CANARYheld"), New("CANARYheld")); strings.Contains(s, "CANARY") {
		t.Errorf("a Redactor prints what it holds: %s", s)
	}
}

// TestIDsStayReadable: a trace's or a request's id is what support asks
// for, and is no secret, though most are long runs of key characters. In a
// member named for an id, or through RedactID, it shows; the same value in a
// member named for a secret, outside an id member, or an id that is a known
// secret or shaped like a credential, is hidden.
func TestIDsStayReadable(t *testing.T) {
	const trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
	r := New("known-s3cr3t")
	for in, want := range map[string]string{
		`{"traceId":"` + trace + `"}`:                                           `{"traceId":"` + trace + `"}`,
		`{"request_id": "` + trace + `"}`:                                       `{"request_id": "` + trace + `"}`,
		`{"token":"` + trace + `"}`:                                             `{"token":"` + Placeholder + `"}`,
		`{"traceId":"` + trace + `","note":"4bf92f3577b34da6a3ce929d0e0e4736"}`: `{"traceId":"` + trace + `","note":"` + Placeholder + `"}`,
		`{"traceId":"known-s3cr3t"}`:                                            `{"traceId":"` + Placeholder + `"}`,
	} {
		if got := r.Redact(in); got != want {
			t.Errorf("Redact(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"4bf92f3577b34da6a3ce929d0e0e4736":          "4bf92f3577b34da6a3ce929d0e0e4736",
		"req-known-s3cr3t":                          "req-" + Placeholder,
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln": Placeholder,
	} {
		if got := r.RedactID(in); got != want {
			t.Errorf("RedactID(%s) = %s, want %s", in, got, want)
		}
	}
}
