package flexapi

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	validKey   = `{"name":"My API Key","type":"secret","created_at":"2024-11-16T12:00:00Z","last_used":"2024-11-18T10:00:00Z","last_four":"7dc0"}`
	unusedKey  = `{"name":"Frontend Key","type":"publishable","created_at":"2024-11-10T08:30:00Z","last_used":null,"last_four":"3abc"}`
	missingKey = `{"name":"x","type":"secret","created_at":"2024-11-16T12:00:00Z","last_four":"7dc0"}`
)

// FuzzKeyDecodersAgree: wherever the small-answer decoder succeeds, the
// one-by-one decoder succeeds too, with the same keys. Its seeds run in
// every go test.
func FuzzKeyDecodersAgree(f *testing.F) {
	for _, seed := range []string{
		`{"keys":[` + validKey + `,` + unusedKey + `]}`,
		`{"keys":[]}`,
		`{"KEYS":[` + validKey + `]}`,
		`{"other":1,"keys":[` + validKey + `],"more":{"keys":null}}`,
		`{"keys":[` + missingKey + `],"keys":[` + validKey + `]}`,
		`{"keys":[` + validKey + `],"keys":null}`,
		`{"keys":null,"keys":[` + validKey + `]}`,
		`{"keys":5,"keys":[` + validKey + `]}`,
		`{"keys":[` + validKey + `]} {}`,
		`{"keys":[` + validKey + `]}]`,
		`{"keys":[null]}`,
		`{"keys":[{}]}`,
		`{"keys":[` + strings.Replace(validKey, `"7dc0"`, `"7dc"`, 1) + `]}`,
		`{"keys":[` + strings.Replace(validKey, `"secret"`, `""`, 1) + `]}`,
		`{"keys":[` + strings.Replace(validKey, `"name"`, `"NAME"`, 1) + `]}`,
		`{"keys":[` + strings.Replace(validKey, `"name":"My API Key"`, `"name":"a","name":null`, 1) + `]}`,
		`{"\u212Aeys":[` + validKey + `]}`,
		`{"ke\u0079s":[` + validKey + `]}`,
		`[` + validKey + `]`,
		`null`,
		``,
		`{"keys":[` + validKey + `]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := decodeSmallKeys(body)
		slow, err := decodeKeysOneByOne(body)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("the small-answer decoder accepted %q, the one-by-one decoder says: %v", body, err)
		}
		if diff := cmp.Diff(slow, fast); diff != "" {
			t.Fatalf("the decoders disagree on %q (-one by one +small):\n%s", body, diff)
		}
	})
}

// A one-key and a twenty-key answer take the faster way.
func TestSmallAnswersTakeTheFastWay(t *testing.T) {
	for _, n := range []int{0, 1, 20} {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = validKey
		}
		body := `{"keys":[` + strings.Join(keys, ",") + `]}`
		if got, ok := decodeSmallKeys([]byte(body)); !ok || len(got) != n || got == nil {
			t.Errorf("%d keys (%d bytes): ok=%t, %d keys", n, len(body), ok, len(got))
		}
	}
}
