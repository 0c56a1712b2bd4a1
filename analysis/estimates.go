package analysis

import (
	"fmt"
	"math"
	"slices"
)

// Numeric estimates ("how many …?", "what year …?") are real numbers, not
// points on a scale, so they are summarised from a sorted copy instead of a
// frequency table, and their quantiles are float64: the exact Hundredths of
// the rating quantiles do not apply. The quantile formulas are those of
// SPEC §2 and R's quantile(type = 6 or 7), evaluated as R evaluates them.

// EstimateQuantiles are the quartiles of one item's estimates under one
// quantile definition.
type EstimateQuantiles struct {
	Type           QuantileType
	Q1, Median, Q3 Opt[float64]
	IQR            Opt[float64] // Q3 − Q1
	// IQRPerMedian is IQR/median, a scale-free spread for estimates of
	// different magnitudes. It is undefined (JSON null) when n = 0 and when
	// the median is 0, where IQRPerMedianReason says "median is 0"; it is
	// negative when the median is negative.
	IQRPerMedian       Opt[float64]
	IQRPerMedianReason string
}

// EstimateSummary describes one item's numeric estimates in one round.
type EstimateSummary struct {
	// NTotal is the number of answers slots given; N the finite estimates;
	// NMissing the rest (no answer, unable, not shown).
	NTotal, N, NMissing int
	Mean                Opt[float64]
	Min, Max            Opt[float64]
	// Median is the same under types 6 and 7 (SPEC §1).
	Median       Opt[float64]
	Type6, Type7 EstimateQuantiles
}

// Quartiles returns the block for definition t.
func (s *EstimateSummary) Quartiles(t QuantileType) *EstimateQuantiles {
	if t == Type7 {
		return &s.Type7
	}
	return &s.Type6
}

// EstimateChange compares one item's estimates between two rounds.
type EstimateChange struct {
	Earlier, Later EstimateSummary
	// IQRChange is later IQR − earlier IQR per quantile type, each over all
	// estimates of its round (not only the pairs), as delta_cv is
	// (SPEC §5.1); negative when the panel converged. Undefined when either
	// round has no estimate.
	IQRChangeType6, IQRChangeType7 Opt[float64]
	// Wilcoxon is the signed-rank test on d = later − earlier over the
	// experts with an estimate in both rounds, exactly as for ratings
	// (SPEC §5.2): zero differences dropped, |d| ranked with midranks, tied
	// only when bit-for-bit equal (as R's wilcox.test ranks them).
	Wilcoxon WilcoxonResult
}

// IQRChange returns the change of IQR under definition t.
func (c *EstimateChange) IQRChange(t QuantileType) Opt[float64] {
	if t == Type7 {
		return c.IQRChangeType7
	}
	return c.IQRChangeType6
}

// checkEstimates rejects NaN and infinities: they have no rank and would
// silently poison the mean.
func checkEstimates(values []Opt[float64], what string) error {
	for i, v := range values {
		if v.Valid && (math.IsNaN(v.Value) || math.IsInf(v.Value, 0)) {
			return fmt.Errorf("analysis: estimates: %sexpert %d: %v is not a finite number", what, i, v.Value)
		}
	}
	return nil
}

// SummarizeEstimates describes one item's estimates in one round; an
// undefined Opt is a missing answer.
func SummarizeEstimates(values []Opt[float64]) (EstimateSummary, error) {
	if err := checkEstimates(values, ""); err != nil {
		return EstimateSummary{}, err
	}
	return summarize(values), nil
}

func summarize(values []Opt[float64]) EstimateSummary {
	s := EstimateSummary{NTotal: len(values)}
	xs := make([]float64, 0, len(values))
	for _, v := range values {
		if v.Valid {
			xs = append(xs, v.Value)
		}
	}
	n := len(xs)
	s.N, s.NMissing = n, len(values)-n
	s.Type6.Type, s.Type7.Type = Type6, Type7
	if n == 0 {
		return s
	}
	s.Mean = Some(mean(xs))
	slices.Sort(xs)
	s.Min, s.Max = Some(xs[0]), Some(xs[n-1])
	for _, q := range []*EstimateQuantiles{&s.Type6, &s.Type7} {
		q1 := floatQuantile(xs, 25, q.Type)
		med := floatQuantile(xs, 50, q.Type)
		q3 := floatQuantile(xs, 75, q.Type)
		iqr := q3 - q1
		q.Q1, q.Median, q.Q3, q.IQR = Some(q1), Some(med), Some(q3), Some(iqr)
		if med == 0 {
			q.IQRPerMedianReason = "median is 0"
		} else {
			q.IQRPerMedian = Some(iqr / med)
		}
	}
	s.Median = s.Type7.Median
	return s
}

// mean is R's mean: the sum divided by n, then corrected by the mean of
// the residuals x − m. R accumulates both in long double; here compensated
// (Neumaier) summation stands in for the first, and the residuals are
// split exactly with TwoSum, so the mean of a few values is the correctly
// rounded quotient (2/7, not one unit in the last place above it) and large
// estimates of mixed sign keep their digits.
func mean(xs []float64) float64 {
	n := float64(len(xs))
	var s, c float64
	for _, x := range xs {
		s, c = neumaier(s, c, x)
	}
	m := (s + c) / n
	s, c = 0, 0
	for _, x := range xs {
		d, e := twoSum(x, -m) // x − m = d + e exactly
		s, c = neumaier(s, c, d)
		s, c = neumaier(s, c, e)
	}
	return m + (s+c)/n
}

// neumaier adds x to the running sum s with compensation c.
func neumaier(s, c, x float64) (float64, float64) {
	t := s + x
	if math.Abs(s) >= math.Abs(x) {
		c += (s - t) + x
	} else {
		c += (x - t) + s
	}
	return t, c
}

// twoSum returns a + b as the rounded sum and its exact rounding error.
func twoSum(a, b float64) (sum, err float64) {
	sum = a + b
	bb := sum - a
	err = (a - (sum - bb)) + (b - bb)
	return sum, err
}

// floatQuantile is the pct-th percentile of sorted data under definition t,
// evaluated as R's quantile() does: the position from quantilePosition
// (exact integers), then (1 − h)·x_(j) + h·x_(j+1), and no interpolation
// between equal neighbours. h is a multiple of 1/100; for the quartiles it
// is 0, ¼, ½ or ¾, exact in binary as in R.
func floatQuantile(sorted []float64, pct int, t QuantileType) float64 {
	j, g, _ := quantilePosition(len(sorted), pct, t)
	lo := sorted[j-1]
	if g == 0 {
		return lo
	}
	hi := sorted[j]
	if lo == hi {
		return lo
	}
	h := float64(g) / 100
	return (1-h)*lo + h*hi
}

// CompareEstimates compares one item's estimates between two rounds.
// earlier[i] and later[i] must be the same expert's answers.
func CompareEstimates(earlier, later []Opt[float64]) (EstimateChange, error) {
	var c EstimateChange
	if len(earlier) != len(later) {
		return c, fmt.Errorf("analysis: estimates: %d earlier and %d later answers; they must be aligned by expert", len(earlier), len(later))
	}
	if err := checkEstimates(earlier, "earlier round, "); err != nil {
		return c, err
	}
	if err := checkEstimates(later, "later round, "); err != nil {
		return c, err
	}
	c.Earlier, c.Later = summarize(earlier), summarize(later)
	if c.Earlier.N > 0 && c.Later.N > 0 {
		c.IQRChangeType6 = Some(c.Later.Type6.IQR.Value - c.Earlier.Type6.IQR.Value)
		c.IQRChangeType7 = Some(c.Later.Type7.IQR.Value - c.Earlier.Type7.IQR.Value)
	}
	d := make([]float64, 0, len(earlier))
	for i, a := range earlier {
		if b := later[i]; a.Valid && b.Valid {
			d = append(d, b.Value-a.Value)
		}
	}
	c.Wilcoxon = signedRankFloat(d)
	return c, nil
}

// SignedRankFloat runs the Wilcoxon signed-rank test (SPEC §5.2) on real
// differences d (later − earlier), zeros included. It returns an error for
// a NaN or infinite difference.
func SignedRankFloat(d []float64) (WilcoxonResult, error) {
	for i, v := range d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return WilcoxonResult{}, fmt.Errorf("analysis: signed rank: difference %d: %v is not a finite number", i, v)
		}
	}
	return signedRankFloat(d), nil
}

// signedRankFloat maps each distinct non-zero |d| to its position among
// the distinct values and fills the same histogram the integer test uses:
// the test depends only on the order of |d| and its ties, so every p-value
// (asymptotic, R's default, exact conditional, Pratt) is computed by the
// one implementation in wilcoxon.go. The positive and the negative
// differences are sorted apart (plain float sorts) and merged.
func signedRankFloat(d []float64) WilcoxonResult {
	pos := make([]float64, 0, len(d))
	neg := make([]float64, 0, len(d))
	zeros := 0
	for _, v := range d {
		switch {
		case v > 0:
			pos = append(pos, v)
		case v < 0:
			neg = append(neg, -v)
		default:
			zeros++
		}
	}
	slices.Sort(pos)
	slices.Sort(neg)
	// Count the distinct |d| first, to size the histogram.
	groups := 0
	mergeAbs(pos, neg, func(_, _ int) { groups++ })
	h := newDiffHist(groups)
	h.zeros = zeros
	g := 0
	mergeAbs(pos, neg, func(np, nn int) {
		g++
		h.pos[g], h.neg[g] = np, nn
	})
	return h.signedRank()
}

// mergeAbs walks the distinct values of two ascending slices in order and
// calls visit with how often each value occurs in pos and in neg.
func mergeAbs(pos, neg []float64, visit func(np, nn int)) {
	i, j := 0, 0
	for i < len(pos) || j < len(neg) {
		var v float64
		switch {
		case j == len(neg) || (i < len(pos) && pos[i] < neg[j]):
			v = pos[i]
		default:
			v = neg[j]
		}
		np, nn := 0, 0
		for ; i < len(pos) && pos[i] == v; i++ {
			np++
		}
		for ; j < len(neg) && neg[j] == v; j++ {
			nn++
		}
		visit(np, nn)
	}
}
