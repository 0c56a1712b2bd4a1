package rounds

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/analysis"
)

// NumericSettings are a numeric round's options (issue 17: "in which year
// …", "what share of …"), stored as JSON in rounds.kind_settings. Every
// statement of the round is a question whose answer is one number.
type NumericSettings struct {
	Unit     string  `json:"unit"`     // shown after the number: "year", "%"
	Min      float64 `json:"min"`      // the smallest estimate accepted
	Max      float64 `json:"max"`      // the largest
	Decimals int     `json:"decimals"` // 0: whole numbers; at most MaxDecimals
	// Confidence asks each expert how sure they are, 1 (not at all) to 5
	// (very), beside each estimate.
	Confidence bool `json:"confidence"`
}

// Limits of a numeric round's options.
const (
	MaxDecimals  = 4
	MaxUnitChars = 20
	// maxMagnitude bounds min and max: beyond it a float64 no longer holds
	// every number of MaxDecimals decimals exactly enough to check them.
	maxMagnitude = 1e12
)

// DefaultNumericSettings are a new numeric round's options: a share in
// per cent, whole numbers, no confidence question.
func DefaultNumericSettings() NumericSettings {
	return NumericSettings{Unit: "%", Min: 0, Max: 100}
}

// Check reports every problem with the options by field, as the API and
// the form name them: numeric.unit, numeric.min, numeric.max,
// numeric.decimals.
func (s NumericSettings) Check() FieldErrors {
	var fe FieldErrors
	if n := utf8.RuneCountInString(s.Unit); n > MaxUnitChars {
		fe = append(fe, FieldError{Field: "numeric.unit", Message: fmt.Sprintf("the unit is %d characters long; at most %d (such as \"year\" or \"%%\")", n, MaxUnitChars)})
	}
	okMin := !math.IsNaN(s.Min) && math.Abs(s.Min) <= maxMagnitude
	okMax := !math.IsNaN(s.Max) && math.Abs(s.Max) <= maxMagnitude
	if !okMin {
		fe = append(fe, FieldError{Field: "numeric.min", Message: fmt.Sprintf("give the smallest estimate accepted as a number between %g and %g", -maxMagnitude, maxMagnitude)})
	}
	if !okMax {
		fe = append(fe, FieldError{Field: "numeric.max", Message: fmt.Sprintf("give the largest estimate accepted as a number between %g and %g", -maxMagnitude, maxMagnitude)})
	}
	if okMin && okMax && s.Min >= s.Max {
		fe = append(fe, FieldError{Field: "numeric.max", Message: fmt.Sprintf("the largest estimate (%s) must be above the smallest (%s)", s.Format(s.Max), s.Format(s.Min))})
	}
	if s.Decimals < 0 || s.Decimals > MaxDecimals {
		fe = append(fe, FieldError{Field: "numeric.decimals", Message: fmt.Sprintf("decimals must be between 0 (whole numbers) and %d, not %d", MaxDecimals, s.Decimals)})
	}
	return fe
}

// Format writes x with the round's decimals, with a point ("2040",
// "12.5"); the pages write it in the expert's locale instead.
func (s NumericSettings) Format(x float64) string {
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// EncodeNumeric is the options as stored in rounds.kind_settings.
func EncodeNumeric(s NumericSettings) string {
	b, _ := json.Marshal(s) // a struct of plain fields always marshals
	return string(b)
}

// DecodeNumeric reads stored options; "" (a round stored before it had
// any) gives the defaults.
func DecodeNumeric(stored string) (NumericSettings, error) {
	if strings.TrimSpace(stored) == "" {
		return DefaultNumericSettings(), nil
	}
	var s NumericSettings
	if err := json.Unmarshal([]byte(stored), &s); err != nil {
		return s, fmt.Errorf("rounds: numeric settings: %w", err)
	}
	return s, nil
}

// Reasons an estimate is refused; the expert's page says each in the
// expert's language.
var (
	ErrEstimateNotNumber    = errors.New("the estimate is not a number")
	ErrEstimateOutOfRange   = errors.New("the estimate is outside the range asked for")
	ErrEstimateDecimals     = errors.New("the estimate has more decimals than asked for")
	ErrConfidenceNotOnScale = errors.New("the confidence is not between 1 and 5")
)

// ParseEstimate reads an estimate as an expert types it: "2040", "12.5",
// "12,5" (a decimal comma, as many languages write it), with spaces
// around or inside ("1 250"). "" is no estimate (nil). A number outside
// min–max or with more decimals than asked for is refused, never rounded
// or clipped.
func (s NumericSettings) ParseEstimate(text string) (*float64, error) {
	t := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '\u202f', '\'': // group separators people type
			return -1
		case ',':
			return '.'
		case '\u2212': // the minus sign
			return '-'
		}
		return r
	}, strings.TrimSpace(text))
	if t == "" {
		return nil, nil
	}
	if strings.Count(t, ".") > 1 || strings.ContainsAny(t, "eEinfINFxX_") {
		return nil, ErrEstimateNotNumber
	}
	x, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return nil, ErrEstimateNotNumber
	}
	if i := strings.IndexByte(t, '.'); i >= 0 && len(strings.TrimRight(t[i+1:], "0")) > s.Decimals {
		return nil, ErrEstimateDecimals
	}
	if x < s.Min || x > s.Max {
		return nil, ErrEstimateOutOfRange
	}
	if x == 0 {
		x = 0 // no "-0"
	}
	return &x, nil
}

// ParseConfidence reads the confidence choice: "" (none) or 1–5.
func ParseConfidence(text string) (*int, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	c, err := strconv.Atoi(text)
	if err != nil || c < 1 || c > 5 {
		return nil, ErrConfidenceNotOnScale
	}
	return &c, nil
}

// NumericFeedback is what the next round shows of a numeric statement:
// the panel's median and quartiles (the study's quantile type) over the
// estimates given, and how many gave one. It is frozen, as JSON, into
// the next round's statement when its draft is created; the expert's own
// earlier estimate is added on the page (it is theirs alone).
type NumericFeedback struct {
	Kind   Kind     `json:"kind"`  // KindNumeric: tells it from a rating's Feedback
	Round  int      `json:"round"` // the round summarised
	Unit   string   `json:"unit"`
	N      int      `json:"n"` // estimates given
	Median *float64 `json:"median"`
	Q1     *float64 `json:"q1"`
	Q3     *float64 `json:"q3"`
	// Comments are the comments chosen to be shown, as with ratings.
	Comments []string `json:"comments,omitempty"`
	Previous string   `json:"previous_text,omitempty"` // the question asked before, when reworded
}

// BuildNumericFeedback summarises one statement's estimates of a closed
// round (nil entries: no estimate) with quantile type q.
func BuildNumericFeedback(round int, unit string, estimates []analysis.Opt[float64], q analysis.QuantileType, comments []string, previousText string) (NumericFeedback, error) {
	f := NumericFeedback{Kind: KindNumeric, Round: round, Unit: unit, Comments: comments, Previous: previousText}
	sum, err := analysis.SummarizeEstimates(estimates)
	if err != nil {
		return f, fmt.Errorf("rounds: numeric feedback: %w", err)
	}
	f.N = sum.N
	if v, ok := sum.Median.Get(); ok {
		f.Median = &v
	}
	if qs := sum.Quartiles(q); qs != nil {
		if v, ok := qs.Q1.Get(); ok {
			f.Q1 = &v
		}
		if v, ok := qs.Q3.Get(); ok {
			f.Q3 = &v
		}
	}
	return f, nil
}

// IsNumericFeedback tells whether frozen feedback (JSON) is a numeric
// statement's, without decoding all of it.
func IsNumericFeedback(frozen string) bool {
	var k struct {
		Kind Kind `json:"kind"`
	}
	return frozen != "" && json.Unmarshal([]byte(frozen), &k) == nil && k.Kind == KindNumeric
}
