// Package rounds is the Delphi domain: a study's rating scale, bands and
// consensus definition (fixed before round 1 and locked when it launches),
// the round lifecycle and the carry-over of statements between rounds. It
// knows nothing of HTTP or SQL.
package rounds

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/fault"
)

// ErrSettingsLocked is returned when the scale or consensus definition is
// changed after round 1 launched without a protocol amendment.
var ErrSettingsLocked = fault.New(fault.Conflict, "the scale and consensus definition are locked since round 1 was launched; change them through a protocol amendment with a reason")

// FieldError is a problem with one setting, for display next to its field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// FieldErrors is a list of problems; it is an error when not empty.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	msgs := make([]string, len(fe))
	for i, e := range fe {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// For returns the message for one field, or "".
func (fe FieldErrors) For(field string) string {
	for _, e := range fe {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Band is an inclusive range of scale points. An empty band has Min > Max
// (the neutral band of an even scale such as 1–4).
type Band struct{ Min, Max int }

// Empty tells whether the band holds no scale point.
func (b Band) Empty() bool { return b.Min > b.Max }

// Contains tells whether rating x falls in the band.
func (b Band) Contains(x int) bool { return x >= b.Min && x <= b.Max }

func (b Band) String() string {
	if b.Empty() {
		return ""
	}
	if b.Min == b.Max {
		return strconv.Itoa(b.Min)
	}
	return fmt.Sprintf("%d-%d", b.Min, b.Max)
}

// Bands split the scale into disagree, neutral and agree (for 1–9 GRADE
// scales: not important, important but not critical, critical).
type Bands struct{ Disagree, Neutral, Agree Band }

// String writes the bands as "1-3,4-6,7-9" (neutral empty: "1-2,,3-4"),
// the form stored in the database and taken by the API and `delphi analyze`.
func (b Bands) String() string {
	return b.Disagree.String() + "," + b.Neutral.String() + "," + b.Agree.String()
}

// DefaultBands returns the bands of SPEC §0.2 for 1–5, 1–7 and 1–9, and for
// other scales the lower and upper thirds (rounded down) as disagree and
// agree, with the middle as neutral.
func DefaultBands(min, max int) Bands {
	switch {
	case min == 1 && max == 5:
		return Bands{Band{1, 2}, Band{3, 3}, Band{4, 5}}
	case min == 1 && max == 7:
		return Bands{Band{1, 3}, Band{4, 4}, Band{5, 7}}
	case min == 1 && max == 9:
		return Bands{Band{1, 3}, Band{4, 6}, Band{7, 9}}
	}
	points := max - min + 1
	third := points / 3
	if third == 0 {
		third = 1
	}
	if points%2 == 0 && points <= 4 { // 1–2, 1–4: no middle point
		third = points / 2
	}
	return Bands{Band{min, min + third - 1}, Band{min + third, max - third}, Band{max - third + 1, max}}
}

// ParseBands reads "1-3,4-6,7-9" and checks that the bands are in order,
// do not overlap, leave no gap and cover the scale min–max exactly.
func ParseBands(s string, min, max int) (Bands, error) {
	parts := strings.Split(strings.ReplaceAll(s, " ", ""), ",")
	if len(parts) != 3 {
		return Bands{}, fmt.Errorf("%q: give three bands, disagree,neutral,agree, such as 1-3,4-6,7-9", s)
	}
	var bands [3]Band
	names := [3]string{"disagree", "neutral", "agree"}
	for i, p := range parts {
		if p == "" && i == 1 {
			bands[i] = Band{1, 0} // empty neutral band, placed below
			continue
		}
		lo, hi, found := strings.Cut(p, "-")
		if !found {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a > b {
			return Bands{}, fmt.Errorf("the %s band %q is not a range such as 1-3", names[i], p)
		}
		bands[i] = Band{a, b}
	}
	if bands[1].Empty() {
		bands[1] = Band{bands[0].Max + 1, bands[0].Max}
	}
	return bands[0].checked(bands[1], bands[2], min, max)
}

// NewBands builds bands from the form's six numbers and checks them like ParseBands.
func NewBands(d, n, a Band, min, max int) (Bands, error) { return d.checked(n, a, min, max) }

func (d Band) checked(n, a Band, min, max int) (Bands, error) {
	b := Bands{d, n, a}
	if d.Min != min {
		return b, fmt.Errorf("the disagree band must start at the lowest scale point, %d", min)
	}
	if a.Max != max {
		return b, fmt.Errorf("the agree band must end at the highest scale point, %d", max)
	}
	if d.Empty() || a.Empty() {
		return b, fmt.Errorf("the disagree and agree bands must each hold at least one scale point")
	}
	next := d.Max + 1
	for _, x := range []struct {
		name string
		band Band
	}{{"neutral", n}, {"agree", a}} {
		if x.band.Empty() {
			continue
		}
		if x.band.Min < next {
			return b, fmt.Errorf("the %s band %s overlaps the band below it", x.name, x.band)
		}
		if x.band.Min > next {
			return b, fmt.Errorf("the bands leave a gap: scale point %d is in no band", next)
		}
		next = x.band.Max + 1
	}
	return b, nil
}

// Rule kinds, as written in the rule string.
const (
	RulePercent        = "percent"         // percent:T — T % in the agree (or disagree) band
	RuleCOMET          = "comet"           // ≥70 % rate 7–9 and <15 % rate 1–3 (and the reverse)
	RuleCOMETInclusive = "comet-inclusive" // the same with ≤15 %
	RuleIQR            = "iqr"             // iqr:L — IQR ≤ L, direction from the median's band
	RuleRAND           = "rand"            // RAND/UCLA median classes with IPRAS disagreement
)

// Rule is a consensus definition, written as percent:75, comet,
// comet-inclusive, iqr:1 or rand (the syntax of `delphi analyze --rule`).
type Rule struct {
	Kind      string
	Threshold float64 // percent: T in %, iqr: L
}

func (r Rule) String() string {
	switch r.Kind {
	case RulePercent, RuleIQR:
		return r.Kind + ":" + strconv.FormatFloat(r.Threshold, 'f', -1, 64)
	}
	return r.Kind
}

// Describe says the rule in words, for pages and the methods report.
func (r Rule) Describe() string {
	switch r.Kind {
	case RulePercent:
		return fmt.Sprintf("percent agreement: consensus when at least %s %% of valid ratings fall in the agree band (in) or in the disagree band (out)", strconv.FormatFloat(r.Threshold, 'f', -1, 64))
	case RuleCOMET:
		return "COMET/GRADE 70/15: in when ≥ 70 % rate in the top band and < 15 % in the bottom band; out the reverse"
	case RuleCOMETInclusive:
		return "COMET/GRADE 70/15, inclusive: in when ≥ 70 % rate in the top band and ≤ 15 % in the bottom band; out the reverse"
	case RuleIQR:
		return fmt.Sprintf("median and IQR: consensus when the interquartile range is at most %s, in or out by the band of the median", strconv.FormatFloat(r.Threshold, 'f', -1, 64))
	case RuleRAND:
		return "RAND/UCLA appropriateness method: median 7–9 appropriate, 1–3 inappropriate, without disagreement (IPRAS)"
	}
	return r.Kind
}

// DefaultRule is percent agreement at 75 %, the median threshold in
// Diamond et al. 2014's review of Delphi studies.
var DefaultRule = Rule{Kind: RulePercent, Threshold: 75}

// ParseRule reads a rule string and checks it against the scale.
func ParseRule(s string, min, max int) (Rule, error) {
	kind, arg, hasArg := strings.Cut(strings.TrimSpace(strings.ToLower(s)), ":")
	r := Rule{Kind: kind}
	switch kind {
	case RulePercent, RuleIQR:
		if !hasArg {
			if kind == RulePercent {
				return r, fmt.Errorf("give the threshold, e.g. percent:75")
			}
			return r, fmt.Errorf("give the IQR limit, e.g. iqr:1")
		}
		// Exactly what the analysis reads (a decimal with at most two
		// places): "NaN", "Inf" or 75.125 would be stored and then fail
		// the round's close.
		// (A negative one is read, for check to say what is wrong with it.)
		digits, negative := strings.CutPrefix(strings.TrimSpace(arg), "-")
		h, err := analysis.ParseHundredths(digits)
		if err != nil {
			return r, fmt.Errorf("%q is not a number with at most two decimals: write %s as, e.g., %s", arg, ruleNumber(kind), map[string]string{RulePercent: "percent:75", RuleIQR: "iqr:1.5"}[kind])
		}
		r.Threshold = float64(h) / 100
		if negative {
			r.Threshold = -r.Threshold
		}
	case RuleCOMET, RuleCOMETInclusive, RuleRAND:
		if hasArg {
			return r, fmt.Errorf("the %s rule takes no number", kind)
		}
	default:
		return r, fmt.Errorf("%q is not a rule: use percent:T, comet, comet-inclusive, iqr:L or rand", s)
	}
	return r, r.check(min, max)
}

// ruleNumber names the number a rule of this kind takes.
func ruleNumber(kind string) string {
	if kind == RulePercent {
		return "the threshold"
	}
	return "the IQR limit"
}

func (r Rule) check(min, max int) error {
	switch r.Kind {
	case RulePercent:
		if r.Threshold < 0 || r.Threshold > 100 {
			return fmt.Errorf("the threshold %s %% is outside 0–100", strconv.FormatFloat(r.Threshold, 'f', -1, 64))
		}
		if r.Threshold <= 50 {
			return fmt.Errorf("the threshold must be above 50 %%, or a statement could reach consensus in and out at once")
		}
	case RuleIQR:
		if r.Threshold <= 0 || r.Threshold >= float64(max-min) {
			return fmt.Errorf("the IQR limit must be above 0 and below the scale's range, %d", max-min)
		}
	case RuleCOMET, RuleCOMETInclusive, RuleRAND:
		if min != 1 || max != 9 {
			return fmt.Errorf("the %s rule is defined for the 1–9 scale", r.Kind)
		}
	}
	return nil
}

// DefaultIQRLimit is L = 1 for 4- to 7-point scales and 2 for 9- or more
// (von der Gracht 2012).
func DefaultIQRLimit(min, max int) float64 {
	if max-min+1 >= 9 {
		return 2
	}
	return 1
}

// Quantile definitions.
const (
	QuantileType6 = "type6" // SPSS HAVERAGE, R type 6, Excel .EXC: the default
	QuantileType7 = "type7" // R default, Excel .INC
)

// DescribeQuantile names a quantile definition as exports print it.
func DescribeQuantile(q string) string {
	if q == QuantileType7 {
		return "R type 7 (R/Excel default, QUARTILE.INC)"
	}
	return "SPSS/HAVERAGE (R type 6, Excel QUARTILE.EXC)"
}

// What happens to statements with no consensus after the last round.
var FinalNoConsensusChoices = []string{"unresolved", "excluded", "steering_group"}

// DefaultLabels labels each point of a scale: agreement wording for the
// common 5- and 7-point scales, the GRADE importance wording for 1–9, and
// the number with labelled ends otherwise.
func DefaultLabels(min, max int) []string {
	switch {
	case min == 1 && max == 5:
		return []string{"Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"}
	case min == 1 && max == 7:
		return []string{"Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree", "Agree", "Strongly agree"}
	case min == 1 && max == 9:
		return []string{"1 Not important", "2", "3 Of limited importance", "4", "5 Important but not critical", "6", "7 Critical", "8", "9 Critical"}
	}
	labels := make([]string, 0, max-min+1)
	for x := min; x <= max; x++ {
		labels = append(labels, strconv.Itoa(x))
	}
	labels[0] += " Strongly disagree"
	labels[len(labels)-1] += " Strongly agree"
	return labels
}

// Scale is a study's rating scale, bands and consensus definition: the
// settings that are fixed before round 1 and locked when it launches.
type Scale struct {
	Min, Max         int
	Labels           []string
	Bands            Bands
	AllowUnable      bool
	Rule             Rule
	Quantile         string
	FinalNoConsensus string
	// Name is criterion 1's name ("" in a study of one unnamed
	// criterion); More are criteria 2 and 3; Combine (CombineAll or
	// CombineAny) says when a statement rated on several is in.
	// See criteria.go.
	Name    string
	More    []Criterion
	Combine string
}

// CheckScale checks the range of the scale: 2 to 11 points.
func CheckScale(min, max int) error {
	if max <= min {
		return fmt.Errorf("the highest scale point must be above the lowest")
	}
	if n := max - min + 1; n < 2 || n > 11 {
		return fmt.Errorf("a scale has 2 to 11 points; %d–%d has %d", min, max, n)
	}
	if min < 0 || max > 100 {
		return fmt.Errorf("scale points must lie between 0 and 100")
	}
	return nil
}

// Validate reports every problem with the settings, by field name:
// scale, labels, bands, rule, quantile, final_no_consensus.
func (s Scale) Validate() FieldErrors {
	var fe FieldErrors
	if err := CheckScale(s.Min, s.Max); err != nil {
		return append(fe, FieldError{"scale", err.Error()})
	}
	if len(s.Labels) != s.Max-s.Min+1 {
		fe = append(fe, FieldError{"labels", fmt.Sprintf("give one label for each of the %d scale points (got %d)", s.Max-s.Min+1, len(s.Labels))})
	} else {
		for i, l := range s.Labels {
			if strings.TrimSpace(l) == "" {
				fe = append(fe, FieldError{"labels", fmt.Sprintf("the label of scale point %d is empty", s.Min+i)})
				break
			}
		}
	}
	if _, err := s.Bands.Disagree.checked(s.Bands.Neutral, s.Bands.Agree, s.Min, s.Max); err != nil {
		fe = append(fe, FieldError{"bands", err.Error()})
	}
	if err := s.Rule.check(s.Min, s.Max); err != nil {
		fe = append(fe, FieldError{"rule", err.Error()})
	} else if s.Rule.Kind != RulePercent && s.Rule.Kind != RuleCOMET && s.Rule.Kind != RuleCOMETInclusive && s.Rule.Kind != RuleIQR && s.Rule.Kind != RuleRAND {
		fe = append(fe, FieldError{"rule", fmt.Sprintf("%q is not a rule", s.Rule.Kind)})
	}
	if s.Quantile != QuantileType6 && s.Quantile != QuantileType7 {
		fe = append(fe, FieldError{"quantile", "choose type6 (SPSS) or type7 (R/Excel)"})
	}
	ok := false
	for _, c := range FinalNoConsensusChoices {
		ok = ok || s.FinalNoConsensus == c
	}
	if !ok {
		fe = append(fe, FieldError{"final_no_consensus", "choose unresolved, excluded or steering_group"})
	}
	return append(fe, s.validateCriteria()...)
}

// DefaultScale returns the settings a new study starts with for a scale.
func DefaultScale(min, max int) Scale {
	r := DefaultRule
	return Scale{Min: min, Max: max, Labels: DefaultLabels(min, max), Bands: DefaultBands(min, max),
		AllowUnable: true, Rule: r, Quantile: QuantileType6, FinalNoConsensus: "unresolved", Combine: CombineAll}
}

// FaultKind makes field errors the invalid-input kind of package fault.
func (fe FieldErrors) FaultKind() fault.Kind { return fault.Invalid }
