package flexapi

import "encoding/json"

// smallBody is the largest answer decodeSmallKeys takes: some twenty keys.
// The one-by-one decoder bounds a large answer's memory by its size; one
// json.Unmarshal of a small one allocates at most a few hundred kilobytes
// whatever it holds ({} after {} included), and costs a one-key call about
// a third less than the one-by-one decoder's tokens.
const smallBody = 4 << 10

// decodeSmallKeys decodes a small list answer with one json.Unmarshal and
// checks its keys. It reports false, and the caller takes the one-by-one
// decoder, for anything that decoder could answer differently: a large
// body, any decoding error, "keys" absent, null or given more than once
// (the one-by-one decoder checks every "keys" it meets, not only the last),
// any key that fails its check. Its errors are the one-by-one decoder's.
func decodeSmallKeys(body []byte) ([]APIKey, bool) {
	if len(body) > smallBody {
		return nil, false
	}
	var answer struct {
		Keys countedKeys `json:"keys"`
	}
	if json.Unmarshal(body, &answer) != nil || answer.Keys.seen != 1 || answer.Keys.wire == nil {
		return nil, false
	}
	keys := make([]APIKey, len(answer.Keys.wire))
	for i := range answer.Keys.wire {
		k, err := answer.Keys.wire[i].key()
		if err != nil {
			return nil, false
		}
		keys[i] = k
	}
	return keys, true
}

// countedKeys is the value of "keys", with how many times the answer gave
// one.
type countedKeys struct {
	wire []wireKey
	seen int
}

func (c *countedKeys) UnmarshalJSON(b []byte) error {
	c.seen++
	c.wire = nil
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &c.wire)
}
