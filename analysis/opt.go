package analysis

import "encoding/json"

// Opt is a value that may be undefined, such as the SD of one rating or the
// p-value of a test without pairs. The zero Opt is undefined. It marshals to
// JSON null when undefined, because the spec requires exports to show an
// undefined statistic as null (and the UI as "—"), never as 0.
type Opt[T any] struct {
	Value T
	Valid bool
}

// Some returns a defined Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{Value: v, Valid: true} }

// Get returns the value and whether it is defined.
func (o Opt[T]) Get() (T, bool) { return o.Value, o.Valid }

// Or returns the value if defined, otherwise def.
func (o Opt[T]) Or(def T) T {
	if o.Valid {
		return o.Value
	}
	return def
}

// MarshalJSON writes null for an undefined value.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}

// UnmarshalJSON reads null as undefined, so results can round-trip through
// JSON (for example in a cache or an export re-import).
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*o = Opt[T]{}
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Some(v)
	return nil
}

// someIf returns Some(v) when ok, otherwise an undefined Opt.
func someIf[T any](v T, ok bool) Opt[T] {
	if !ok {
		return Opt[T]{}
	}
	return Some(v)
}
