package flexapi

import "github.com/flexcontract/flexfactor-apikeys/internal/redact"

// KeyValue is the full value of a key just created: a secret. It prints as
// its last four characters behind a mask ("[REDACTED]…7dc0"), whatever the
// fmt verb (%v, %+v, %#v, %s, %q, %x...), also inside a struct, a copy of
// one or a slice, and it encodes to JSON the same way. Its methods (an
// alias, it shows none of them in go doc):
//
//	func (k KeyValue) Reveal() string   // the full value: the one way to read it
//	func (k KeyValue) LastFour() string // the last four characters, the listing's last_four
//	func (k KeyValue) IsZero() bool     // no value
//	func (k KeyValue) String() string   // "[REDACTED]…7dc0" (GoString, Format, MarshalJSON alike)
//
// It decodes from the JSON string of a create answer. It is the key-value
// wrapper the client, the double and the contract suite share.
type KeyValue = redact.KeyValue
