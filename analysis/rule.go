package analysis

import (
	"fmt"
	"strings"
)

// RuleKind is a consensus rule of SPEC §3.
type RuleKind uint8

// The consensus rules. The zero RuleKind is invalid, so an unset Rule fails
// validation instead of silently meaning one of them.
const (
	RulePercent RuleKind = iota + 1 // §3.1 percent agreement
	RuleCOMET                       // §3.2 GRADE / COMET 70/15
	RuleIQR                         // §3.3 median + IQR
	RuleRAND                        // §3.4 RAND/UCLA appropriateness (IPRAS)
)

const defaultPercentThreshold Hundredths = 7500

// Rule is a configured consensus rule: the study's primary rule, or the
// definition behind a sensitivity column.
type Rule struct {
	Kind RuleKind
	// Threshold is T of the percent rule. It must exceed 50 %, otherwise
	// "in" and "out" could both hold (SPEC §3.1).
	Threshold Hundredths
	// Inclusive selects the COMET variant "≤ 15 %" instead of the published
	// strict "< 15 %" (SPEC §3.2, vector d11).
	Inclusive bool
	// IQRLimit is L of the median + IQR rule; 0 means the default for the
	// scale size (DefaultIQRLimit).
	IQRLimit Hundredths
}

// DefaultRule is percent agreement ≥ 75 %, the median threshold of Diamond
// et al. 2014.
func DefaultRule() Rule { return Rule{Kind: RulePercent, Threshold: defaultPercentThreshold} }

// ParseRule reads the rule syntax of `delphi analyze --rule` and of the study
// settings: "percent:T" (T in percent, up to two decimals; "percent" alone
// means 75), "comet", "comet-inclusive", "iqr:L" ("iqr" alone means the
// default L for the scale) or "rand". Matching is case-insensitive.
func ParseRule(s string) (Rule, error) {
	str := strings.ToLower(strings.TrimSpace(s))
	name, arg, hasArg := strings.Cut(str, ":")
	switch name {
	case "percent":
		r := DefaultRule()
		if hasArg {
			t, err := ParseHundredths(arg)
			if err != nil {
				return Rule{}, fmt.Errorf("analysis: rule %q: threshold %q: %w", s, arg, err)
			}
			r.Threshold = t
		}
		if err := r.validateThreshold(); err != nil {
			return Rule{}, fmt.Errorf("analysis: rule %q: %w", s, err)
		}
		return r, nil
	case "comet", "comet-inclusive":
		if hasArg {
			return Rule{}, fmt.Errorf("analysis: rule %q: comet takes no argument", s)
		}
		return Rule{Kind: RuleCOMET, Inclusive: name == "comet-inclusive"}, nil
	case "iqr":
		r := Rule{Kind: RuleIQR}
		if hasArg {
			l, err := ParseHundredths(arg)
			if err != nil {
				return Rule{}, fmt.Errorf("analysis: rule %q: limit %q: %w", s, arg, err)
			}
			if l <= 0 {
				return Rule{}, fmt.Errorf("analysis: rule %q: the IQR limit must be positive", s)
			}
			r.IQRLimit = l
		}
		return r, nil
	case "rand":
		if hasArg {
			return Rule{}, fmt.Errorf("analysis: rule %q: rand takes no argument", s)
		}
		return Rule{Kind: RuleRAND}, nil
	}
	return Rule{}, fmt.Errorf("analysis: rule %q: want percent:T, comet, comet-inclusive, iqr:L or rand", s)
}

// String returns the rule in ParseRule's syntax.
func (r Rule) String() string {
	switch r.Kind {
	case RulePercent:
		return "percent:" + r.Threshold.String()
	case RuleCOMET:
		if r.Inclusive {
			return "comet-inclusive"
		}
		return "comet"
	case RuleIQR:
		if r.IQRLimit == 0 {
			return "iqr"
		}
		return "iqr:" + r.IQRLimit.String()
	case RuleRAND:
		return "rand"
	}
	return fmt.Sprintf("Rule(%d)", r.Kind)
}

// Describe is a one-line definition for exports, which must state the
// consensus definition and its comparators (SPEC §3.2, §7.2).
func (r Rule) Describe() string {
	switch r.Kind {
	case RulePercent:
		return fmt.Sprintf("percent agreement: in if ≥ %s %% rate in the agree band, out if ≥ %s %% rate in the disagree band", r.Threshold, r.Threshold)
	case RuleCOMET:
		cmp := "< 15 %"
		if r.Inclusive {
			cmp = "≤ 15 %"
		}
		return fmt.Sprintf("COMET 70/15: in if ≥ 70 %% agree and %s disagree; out if ≥ 70 %% disagree and %s agree", cmp, cmp)
	case RuleIQR:
		l := "the default for the scale"
		if r.IQRLimit > 0 {
			l = r.IQRLimit.String()
		}
		return fmt.Sprintf("median + IQR: IQR ≤ %s, direction from the median's band", l)
	case RuleRAND:
		return "RAND/UCLA: median class (≥ 7 appropriate, ≤ 3 inappropriate), uncertain if IPR > IPRAS (disagreement)"
	}
	return r.String()
}

// Validate checks the rule against the scale: T must exceed 50 % (and not
// exceed 100 %), an IQR rule needs a limit or a scale with a default one, and
// RAND/UCLA is defined only for the 1–9 scale.
func (r Rule) Validate(s Scale) error {
	switch r.Kind {
	case RulePercent:
		if err := r.validateThreshold(); err != nil {
			return fmt.Errorf("analysis: rule %s: %w", r, err)
		}
	case RuleCOMET:
	case RuleIQR:
		if r.IQRLimit < 0 {
			return fmt.Errorf("analysis: rule %s: the IQR limit must be positive", r)
		}
		if _, ok := DefaultIQRLimit(s); r.IQRLimit == 0 && !ok {
			return fmt.Errorf("analysis: rule iqr: no default IQR limit for a %d-point scale; give one, e.g. iqr:1", s.Points())
		}
	case RuleRAND:
		if !isRANDScale(s) {
			return fmt.Errorf("analysis: rule rand: the RAND/UCLA method needs the 1-9 scale, not %s", s)
		}
	default:
		return fmt.Errorf("analysis: no consensus rule set")
	}
	return nil
}

func (r Rule) validateThreshold() error {
	if r.Threshold <= 5000 || r.Threshold > 10000 {
		return fmt.Errorf("threshold %s %% must be above 50 %% (else in and out could both hold) and at most 100 %%", r.Threshold)
	}
	return nil
}

// DefaultIQRLimit returns L of the median + IQR rule (von der Gracht 2012):
// 1 for 4- to 7-point scales, 2 for 9- and 10-point scales. Other sizes have
// no published default, so ok is false and the study must give L.
func DefaultIQRLimit(s Scale) (Hundredths, bool) {
	switch p := s.Points(); {
	case p >= 4 && p <= 7:
		return 100, true
	case p == 9 || p == 10:
		return 200, true
	}
	return 0, false
}

func isRANDScale(s Scale) bool { return s.Min == 1 && s.Max == 9 }
