package analysis

import "fmt"

// Decision is the outcome of a consensus rule for one statement in one round
// (SPEC §3).
type Decision uint8

// The decisions. The zero Decision is Insufficient (no valid rating), the
// safe reading of an unset value.
const (
	DecisionInsufficient Decision = iota // n = 0: no decision possible
	DecisionNone                         // no consensus: carried to the next round
	DecisionIn                           // consensus to include / agree / appropriate
	DecisionOut                          // consensus to exclude / disagree / inappropriate
)

// String returns "insufficient", "none", "in" or "out".
func (d Decision) String() string {
	switch d {
	case DecisionInsufficient:
		return "insufficient"
	case DecisionNone:
		return "none"
	case DecisionIn:
		return "in"
	case DecisionOut:
		return "out"
	}
	return fmt.Sprintf("Decision(%d)", uint8(d))
}

// MarshalText makes JSON show the decision as its name.
func (d Decision) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Decisions holds the result of every rule under the study's settings: the
// primary rule's result is also StatementResult.Decision, the others are the
// sensitivity columns of SPEC §3.6. IQR is undefined when the scale has no
// default limit and the study set none; RAND is undefined off the 1–9 scale.
type Decisions struct {
	Percent, COMET Decision
	IQR, RAND      Opt[Decision]
}

// PercentAgreement is the result of SPEC §3.1.
type PercentAgreement struct {
	Threshold Hundredths
	// Agree: agree-band share ≥ T; Disagree: disagree-band share ≥ T.
	Agree, Disagree bool
	Decision        Decision
}

// IQRRule is the median + IQR rule of SPEC §3.3 under both quantile types,
// because its result depends on the type (vectors d01, d02).
type IQRRule struct {
	Limit Opt[Hundredths] // L; undefined when the scale has no default
	// Direction is the band of the median; a median between bands (3.5 on
	// a 1–5 scale) counts as neutral.
	Direction    Opt[BandKind]
	Type6, Type7 IQRDecision
}

// Of returns the result under one quantile type.
func (r IQRRule) Of(t QuantileType) IQRDecision {
	if t == Type7 {
		return r.Type7
	}
	return r.Type6
}

// IQRDecision is the IQR rule under one quantile type.
type IQRDecision struct {
	IQR       Opt[Hundredths]
	Consensus bool // IQR ≤ L
	Agree     bool // consensus with the median in the agree band
	Decision  Decision
}

// COMETRule is the GRADE / COMET 70/15 rule of SPEC §3.2, with the published
// strict "< 15 %" comparator and the "≤ 15 %" variant. It reads the study's
// bands, so on the 1–9 scale with default bands it is exactly "≥ 70 % rate
// 7–9 and < 15 % rate 1–3".
type COMETRule struct {
	Strict, Inclusive Decision
}

// CVBand is the English & Kernan band of the coefficient of variation
// (SPEC §3.5). CV is reported, never used as the primary rule.
type CVBand uint8

// The CV bands.
const (
	CVGood                 CVBand = iota + 1 // CV ≤ 0.5
	CVLessThanSatisfactory                   // 0.5 < CV ≤ 0.8
	CVPoor                                   // CV > 0.8
)

// String returns the band with its limits, as in the reference vectors.
func (b CVBand) String() string {
	switch b {
	case CVGood:
		return "good (<=0.5)"
	case CVLessThanSatisfactory:
		return "less than satisfactory (0.5-0.8]"
	case CVPoor:
		return "poor (>0.8)"
	}
	return fmt.Sprintf("CVBand(%d)", uint8(b))
}

// MarshalText makes JSON show the band's label.
func (b CVBand) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

func cvBand(cv float64) CVBand {
	switch {
	case cv <= 0.5:
		return CVGood
	case cv <= 0.8:
		return CVLessThanSatisfactory
	}
	return CVPoor
}

// atLeastPct reports count/n ≥ t (t in hundredths of a percent) exactly:
// 10000·count ≥ t·n.
func atLeastPct(count, n int, t Hundredths) bool {
	return n > 0 && 10000*int64(count) >= int64(t)*int64(n)
}

// percentAgreement applies SPEC §3.1. T > 50 % is validated with the
// settings, so "in" and "out" cannot both hold.
func percentAgreement(bc BandCounts, n int, t Hundredths) PercentAgreement {
	pa := PercentAgreement{Threshold: t, Decision: DecisionInsufficient}
	if n == 0 {
		return pa
	}
	pa.Agree = atLeastPct(bc.Agree, n, t)
	pa.Disagree = atLeastPct(bc.Disagree, n, t)
	pa.Decision = inOutNone(pa.Agree, pa.Disagree)
	return pa
}

// comet applies SPEC §3.2 with integer comparisons: ≥ 70 % is
// 100·count ≥ 70·n, < 15 % is 100·count < 15·n.
func comet(bc BandCounts, n int) COMETRule {
	if n == 0 {
		return COMETRule{}
	}
	ge70 := func(c int) bool { return 100*c >= 70*n }
	lt15 := func(c int) bool { return 100*c < 15*n }
	le15 := func(c int) bool { return 100*c <= 15*n }
	return COMETRule{
		Strict:    inOutNone(ge70(bc.Agree) && lt15(bc.Disagree), ge70(bc.Disagree) && lt15(bc.Agree)),
		Inclusive: inOutNone(ge70(bc.Agree) && le15(bc.Disagree), ge70(bc.Disagree) && le15(bc.Agree)),
	}
}

// iqrRule applies SPEC §3.3 under both quantile types.
func iqrRule(median Opt[Hundredths], q6, q7 *Quantiles, b Bands, limit Hundredths, hasLimit bool) IQRRule {
	r := IQRRule{Limit: someIf(limit, hasLimit)}
	r.Type6.Decision, r.Type7.Decision = DecisionInsufficient, DecisionInsufficient
	if !median.Valid {
		return r
	}
	dir := BandNeutral
	switch m := median.Value; {
	case m >= Hundredths(b.Agree.Lo)*100:
		dir = BandAgree
	case m <= Hundredths(b.Disagree.Hi)*100:
		dir = BandDisagree
	}
	r.Direction = Some(dir)
	for _, x := range []struct {
		q   *Quantiles
		out *IQRDecision
	}{{q6, &r.Type6}, {q7, &r.Type7}} {
		x.out.IQR = x.q.IQR
		if !hasLimit {
			continue
		}
		x.out.Consensus = x.q.IQR.Value <= limit
		x.out.Agree = x.out.Consensus && dir == BandAgree
		x.out.Decision = inOutNone(x.out.Agree, x.out.Consensus && dir == BandDisagree)
	}
	return r
}

func inOutNone(in, out bool) Decision {
	switch {
	case in:
		return DecisionIn
	case out:
		return DecisionOut
	}
	return DecisionNone
}

// CarriedForward reports whether a statement with this decision goes to the
// next round (SPEC §3.6: carried_to_next_round = decision == none), unless a
// researcher overrides it, which must be logged.
func (d Decision) CarriedForward() bool { return d == DecisionNone }

// UnmarshalText reads a decision name, so stored results can be read back.
func (d *Decision) UnmarshalText(b []byte) error {
	for _, x := range []Decision{DecisionInsufficient, DecisionNone, DecisionIn, DecisionOut} {
		if x.String() == string(b) {
			*d = x
			return nil
		}
	}
	return fmt.Errorf("analysis: unknown decision %q", b)
}

// UnmarshalText reads a CV band label.
func (b *CVBand) UnmarshalText(t []byte) error {
	for _, x := range []CVBand{CVGood, CVLessThanSatisfactory, CVPoor} {
		if x.String() == string(t) {
			*b = x
			return nil
		}
	}
	return fmt.Errorf("analysis: unknown CV band %q", t)
}
