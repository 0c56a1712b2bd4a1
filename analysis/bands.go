package analysis

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Scale is the inclusive integer rating scale of a study, such as 1–9.
type Scale struct {
	Min, Max int
}

const (
	// MaxScalePoints bounds the number of points so that frequency tables
	// stay small; 101 allows a 0–100 visual analogue scale.
	MaxScalePoints = 101
	// MaxScaleValue bounds |Min| and |Max|, which keeps the exact integer
	// sums of squares far from overflow and leaves room for the Response codes.
	MaxScaleValue = 1000
)

// Points returns the number of scale points (9 for 1–9).
func (s Scale) Points() int { return s.Max - s.Min + 1 }

// Contains reports whether v is on the scale.
func (s Scale) Contains(v int) bool { return v >= s.Min && v <= s.Max }

// String formats the scale as "1-9".
func (s Scale) String() string { return strconv.Itoa(s.Min) + "-" + strconv.Itoa(s.Max) }

// Validate checks that the scale has at least two points and fits the limits.
func (s Scale) Validate() error {
	switch {
	case s.Min >= s.Max:
		return fmt.Errorf("analysis: scale %s: minimum must be below maximum", s)
	case s.Min < -MaxScaleValue || s.Max > MaxScaleValue:
		return fmt.Errorf("analysis: scale %s: values must lie within ±%d", s, MaxScaleValue)
	case s.Points() > MaxScalePoints:
		return fmt.Errorf("analysis: scale %s: at most %d points are supported", s, MaxScalePoints)
	}
	return nil
}

// ParseScale parses "MIN-MAX", for example "1-9", "0-10" or "-3-3".
func ParseScale(str string) (Scale, error) {
	lo, hi, err := parseRange(strings.TrimSpace(str))
	if err != nil {
		return Scale{}, fmt.Errorf("analysis: scale %q: %w", str, err)
	}
	s := Scale{Min: lo, Max: hi}
	if err := s.Validate(); err != nil {
		return Scale{}, err
	}
	return s, nil
}

// Band is an inclusive range of scale points. A band with Hi < Lo is empty;
// only the neutral band may be empty (forced-choice scales such as 1–4).
type Band struct {
	Lo, Hi int
}

// Empty reports whether the band contains no scale point.
func (b Band) Empty() bool { return b.Hi < b.Lo }

// Contains reports whether v lies in the band.
func (b Band) Contains(v int) bool { return v >= b.Lo && v <= b.Hi }

// String formats the band as "4-6", "5" for a single point, or "" when empty.
func (b Band) String() string {
	switch {
	case b.Empty():
		return ""
	case b.Lo == b.Hi:
		return strconv.Itoa(b.Lo)
	}
	return strconv.Itoa(b.Lo) + "-" + strconv.Itoa(b.Hi)
}

// Bands splits the scale into disagree / neutral / agree ("not important" /
// … / "critical" on a GRADE scale). Percent agreement, COMET, the IQR rule's
// direction and McNemar's "agree" all read these bands.
type Bands struct {
	Disagree, Neutral, Agree Band
}

// BandKind names one of the three bands.
type BandKind uint8

// The three bands, in scale order.
const (
	BandDisagree BandKind = iota
	BandNeutral
	BandAgree
)

// String returns "disagree", "neutral" or "agree".
func (k BandKind) String() string {
	switch k {
	case BandDisagree:
		return "disagree"
	case BandNeutral:
		return "neutral"
	case BandAgree:
		return "agree"
	}
	return "BandKind(" + strconv.Itoa(int(k)) + ")"
}

// Of returns the band of a scale point. It relies on validated bands, which
// are contiguous, so two comparisons suffice.
func (b Bands) Of(v int) BandKind {
	switch {
	case v <= b.Disagree.Hi:
		return BandDisagree
	case v >= b.Agree.Lo:
		return BandAgree
	}
	return BandNeutral
}

// DefaultBands returns the default bands of SPEC §0.2 for 5-, 7- and 9-point
// scales (1–2/3/4–5, 1–3/4/5–7, 1–3/4–6/7–9, shifted if the scale does not
// start at 1). The spec gives no default for other sizes, so this function
// chooses, and documents, these:
//
//   - fewer than 9 points: the points below the midpoint disagree, the
//     midpoint (odd sizes only) neutral, the points above it agree; this is
//     the rule the 5- and 7-point defaults follow, and an even scale gets no
//     neutral band (1–4 → 1–2 / none / 3–4);
//   - 9 points or more: the lowest third (rounded down) disagree, the highest
//     third agree, the rest neutral, as the 9-point default does (0–10 →
//     0–2 / 3–7 / 8–10).
func DefaultBands(s Scale) Bands {
	p := s.Points()
	var k int // points in each outer band
	if p < 9 {
		k = p / 2
	} else {
		k = p / 3
	}
	return Bands{
		Disagree: Band{Lo: s.Min, Hi: s.Min + k - 1},
		Neutral:  Band{Lo: s.Min + k, Hi: s.Max - k},
		Agree:    Band{Lo: s.Max - k + 1, Hi: s.Max},
	}
}

// Validate checks the rule of SPEC §0.2: the bands are inclusive ranges in
// scale order (disagree, neutral, agree) that do not overlap, leave no gap and
// cover the whole scale. The disagree and agree bands must not be empty.
func (b Bands) Validate(s Scale) error {
	if err := s.Validate(); err != nil {
		return err
	}
	type named struct {
		name string
		band Band
	}
	seq := []named{{"disagree", b.Disagree}}
	if !b.Neutral.Empty() {
		seq = append(seq, named{"neutral", b.Neutral})
	}
	seq = append(seq, named{"agree", b.Agree})
	if b.Disagree.Empty() || b.Agree.Empty() {
		return fmt.Errorf("analysis: bands %s: the disagree and agree bands must not be empty", b)
	}
	if b.Disagree.Lo != s.Min {
		if b.Disagree.Lo > s.Min {
			return fmt.Errorf("analysis: bands %s: scale point %d is in no band (the disagree band must start at %d)", b, s.Min, s.Min)
		}
		return fmt.Errorf("analysis: bands %s: disagree band %s starts below the scale %s", b, b.Disagree, s)
	}
	for i := 1; i < len(seq); i++ {
		prev, cur := seq[i-1], seq[i]
		switch {
		case cur.band.Lo <= prev.band.Hi:
			return fmt.Errorf("analysis: bands %s: %s band %s and %s band %s overlap", b, prev.name, prev.band, cur.name, cur.band)
		case cur.band.Lo > prev.band.Hi+1:
			return fmt.Errorf("analysis: bands %s: scale point %d is in no band (gap between %s and %s)", b, prev.band.Hi+1, prev.name, cur.name)
		}
	}
	if b.Agree.Hi != s.Max {
		if b.Agree.Hi < s.Max {
			return fmt.Errorf("analysis: bands %s: scale point %d is in no band (the agree band must end at %d)", b, s.Max, s.Max)
		}
		return fmt.Errorf("analysis: bands %s: agree band %s ends above the scale %s", b, b.Agree, s)
	}
	return nil
}

// String formats the bands in the syntax ParseBands reads: "1-3,4-6,7-9",
// or "1-2,,3-4" without a neutral band.
func (b Bands) String() string {
	return b.Disagree.String() + "," + b.Neutral.String() + "," + b.Agree.String()
}

// ParseBands parses "DISAGREE,NEUTRAL,AGREE" where each band is "LO-HI" or a
// single point "N", for example "1-3,4-6,7-9" or "1-2,3,4-5". An empty
// neutral field ("1-2,,3-4") means no neutral band. The result is not
// validated against a scale; call Validate.
func ParseBands(str string) (Bands, error) {
	parts := strings.Split(str, ",")
	if len(parts) != 3 {
		return Bands{}, fmt.Errorf("analysis: bands %q: want three comma-separated ranges DISAGREE,NEUTRAL,AGREE such as 1-3,4-6,7-9", str)
	}
	var out [3]Band
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			if i != 1 {
				return Bands{}, fmt.Errorf("analysis: bands %q: only the neutral band may be empty", str)
			}
			out[i] = Band{Lo: 1, Hi: 0}
			continue
		}
		lo, hi, err := parseRange(p)
		if err != nil {
			if n, nerr := strconv.Atoi(p); nerr == nil {
				lo, hi, err = n, n, nil
			}
		}
		if err != nil {
			return Bands{}, fmt.Errorf("analysis: bands %q: %q: %w", str, p, err)
		}
		if hi < lo {
			return Bands{}, fmt.Errorf("analysis: bands %q: range %q is reversed", str, p)
		}
		out[i] = Band{Lo: lo, Hi: hi}
	}
	b := Bands{Disagree: out[0], Neutral: out[1], Agree: out[2]}
	if b.Neutral.Empty() {
		// Park the empty band where the neutral band would be, so that a
		// printed setting reads naturally.
		b.Neutral = Band{Lo: b.Disagree.Hi + 1, Hi: b.Disagree.Hi}
	}
	return b, nil
}

// parseRange parses "LO-HI" where either number may be negative ("-3--1").
func parseRange(s string) (lo, hi int, err error) {
	for i := 1; i < len(s); i++ {
		if s[i] == '-' && s[i-1] >= '0' && s[i-1] <= '9' {
			lo, err1 := strconv.Atoi(strings.TrimSpace(s[:i]))
			hi, err2 := strconv.Atoi(strings.TrimSpace(s[i+1:]))
			if err1 != nil || err2 != nil {
				break
			}
			return lo, hi, nil
		}
	}
	return 0, 0, errors.New("want two whole numbers LO-HI")
}

// MarshalJSON writes a band as [lo, hi], or null when empty.
func (b Band) MarshalJSON() ([]byte, error) {
	if b.Empty() {
		return []byte("null"), nil
	}
	return json.Marshal([2]int{b.Lo, b.Hi})
}

// UnmarshalJSON reads [lo, hi]; null is an empty band.
func (b *Band) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*b = Band{Lo: 1, Hi: 0}
		return nil
	}
	var lh [2]int
	if err := json.Unmarshal(data, &lh); err != nil {
		return err
	}
	*b = Band{Lo: lh[0], Hi: lh[1]}
	return nil
}
