package redact

import (
	"encoding/json"
	"fmt"
)

// Text is a string that never prints: whatever the fmt verb, and in JSON,
// it shows as Placeholder. It holds a credential the program sends (a
// token, an AppSecret). Note that fmt does not call methods on unexported
// struct fields, so the types holding a Text format themselves too.
type Text string

func (Text) String() string               { return Placeholder }
func (Text) GoString() string             { return Placeholder }
func (Text) Format(f fmt.State, _ rune)   { fmt.Fprint(f, Placeholder) }
func (Text) MarshalJSON() ([]byte, error) { return json.Marshal(Placeholder) }

// KeyValue is the full value of an API key: a secret. It prints as its last
// four characters behind a mask, whatever the fmt verb (%v, %+v, %#v, %s,
// %q, %x...), also inside a struct, a copy of one or a slice, and it
// encodes to JSON the same way. Reveal is the one way to read the value.
//
// The value lives behind a pointer: a struct that keeps a KeyValue in an
// unexported field, where fmt cannot call its methods, prints an address,
// never the value.
type KeyValue struct {
	v *string
}

// NewKeyValue wraps a value.
func NewKeyValue(s string) KeyValue { return KeyValue{v: &s} }

// Reveal returns the full value. Store it where secrets go; never log it.
func (k KeyValue) Reveal() string {
	if k.v == nil {
		return ""
	}
	return *k.v
}

// LastFour returns the value's last four characters (bytes), what the list
// call shows as last_four, or the whole value when it is shorter.
func (k KeyValue) LastFour() string {
	s := k.Reveal()
	return s[len(s)-min(len(s), 4):]
}

// IsZero reports whether the key has no value.
func (k KeyValue) IsZero() bool { return k.Reveal() == "" }

// String shows the value masked: "[REDACTED]…7dc0".
func (k KeyValue) String() string {
	if k.IsZero() {
		return "[EMPTY]"
	}
	return Placeholder + "…" + k.LastFour()
}

// GoString is String: %#v must not print the value.
func (k KeyValue) GoString() string { return k.String() }

// Format prints String for every verb, so that no verb reaches the value.
func (k KeyValue) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// MarshalJSON encodes the masked form: a struct holding a KeyValue may be
// logged as JSON without leaking it.
func (k KeyValue) MarshalJSON() ([]byte, error) { return json.Marshal(k.String()) }

// UnmarshalJSON reads the value from a JSON string, as the create call's
// answer carries it (null reads as no value). Its errors quote no value.
func (k *KeyValue) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*k = NewKeyValue(s)
	return nil
}
