package flexapi

import "github.com/flexcontract/flexfactor-apikeys/internal/redact"

// KeyValue is the full value of a key just created: a secret. It prints as
// its last four characters behind a mask ("[REDACTED]…7dc0"), whatever the
// fmt verb (%v, %+v, %#v, %s, %q, %x...), also inside a struct, a copy of
// one or a slice, and it encodes to JSON the same way. Reveal is the one way
// to read the value; LastFour and IsZero are the others of its methods.
//
// It is the key-value wrapper the client, the double and the contract suite
// share.
type KeyValue = redact.KeyValue
