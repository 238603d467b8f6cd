package contract

import (
	"strings"
	"testing"
)

func TestRedactorHidesKnownAndSecretShapedValues(t *testing.T) {
	r := NewRedactor("tok_0123456789", "abc") // "abc" is too short to redact
	r.addURL("https://user:pa55word-x@host.test/v1?api_key=qk_CANARY_123456&x=1")
	tests := []struct{ in, mustHide string }{
		{"bearer tok_0123456789 sent", "tok_0123456789"},
		{`{"t":"tok_0123456789"}`, "tok_0123456789"},
		{"userinfo pa55word-x", "pa55word-x"},
		{"query qk_CANARY_123456", "qk_CANARY_123456"},
		{"a JWT eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln in text", "eyJhbGciOiJIUzI1NiJ9"},
		{"a live key sk_live_0123456789abcdef", "sk_live_0123456789abcdef"},
		{"a publishable key pk_test_ABCDEFGH12", "pk_test_ABCDEFGH12"},
	}
	for _, tt := range tests {
		got := r.Redact(tt.in)
		if strings.Contains(got, tt.mustHide) || !strings.Contains(got, redacted) {
			t.Errorf("Redact(%q) = %q", tt.in, got)
		}
	}
	if got := r.Redact("abc and a task_list"); got != "abc and a task_list" {
		t.Errorf("short secrets and ordinary words are redacted: %q", got)
	}
}

func TestRedactorKnowsEscapedForms(t *testing.T) {
	r := NewRedactor(`s3cret<&>"'value`)
	for _, in := range []string{`s3cret&lt;&amp;&gt;&#34;&#39;value`, `s3cret\u003c\u0026\u003e\"'value`} {
		if got := r.Redact(in); strings.Contains(got, "s3cret") {
			t.Errorf("Redact(%q) = %q", in, got)
		}
	}
}

func TestRedactorLearnsKeyValuesFromBodies(t *testing.T) {
	r := NewRedactor()
	r.learnBody([]byte(`{"keys":[{"name":"n","type":"secret","last_four":"7dc0",` +
		`"value":"CANARYvalue0001","nested":{"blob":"XCANARYSUFFIXLONG7dc0"}}],` +
		`"accessToken":"CANARYaccess001","refresh_token":"CANARYrefresh01"}`))
	for _, v := range []string{"CANARYvalue0001", "XCANARYSUFFIXLONG7dc0", "CANARYaccess001", "CANARYrefresh01"} {
		if got := r.Redact("x " + v + " y"); strings.Contains(got, v) {
			t.Errorf("the redactor did not learn %s: %q", v, got)
		}
	}
	if got := r.Redact("name n type secret"); got != "name n type secret" {
		t.Errorf("ordinary fields were learnt: %q", got)
	}
	r.learnBody([]byte("<html>not json</html>")) // teaches nothing, and does not panic
}

func TestURLSecretsOfAnUnparsableURL(t *testing.T) {
	got := urlSecrets("http://us%zzer:CANARYpass@host/v1?k=CANARYquery")
	joined := strings.Join(got, " ")
	for _, want := range []string{"CANARYpass", "CANARYquery"} {
		if !strings.Contains(joined, want) {
			t.Errorf("URLSecrets misses %s: %q", want, got)
		}
	}
}
