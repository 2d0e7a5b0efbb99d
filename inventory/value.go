// Package inventory is the normalized model of what the scanners read from
// the clouds. Rules and reports read it; scanners fill it. No SDK type and no
// verdict lives here.
package inventory

import (
	"bytes"
	"encoding/json"
	"time"
)

// Opt is a value a scanner may have failed to read. The zero Opt is unknown;
// an unknown value encodes as JSON null (or is left out with omitzero) and a
// null decodes back to unknown, so known-false and unknown never mix.
type Opt[T any] struct {
	v     T
	known bool
}

// Known returns a known value.
func Known[T any](v T) Opt[T] { return Opt[T]{v: v, known: true} }

// Get returns the value and whether it is known.
func (o Opt[T]) Get() (T, bool) { return o.v, o.known }

// IsKnown reports whether the scanner read the value.
func (o Opt[T]) IsKnown() bool { return o.known }

// IsZero makes `omitzero` leave unknown values out of the JSON.
func (o Opt[T]) IsZero() bool { return !o.known }

// MarshalJSON encodes an unknown value as null.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.known {
		return []byte("null"), nil
	}
	return json.Marshal(o.v)
}

// UnmarshalJSON decodes null as unknown.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*o = Opt[T]{}
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Known(v)
	return nil
}

// Bool is a tri-state boolean: known true, known false or unknown.
type Bool = Opt[bool]

// Int is an integer that may be unknown.
type Int = Opt[int]

// Time is a point in time that may be unknown. A known zero Time means
// "never" (for example a credential that was never used).
type Time = Opt[time.Time]

// String is a string that may be unknown.
type String = Opt[string]

// Shorthands for the common known values.
var (
	True  = Known(true)
	False = Known(false)
)
