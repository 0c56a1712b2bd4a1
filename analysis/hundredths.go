package analysis

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Hundredths is a fixed-point number with two decimals: 725 is 7.25.
//
// Every quantile of integer ratings used here is an exact multiple of 1/100
// (SPEC §0.3), and thresholds such as "percent:66.5" or "iqr:1.5" have at most
// two decimals, so decisions compare Hundredths as integers and never see
// floating-point noise.
type Hundredths int64

// Float returns the value as float64. The conversion divides two exactly
// representable integers, so it is the correctly rounded value (identical to
// the reference vectors, which convert exact fractions).
func (h Hundredths) Float() float64 { return float64(h) / 100 }

// String formats without trailing zeros: 7.25, 7.5, 7.
func (h Hundredths) String() string {
	neg := h < 0
	if neg {
		h = -h
	}
	s := strconv.FormatInt(int64(h/100), 10)
	if frac := h % 100; frac != 0 {
		f := strconv.FormatInt(int64(frac)+100, 10)[1:]
		s += "." + strings.TrimRight(f, "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParseHundredths parses a non-negative decimal with at most two decimals,
// such as "75", "66.5" or "1.25".
func ParseHundredths(s string) (Hundredths, error) {
	s = strings.TrimSpace(s)
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && (frac == "" || len(frac) > 2)) {
		return 0, errors.New("want a number with at most two decimals")
	}
	w, err := strconv.ParseUint(whole, 10, 31)
	if err != nil {
		return 0, errors.New("want a number with at most two decimals")
	}
	h := Hundredths(w) * 100
	if hasDot {
		f, err := strconv.ParseUint(frac, 10, 8)
		if err != nil {
			return 0, errors.New("want a number with at most two decimals")
		}
		if len(frac) == 1 {
			f *= 10
		}
		h += Hundredths(f)
	}
	return h, nil
}

// MarshalJSON writes the exact decimal, e.g. 7.25.
func (h Hundredths) MarshalJSON() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalJSON reads an exact decimal written by MarshalJSON.
func (h *Hundredths) UnmarshalJSON(b []byte) error {
	s := string(b)
	neg := strings.HasPrefix(s, "-")
	v, err := ParseHundredths(strings.TrimPrefix(s, "-"))
	if err != nil {
		return fmt.Errorf("analysis: hundredths %q: %w", s, err)
	}
	if neg {
		v = -v
	}
	*h = v
	return nil
}
