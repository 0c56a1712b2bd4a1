package analysis

import "fmt"

// Appropriateness is a RAND/UCLA classification (SPEC §3.4).
type Appropriateness uint8

// The RAND/UCLA classes.
const (
	Appropriate Appropriateness = iota + 1
	Uncertain
	Inappropriate
)

// String returns "appropriate", "uncertain" or "inappropriate".
func (a Appropriateness) String() string {
	switch a {
	case Appropriate:
		return "appropriate"
	case Uncertain:
		return "uncertain"
	case Inappropriate:
		return "inappropriate"
	}
	return fmt.Sprintf("Appropriateness(%d)", uint8(a))
}

// MarshalText makes JSON show the class name.
func (a Appropriateness) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Decision maps the class onto the common decision vocabulary:
// appropriate → in, inappropriate → out, uncertain → none.
func (a Appropriateness) Decision() Decision {
	switch a {
	case Appropriate:
		return DecisionIn
	case Inappropriate:
		return DecisionOut
	}
	return DecisionNone
}

// RANDResult is the RAND/UCLA appropriateness analysis of one statement on
// the 1–9 scale: the median class, the classic count rule where the panel
// size allows it, and IPRAS under both quantile types. Everything is
// undefined (zero) when N = 0.
type RANDResult struct {
	N           int
	Median      Opt[Hundredths]
	MedianClass Opt[Appropriateness]
	CountRule   CountRule
	// CountRuleClass is the class under the count rule: undefined when the
	// rule does not apply (panel outside 8–16).
	CountRuleClass Opt[Appropriateness]
	Type6, Type7   IPRAS
}

// IPRAS returns the IPRAS block for one quantile type.
func (r *RANDResult) IPRAS(t QuantileType) IPRAS {
	if t == Type7 {
		return r.Type7
	}
	return r.Type6
}

// Classification is the class that the "rand" rule uses: IPRAS under the
// study's quantile type, because IPRAS is defined for any panel size while
// the count rule only covers 8–16 panellists. Undefined when N = 0.
func (r *RANDResult) Classification(t QuantileType) Opt[Appropriateness] {
	if r.N == 0 {
		return Opt[Appropriateness]{}
	}
	return Some(r.IPRAS(t).Class)
}

// CountRule is the classic RAND count rule with the panel-size table of
// SPEC §3.4.
type CountRule struct {
	N13, N79 int // ratings in 1–3 and in 7–9
	// MedianRegion is the 3-point region (1–3, 4–6, 7–9) holding the median;
	// undefined when the median falls between regions (3.5 or 6.5).
	MedianRegion Opt[Band]
	// NOutside counts ratings outside the median's region.
	NOutside   Opt[int]
	Applicable bool // panel of 8–16 valid ratings
	// The table's limits for this panel size (0 when not applicable).
	AgreementMaxOutside, DisagreementMinEachExtreme int
	// Disagreement: at least the minimum in each extreme. Agreement: no more
	// than the maximum outside the median's region; undefined when the
	// median has no region (a spec design decision).
	Disagreement, Agreement Opt[bool]
}

// IPRAS is the inter-percentile range adjusted for symmetry (SPEC §3.4b).
// P30, P70 and IPR are exact; IPRCP, AI, IPRAS and the disagreement index
// are exact rationals shown as floats, and the disagreement test IPR > IPRAS
// is decided on integers.
type IPRAS struct {
	P30, P70, IPR     Hundredths
	IPRCP, AI         float64 // central point (P30+P70)/2 and asymmetry |5 − IPRCP|
	IPRAS             float64 // 2.35 + 1.5·AI
	DisagreementIndex float64 // IPR / IPRAS
	Disagreement      bool    // IPR > IPRAS (strict)
	Class             Appropriateness
}

// randPanelLimits is the RAND developers' table (SPEC §3.4a): panel sizes,
// agreement's maximum outside the median region, disagreement's minimum in
// each extreme.
var randPanelLimits = [...]struct{ lo, hi, agreeMax, disagreeMin int }{
	{8, 10, 2, 3},
	{11, 13, 3, 4},
	{14, 16, 4, 5},
}

// randAnalysis computes SPEC §3.4 for the 1–9 scale.
func randAnalysis(f *freqTable, median Opt[Hundredths], q6, q7 *Quantiles) RANDResult {
	r := RANDResult{N: f.n}
	if f.n == 0 {
		return r
	}
	med := median.Value
	r.Median = median
	class := Uncertain
	switch {
	case med >= 700:
		class = Appropriate
	case med <= 300:
		class = Inappropriate
	}
	r.MedianClass = Some(class)

	cnt := func(lo, hi int) int {
		s := 0
		for v := lo; v <= hi; v++ {
			s += f.counts[v-f.min]
		}
		return s
	}
	cr := &r.CountRule
	cr.N13, cr.N79 = cnt(1, 3), cnt(7, 9)
	switch {
	case med <= 300:
		cr.MedianRegion = Some(Band{Lo: 1, Hi: 3})
	case med >= 400 && med <= 600:
		cr.MedianRegion = Some(Band{Lo: 4, Hi: 6})
	case med >= 700:
		cr.MedianRegion = Some(Band{Lo: 7, Hi: 9})
	}
	if cr.MedianRegion.Valid {
		reg := cr.MedianRegion.Value
		cr.NOutside = Some(f.n - cnt(reg.Lo, reg.Hi))
	}
	for _, lim := range randPanelLimits {
		if f.n >= lim.lo && f.n <= lim.hi {
			cr.Applicable = true
			cr.AgreementMaxOutside, cr.DisagreementMinEachExtreme = lim.agreeMax, lim.disagreeMin
			dis := cr.N13 >= lim.disagreeMin && cr.N79 >= lim.disagreeMin
			cr.Disagreement = Some(dis)
			if cr.NOutside.Valid {
				cr.Agreement = Some(cr.NOutside.Value <= lim.agreeMax)
			}
			r.CountRuleClass = Some(class)
			if dis {
				r.CountRuleClass = Some(Uncertain)
			}
		}
	}
	r.Type6 = ipras(q6.P30.Value, q6.P70.Value, class)
	r.Type7 = ipras(q7.P30.Value, q7.P70.Value, class)
	return r
}

// ipras computes IPRAS in integer units: with P30 and P70 in hundredths,
// IPRCP is (P30+P70) in 1/200, AI = |1000 − that| in 1/200, and
// IPRAS = 2.35 + 1.5·AI = (940 + 3·AI₂₀₀)/400, compared with IPR = 4·(P70−P30)/400.
func ipras(p30, p70 Hundredths, medianClass Appropriateness) IPRAS {
	cp := int64(p30 + p70) // 1/200
	ai := cp - 1000
	if ai < 0 {
		ai = -ai
	}
	thr := 940 + 3*ai         // 1/400
	ipr := 4 * int64(p70-p30) // 1/400
	out := IPRAS{
		P30: p30, P70: p70, IPR: p70 - p30,
		IPRCP:             float64(cp) / 200,
		AI:                float64(ai) / 200,
		IPRAS:             float64(thr) / 400,
		DisagreementIndex: float64(ipr) / float64(thr),
		Disagreement:      ipr > thr,
		Class:             medianClass,
	}
	if out.Disagreement {
		out.Class = Uncertain
	}
	return out
}

// UnmarshalText reads a class name.
func (a *Appropriateness) UnmarshalText(b []byte) error {
	for _, x := range []Appropriateness{Appropriate, Uncertain, Inappropriate} {
		if x.String() == string(b) {
			*a = x
			return nil
		}
	}
	return fmt.Errorf("analysis: unknown appropriateness %q", b)
}
