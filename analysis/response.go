package analysis

import (
	"math"
	"strconv"
)

// Response is one expert's answer to one statement in one round: a rating on
// the scale, [Unable] or [Missing]. It is a plain int32 so that a round of a
// large study (experts × statements) stays a compact slice.
//
// A rating is stored as its value; the two codes use the lowest int32 values,
// which no scale can contain ([Scale.Validate] bounds scales to ±MaxScaleValue).
// Note that the zero Response is the rating 0, not Missing: fill new slices
// with Missing explicitly.
type Response int32

const (
	// Missing: the item was not answered, the expert did not take part in
	// the round, or the statement was not shown (SPEC §0.1).
	Missing Response = math.MinInt32
	// Unable: the expert took part but chose "unable to rate / no opinion".
	Unable Response = math.MinInt32 + 1
)

// Rating returns the Response for rating v.
func Rating(v int) Response { return Response(v) }

// IsRating reports whether r is a rating (neither Unable nor Missing).
func (r Response) IsRating() bool { return r > Unable }

// String returns the rating as a number, or "unable" / "missing".
func (r Response) String() string {
	switch r {
	case Missing:
		return "missing"
	case Unable:
		return "unable"
	}
	return strconv.Itoa(int(r))
}

// Ratings converts plain integers to Responses (a convenience for callers and
// tests that hold only valid ratings).
func Ratings(vs ...int) []Response {
	out := make([]Response, len(vs))
	for i, v := range vs {
		out[i] = Rating(v)
	}
	return out
}
