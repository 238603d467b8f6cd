package flexapi_test

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// TestEveryKeyHasItsFiveFields: the spec requires name, type, created_at,
// last_used and last_four in every key, only last_used may be null, type is
// not empty and last_four has four characters. A key that breaks this fails
// the whole list with a *DecodeError naming the key, the member and the
// spec's rule (the words are kin-openapi's, from openapi.yaml): a payments
// team acting on a partial or zero-valued list is worse off than one told
// the answer was wrong.
func TestEveryKeyHasItsFiveFields(t *testing.T) {
	const good = `{"name": "K", "type": "secret", "created_at": "2024-11-16T12:00:00Z", "last_used": null, "last_four": "7dc0"}`
	without := func(field string) string {
		for _, f := range strings.Split(strings.Trim(good, "{}"), ", ") {
			if strings.HasPrefix(f, `"`+field+`"`) {
				return strings.Replace(strings.Replace(good, f+", ", "", 1), ", "+f, "", 1)
			}
		}
		panic(field)
	}
	plus := func(field, value string) string {
		return strings.Replace(good, "{", `{"`+field+`": `+value+", ", 1)
	}
	with := func(field, value string) string {
		return strings.Replace(without(field), "{", `{"`+field+`": `+value+", ", 1)
	}
	tests := []struct {
		name, keys, want string
	}{
		{"an empty key", `{}`, `key 0: property "name" is missing`},
		{"no name", without("name"), `key 0: property "name" is missing`},
		{"no type", without("type"), `key 0: property "type" is missing`},
		{"no created_at", without("created_at"), `key 0: property "created_at" is missing`},
		{"no last_used", without("last_used"), `key 0: property "last_used" is missing`},
		{"no last_four", without("last_four"), `key 0: property "last_four" is missing`},
		{"a null name", with("name", "null"), `key 0: "name" is null`},
		{"a null type", with("type", "null"), `key 0: "type" is null`},
		{"an empty type", with("type", `""`), `key 0: "type": minimum string length is 1`},
		{"a null created_at", with("created_at", "null"), `key 0: "created_at" is null`},
		{"a null last_four", with("last_four", "null"), `key 0: "last_four" is null`},
		{"a 40-character last_four", with("last_four", `"`+strings.Repeat("x", 40)+`"`), `key 0: "last_four": maximum string length is 4`},
		{"a 3-character last_four", with("last_four", `"abc"`), `key 0: "last_four": minimum string length is 4`},
		{"a number for a name", with("name", "7"), `key 0: "name": value must be a string`},
		{"a bad date", with("created_at", `"yesterday"`), `key 0: "created_at" is not an RFC 3339 date-time (the spec's format)`},
		{"a null key", `null`, `key 0 is null`},
		{"a number for a key", `0`, `key 0: value must be an object`},
		{"the second key broken", good + `, {}`, `key 1: property "name" is missing`},
		{"the 65th key broken, in the second batch", strings.Repeat(good+`, `, 64) + with("last_four", "null"), `key 64: "last_four" is null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFF(t)
			f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
				writeJSON(w, http.StatusOK, `{"keys": [`+tt.keys+`]}`)
			}
			list, err := newClient(t, f).ListAPIKeys(context.Background(), exampleMID)
			var de *flexapi.DecodeError
			if list != nil || !errors.As(err, &de) {
				t.Fatalf("list %v, error %v: want a *DecodeError", list, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want %q", err, tt.want)
			}
		})
	}

	t.Run("what the spec allows", func(t *testing.T) {
		f := newFakeFF(t)
		f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
			writeJSON(w, http.StatusOK, `{"keys": [`+good+`, `+with("type", `"future-type"`)+`, `+
				plus("extra", `{"a": [1]}`)+`, `+with("name", `""`)+`, `+with("last_four", `"ab\u00e9d"`)+`]}`)
		}
		list := mustList(t, newClient(t, f), exampleMID)
		if len(list.Keys) != 5 || list.Keys[0].LastUsed != nil || list.Keys[4].LastFour != "abéd" {
			t.Errorf("keys %+v", list.Keys)
		}
	})
	t.Run("a member that differs from a declared one only in case is not that member", func(t *testing.T) {
		// encoding/json would decode "LAST_FOUR" into LastFour, a value
		// the schema never checked.
		f := newFakeFF(t)
		f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
			writeJSON(w, http.StatusOK, `{"keys": [`+strings.Replace(good, "}", `, "LAST_FOUR": "not four", "Name": 7}`, 1)+`]}`)
		}
		list := mustList(t, newClient(t, f), exampleMID)
		if len(list.Keys) != 1 || list.Keys[0].LastFour != "7dc0" || list.Keys[0].Name != "K" {
			t.Errorf("keys %+v", list.Keys)
		}
	})
	t.Run("a field given twice is its last occurrence", func(t *testing.T) {
		// encoding/json's rule, names matched case-insensitively: an
		// earlier null neither sticks nor fails the key.
		used := with("last_used", `"2024-11-18T10:00:00Z"`)
		f := newFakeFF(t)
		f.list = func(w http.ResponseWriter, _ *http.Request, _ int) {
			writeJSON(w, http.StatusOK, `{"keys": [`+plus("NAME", "null")+`, `+
				strings.Replace(used, "{", `{"last_used": null, `, 1)+`, `+plus("last_four", `"wxyz"`)+`]}`)
		}
		list := mustList(t, newClient(t, f), exampleMID)
		if len(list.Keys) != 3 || list.Keys[0].Name != "K" || list.Keys[1].LastUsed == nil || list.Keys[2].LastFour != "7dc0" {
			t.Errorf("keys %+v", list.Keys)
		}
	})
}

// maxAllocPerBodyByte is the limits promise: for any 2xx body under the
// cap, a list call allocates at most this many times the body's size.
// benchcheck checks the same figure from BenchmarkCostlyBodies.
const maxAllocPerBodyByte = 8

// costlyBody is a 2xx body under the cap that costs the most per byte.
type costlyBody struct {
	name, body string
	keys       int // -1: a *DecodeError
}

// costlyBodies are bodies of about size bytes: empty keys (which
// encoding/json would allocate millions of before anything could be
// checked), numbers for keys, the smallest valid keys, one huge unknown
// field, and valid keys that carry what the spec does not declare: a large
// member (2,000 small objects, which a generic decode would make 2,000
// maps of), a member that differs from a declared one only in case, many
// small members, a long string, a deep nesting.
func costlyBodies(size int) []costlyBody {
	// fill repeats item between prefix and suffix to about size bytes,
	// and says how many times.
	fill := func(prefix, item, suffix string) (string, int) {
		n := (size - len(prefix) - len(suffix)) / (len(item) + 1)
		return prefix + strings.Repeat(item+",", n-1) + item + suffix, n
	}
	const smallest = `{"name":"","type":"x","created_at":"2024-11-16T12:00:00Z","last_used":null,"last_four":"abcd"}`
	// carrying is the smallest valid key with members put before its own.
	carrying := func(members string) string { return "{" + members + "," + smallest[1:] }
	validKeys := func(name, key string) costlyBody {
		body, n := fill(`{"keys":[`, key, `]}`)
		return costlyBody{name, body, n}
	}
	failing := func(name, key string) costlyBody {
		body, _ := fill(`{"keys":[`, key, `]}`)
		return costlyBody{name, body, -1}
	}
	return []costlyBody{
		failing("empty objects", `{}`),
		failing("numbers", `0`),
		validKeys("the smallest valid keys", smallest),
		{"a huge unknown field", `{"keys":[],"x":"` + strings.Repeat("y", size-20) + `"}`, 0},
		validKeys("keys with a large unknown member", carrying(`"x":[`+strings.Repeat(`{"a":1},`, 2000)+`1]`)),
		validKeys("keys with a member named like a declared one", carrying(`"NAME":"x"`)),
		validKeys("keys with many unknown members", carrying(strings.Repeat(`"a":1,`, 1000)+`"a":1`)),
		validKeys("keys with a long unknown string", carrying(`"x":"`+strings.Repeat("y", 16000)+`"`)),
		validKeys("keys with a deep unknown member", carrying(`"x":`+strings.Repeat("[", 5000)+strings.Repeat("]", 5000))),
		{"a key that is one large array", `{"keys":[[` + fillItems(size-12, `{"a":1}`) + `]]}`, -1},
		{"a name that is one large array", `{"keys":[{"name":[` + fillItems(size-22, `{"a":1}`) + `]}]}`, -1},
	}
}

// fillItems is item repeated, comma-separated, to about size bytes.
func fillItems(size int, item string) string {
	return strings.Repeat(item+",", size/(len(item)+1)-1) + item
}

// TestAllocationIsBoundedByTheBodySize: each costly body, 9 MiB and chunked
// (the costlier way to read), stays within the promise.
func TestAllocationIsBoundedByTheBodySize(t *testing.T) {
	for _, tt := range costlyBodies(9 << 20) {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFF(t)
			c := newClient(t, f)
			mustList(t, c, "warm-up") // the token exchange does not count
			f.list = func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, http.StatusOK, tt.body) }

			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			list, err := c.ListAPIKeys(context.Background(), exampleMID)
			runtime.ReadMemStats(&after)

			switch {
			case tt.keys < 0 && !errors.Is(err, flexapi.ErrMalformedResponse):
				t.Errorf("error %v: want a malformed response", err)
			case tt.keys >= 0 && (err != nil || len(list.Keys) != tt.keys):
				t.Errorf("error %v: want %d keys", err, tt.keys)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%.1f MiB body: %.1f MiB allocated, %.2f per body byte", float64(len(tt.body))/(1<<20),
				float64(alloc)/(1<<20), float64(alloc)/float64(len(tt.body)))
			if alloc > maxAllocPerBodyByte*uint64(len(tt.body)) {
				t.Errorf("allocated %.1f MiB for a %.1f MiB body: want at most %d times its size",
					float64(alloc)/(1<<20), float64(len(tt.body))/(1<<20), maxAllocPerBodyByte)
			}
		})
	}
}
