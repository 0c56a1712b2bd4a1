package analysis

import (
	"fmt"
	"math"
)

// StabilityResult compares one statement between two rounds (SPEC §5).
// Pairs are experts with a valid rating in both rounds; d = later − earlier.
type StabilityResult struct {
	NPairs, NChanged, NChangedBand int
	PctChanged, PctChangedBand     Opt[float64] // undefined without pairs
	MeanAbsChange, MeanChange      Opt[float64]
	Wilcoxon                       WilcoxonResult
	McNemar                        McNemarResult
	// DistributionChangePct is Scheibe et al.'s net change: half the L1
	// distance between the two rounds' rating distributions, over all valid
	// ratings of each round (not only pairs), in percent.
	DistributionChangePct Opt[float64]
	// StableLt15 is DistributionChangePct < 15, decided exactly.
	StableLt15 Opt[bool]
	// CVs over all valid ratings of each round, and CVLater − CVEarlier.
	CVEarlier, CVLater, DeltaCV Opt[float64]
}

// Stability compares two rounds of one statement. earlier[i] and later[i]
// must be the same expert's responses.
func Stability(earlier, later []Response, s Settings) (StabilityResult, error) {
	a, err := NewAnalyzer(s)
	if err != nil {
		return StabilityResult{}, err
	}
	return a.Stability(earlier, later)
}

// Stability compares two rounds of one statement. earlier[i] and later[i]
// must be the same expert's responses; experts without a valid rating in
// both rounds take no part in the paired statistics but still count in each
// round's distribution and CV.
func (a *Analyzer) Stability(earlier, later []Response) (StabilityResult, error) {
	var r StabilityResult
	if len(earlier) != len(later) {
		return r, fmt.Errorf("analysis: stability: %d earlier and %d later responses; they must be aligned by expert", len(earlier), len(later))
	}
	sc, bands := a.s.Scale, a.s.Bands
	pts := sc.Points()
	buf := make([]int, 2*pts)
	fa := freqTable{counts: buf[:pts]}
	fb := freqTable{counts: buf[pts:]}
	if err := fa.count(earlier, sc); err != nil {
		return r, err
	}
	if err := fb.count(later, sc); err != nil {
		return r, err
	}

	h := newDiffHist(pts - 1)
	var sumD, sumAbs int
	var aa, an, na, nn int // McNemar table
	for i, x := range earlier {
		y := later[i]
		if !x.IsRating() || !y.IsRating() {
			continue
		}
		d := int(y) - int(x)
		h.add(d)
		sumD += d
		if d < 0 {
			sumAbs -= d
		} else {
			sumAbs += d
		}
		r.NPairs++
		if d != 0 {
			r.NChanged++
		}
		ba, bb := bands.Of(int(x)), bands.Of(int(y))
		if ba != bb {
			r.NChangedBand++
		}
		switch agreeA, agreeB := ba == BandAgree, bb == BandAgree; {
		case agreeA && agreeB:
			aa++
		case agreeA:
			an++
		case agreeB:
			na++
		default:
			nn++
		}
	}
	r.PctChanged = pct(r.NChanged, r.NPairs)
	r.PctChangedBand = pct(r.NChangedBand, r.NPairs)
	if r.NPairs > 0 {
		r.MeanAbsChange = Some(float64(sumAbs) / float64(r.NPairs))
		r.MeanChange = Some(float64(sumD) / float64(r.NPairs))
	}
	r.Wilcoxon = h.signedRank()
	r.McNemar = McNemar(aa, an, na, nn)

	if fa.n > 0 && fb.n > 0 {
		// ½·Σ|c_b/n_b − c_a/n_a| = Σ|c_b·n_a − c_a·n_b| / (2·n_a·n_b), exact.
		var l1 int64
		na64, nb64 := int64(fa.n), int64(fb.n)
		for k := range fa.counts {
			l1 += abs64(int64(fb.counts[k])*na64 - int64(fa.counts[k])*nb64)
		}
		den := 2 * na64 * nb64
		r.DistributionChangePct = Some(float64(100*l1) / float64(den))
		r.StableLt15 = Some(100*l1 < 15*den)
	}
	r.CVEarlier = cvOf(&fa)
	r.CVLater = cvOf(&fb)
	if r.CVEarlier.Valid && r.CVLater.Valid {
		r.DeltaCV = Some(r.CVLater.Value - r.CVEarlier.Value)
	}
	return r, nil
}

// cvOf is the CV of a frequency table, as in describe.
func cvOf(f *freqTable) Opt[float64] {
	if f.n < 2 {
		return Opt[float64]{}
	}
	sum, sumSq := f.sums()
	if sum == 0 {
		return Opt[float64]{}
	}
	mean := float64(sum) / float64(f.n)
	return Some(math.Sqrt(variance(sum, sumSq, int64(f.n))) / mean)
}
