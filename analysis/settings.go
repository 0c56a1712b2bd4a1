package analysis

import (
	"fmt"
	"strings"
)

// QuantileType selects the quantile definition of SPEC §2 (Hyndman & Fan
// numbering, as in R's quantile(type=)).
type QuantileType uint8

const (
	// Type6 is the default: h = (n+1)p. It matches SPSS (HAVERAGE), Excel
	// QUARTILE.EXC and Minitab, and gives the wider, conservative IQR.
	Type6 QuantileType = 6
	// Type7: h = (n−1)p + 1. It matches R's and numpy's defaults and Excel
	// QUARTILE / QUARTILE.INC.
	Type7 QuantileType = 7
)

// ParseQuantileType accepts "type6", "type7", "6" or "7".
func ParseQuantileType(s string) (QuantileType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "type6", "6":
		return Type6, nil
	case "type7", "7":
		return Type7, nil
	}
	return 0, fmt.Errorf("analysis: quantile definition %q: want type6 or type7", s)
}

// String returns "type6" or "type7".
func (q QuantileType) String() string { return fmt.Sprintf("type%d", uint8(q)) }

// Label is the wording for exports, which must print the quantile
// definition (SPEC §2.1).
func (q QuantileType) Label() string {
	switch q {
	case Type6:
		return "SPSS/HAVERAGE, Excel QUARTILE.EXC (R type 6)"
	case Type7:
		return "R/numpy default, Excel QUARTILE.INC (R type 7)"
	}
	return q.String()
}

func (q QuantileType) valid() bool { return q == Type6 || q == Type7 }

// Settings are a study's locked analysis settings (SPEC §7.2): the scale,
// its bands, the quantile definition and the primary consensus rule.
type Settings struct {
	Scale    Scale
	Bands    Bands
	Quantile QuantileType
	Rule     Rule
}

// DefaultSettings returns the spec's defaults for a scale: DefaultBands,
// type 6 quantiles and percent agreement ≥ 75 %.
func DefaultSettings(s Scale) Settings {
	return Settings{Scale: s, Bands: DefaultBands(s), Quantile: Type6, Rule: DefaultRule()}
}

// Validate checks the scale, the bands, the quantile type and that the rule
// is usable on this scale.
func (s Settings) Validate() error {
	if err := s.Bands.Validate(s.Scale); err != nil {
		return err
	}
	if !s.Quantile.valid() {
		return fmt.Errorf("analysis: quantile definition %d: want type6 or type7", uint8(s.Quantile))
	}
	return s.Rule.Validate(s.Scale)
}

// percentThreshold is T for the percent-agreement column: the primary rule's
// when it is the percent rule, otherwise the spec's default 75 %.
func (s Settings) percentThreshold() Hundredths {
	if s.Rule.Kind == RulePercent {
		return s.Rule.Threshold
	}
	return defaultPercentThreshold
}

// cometInclusive tells whether the COMET column uses "≤ 15 %"; only when the
// study chose comet-inclusive as its primary rule.
func (s Settings) cometInclusive() bool {
	return s.Rule.Kind == RuleCOMET && s.Rule.Inclusive
}

// iqrLimit is L for the median + IQR column: the primary rule's when set,
// otherwise the default for the scale size, if there is one.
func (s Settings) iqrLimit() (Hundredths, bool) {
	if s.Rule.Kind == RuleIQR && s.Rule.IQRLimit > 0 {
		return s.Rule.IQRLimit, true
	}
	return DefaultIQRLimit(s.Scale)
}

// Sensitivity returns the rule behind each column of [Decisions]: the
// primary rule itself, and the other rules with their defaults (SPEC §3.6:
// every other rule is still computed as a sensitivity column). An exporter
// prints these so that every column is labelled with its exact definition.
func (s Settings) Sensitivity() SensitivityRules {
	out := SensitivityRules{
		Percent: Rule{Kind: RulePercent, Threshold: s.percentThreshold()},
		COMET:   Rule{Kind: RuleCOMET, Inclusive: s.cometInclusive()},
	}
	if l, ok := s.iqrLimit(); ok {
		out.IQR = Some(Rule{Kind: RuleIQR, IQRLimit: l})
	}
	if isRANDScale(s.Scale) {
		out.RAND = Some(Rule{Kind: RuleRAND})
	}
	return out
}

// SensitivityRules names the rule behind each [Decisions] column. IQR is
// undefined on scales without a default L (unless the primary rule sets
// one), RAND on scales other than 1–9.
type SensitivityRules struct {
	Percent, COMET Rule
	IQR, RAND      Opt[Rule]
}
