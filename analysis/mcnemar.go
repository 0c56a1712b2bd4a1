package analysis

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// McNemarResult is McNemar's test on "agree" (a rating in the agree band)
// versus "not agree" between two rounds (SPEC §5.3).
type McNemarResult struct {
	// The 2×2 table over pairs: AgreeAgree, AgreeNot (b: agreed in the
	// earlier round only), NotAgree (c: agreed in the later round only),
	// NotNot.
	AgreeAgree, AgreeNot, NotAgree, NotNot int
	Discordant                             int // b + c
	Chi2, PChi2                            Opt[float64]
	// Yates' corrected χ², R mcnemar.test's default; note that it is
	// 1/(b+c) > 0 when b = c.
	Chi2Yates, PYates Opt[float64]
	// PExact is the platform default: the exact binomial
	// min(1, 2·P(X ≤ min(b,c))), X ~ Bin(b+c, ½), as R binom.test,
	// statsmodels and SPSS "Exact Sig." report. It is 1 without discordant pairs.
	PExact Opt[float64]
	Reason string
}

// B returns b, the pairs that agreed in the earlier round only.
func (m McNemarResult) B() int { return m.AgreeNot }

// C returns c, the pairs that agreed in the later round only.
func (m McNemarResult) C() int { return m.NotAgree }

// McNemar computes the test from the 2×2 table counts.
func McNemar(agreeAgree, agreeNot, notAgree, notNot int) McNemarResult {
	b, c := agreeNot, notAgree
	r := McNemarResult{AgreeAgree: agreeAgree, AgreeNot: b, NotAgree: c, NotNot: notNot, Discordant: b + c}
	if b+c == 0 {
		r.PExact = Some(1.0)
		r.Reason = "no discordant pairs"
		return r
	}
	bc := float64(b + c)
	diff := float64(b - c)
	chi2 := diff * diff / bc
	y := math.Abs(diff) - 1
	yates := y * y / bc
	chi1 := distuv.ChiSquared{K: 1}
	r.Chi2, r.PChi2 = Some(chi2), Some(chi1.Survival(chi2))
	r.Chi2Yates, r.PYates = Some(yates), Some(chi1.Survival(yates))
	binom := distuv.Binomial{N: bc, P: 0.5}
	r.PExact = Some(math.Min(1, 2*binom.CDF(float64(min(b, c)))))
	return r
}
