package analysis

import "math"

// WilcoxonResult is the Wilcoxon signed-rank test on paired ratings, with
// d = later − earlier (SPEC §5.2). Zero differences are dropped (the
// Wilcoxon zero method of R, SPSS and scipy); n' = NNonzero.
//
// Packages report the statistic differently (R: V = W+, scipy: min(W+, W−),
// SPSS: z only), so every piece is exported. P is the platform's p-value;
// the other p-values reproduce what other software prints, so that a
// researcher can reconcile the numbers.
type WilcoxonResult struct {
	NPairs, NZero, NNonzero, NPositive, NNegative int
	WPlus, WMinus, TMin                           Opt[float64]
	HasTies                                       bool // tied |d| among the non-zero differences
	// Z = (W+ − μ)/σ with the tie-corrected σ; positive when ratings rose.
	Z Opt[float64]
	// P is the platform default: tie-corrected normal approximation without
	// continuity correction (SPSS "Asymp. Sig.", R exact=FALSE correct=FALSE).
	P            Opt[float64]
	ZContinuity  Opt[float64]
	PContinuity  Opt[float64] // with ±0.5 continuity correction
	PRDefault    Opt[float64] // R wilcox.test(paired=TRUE) defaults
	RMethod      string       // which method R's default used
	PScipy110    Opt[float64] // scipy 1.10 wilcoxon() defaults
	ScipyMethod  string       // which method scipy's default used
	PPratt       Opt[float64] // scipy zero_method="pratt", approx, no correction (coin's default zero method)
	PExactCond   Opt[float64] // exact permutation p given the midranks (coin exact); computed for n' ≤ ExactConditionalMaxN
	SmallN       bool         // n' < 10: show a "small n" note
	Reason       string
	ExactSkipped bool // PExactCond not computed because n' > ExactConditionalMaxN
}

// ExactConditionalMaxN bounds the exact conditional Wilcoxon p-value: its
// dynamic programme costs O(n'³), about 1 ms at n' = 100. Above that the
// normal approximation is accurate and the exact p is left undefined (with
// ExactSkipped set) so that a large study stays fast.
const ExactConditionalMaxN = 100

// Method descriptions, as in the reference vectors.
const (
	methodExact                = "exact"
	methodRNormalContinuity    = "normal approx, continuity correction, tie-corrected variance"
	methodScipyExactTies       = "exact (no-ties table, half-ranks truncated) because len(d)<=50 and no zeros; unreliable with ties"
	methodScipyNormalNoCorrect = "normal approx, no continuity"
)

// diffHist holds paired differences as counts: pos[v] and neg[v] count
// d = +v and d = −v (index 0 unused), zeros counts d = 0. Ratings are small
// integers, so ranks of |d| come from these counts without sorting.
type diffHist struct {
	pos, neg []int
	zeros    int
}

func newDiffHist(maxAbs int) diffHist {
	buf := make([]int, 2*(maxAbs+1))
	return diffHist{pos: buf[:maxAbs+1], neg: buf[maxAbs+1:]}
}

func (h *diffHist) add(d int) {
	switch {
	case d > 0:
		h.pos[d]++
	case d < 0:
		h.neg[-d]++
	default:
		h.zeros++
	}
}

// SignedRank runs the Wilcoxon signed-rank test on differences d (later −
// earlier), zeros included.
func SignedRank(d []int) WilcoxonResult {
	maxAbs := 0
	for _, v := range d {
		if v < 0 {
			v = -v
		}
		maxAbs = max(maxAbs, v)
	}
	h := newDiffHist(maxAbs)
	for _, v := range d {
		h.add(v)
	}
	return h.signedRank()
}

// normalTwoSided is 2·P(Z ≥ |z|) = erfc(|z|/√2). gonum's Normal.Survival
// computes 1 − erf, which returns 0 beyond |z| ≈ 8.3 and loses relative
// precision well before; erfc keeps full relative precision in the tail.
func normalTwoSided(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

func (h *diffHist) signedRank() WilcoxonResult {
	var r WilcoxonResult
	for v := range h.pos {
		r.NPositive += h.pos[v]
		r.NNegative += h.neg[v]
	}
	r.NZero = h.zeros
	r.NNonzero = r.NPositive + r.NNegative
	r.NPairs = r.NNonzero + r.NZero
	n := r.NNonzero
	if n == 0 {
		r.Reason = "all differences are zero"
		if r.NPairs == 0 {
			r.Reason = "no pairs"
		}
		return r
	}
	r.SmallN = n < 10

	// Twice the midrank of each |d| among the non-zero differences, and the
	// rank sums in the same doubled units (exact integers).
	var wp2, wm2, ties int64
	below := int64(0)
	for v := 1; v < len(h.pos); v++ {
		t := int64(h.pos[v] + h.neg[v])
		if t == 0 {
			continue
		}
		rank2 := 2*below + t + 1
		wp2 += int64(h.pos[v]) * rank2
		wm2 += int64(h.neg[v]) * rank2
		ties += t*t*t - t
		if t > 1 {
			r.HasTies = true
		}
		below += t
	}
	wp, wm := float64(wp2)/2, float64(wm2)/2
	r.WPlus, r.WMinus, r.TMin = Some(wp), Some(wm), Some(math.Min(wp, wm))

	nf := float64(n)
	mu := nf * (nf + 1) / 4
	variance := float64(int64(n)*int64(n+1)*int64(2*n+1))/24 - float64(ties)/48
	sigma := math.Sqrt(variance)
	z := (wp - mu) / sigma
	zc := z - 0.5*sign(wp-mu)/sigma
	r.Z, r.P = Some(z), Some(normalTwoSided(z))
	r.ZContinuity, r.PContinuity = Some(zc), Some(math.Min(1, normalTwoSided(zc)))

	// R's default: exact when n' < 50 with no ties and no zeros.
	if n < 50 && !r.HasTies && r.NZero == 0 {
		v := int(wp2 / 2)
		var p float64
		if wp > mu {
			p = 2 * (1 - signedRankCDF(v-1, n))
		} else {
			p = 2 * signedRankCDF(v, n)
		}
		r.PRDefault, r.RMethod = Some(math.Min(1, p)), methodExact
	} else {
		r.PRDefault, r.RMethod = r.PContinuity, methodRNormalContinuity
	}

	// scipy 1.10's default: the no-ties exact table when len(d) ≤ 50 (zeros
	// counted) and no zeros, even with ties, where it truncates W+ to an
	// integer (vector d25); otherwise the normal approximation without
	// continuity correction, i.e. P.
	if r.NPairs <= 50 && r.NZero == 0 {
		r.PScipy110 = Some(scipyExactSignedRank(int(wp2/2), n))
		r.ScipyMethod = methodExact
		if r.HasTies {
			r.ScipyMethod = methodScipyExactTies
		}
	} else {
		r.PScipy110, r.ScipyMethod = r.P, methodScipyNormalNoCorrect
	}

	r.PPratt = Some(h.pratt(wp2, wm2, ties))

	if n <= ExactConditionalMaxN {
		r.PExactCond = Some(h.exactConditional(wp2))
	} else {
		r.ExactSkipped = true
	}
	return r
}

// pratt is scipy's zero_method="pratt" normal approximation without
// continuity correction: zeros take the lowest ranks and are then left out of
// the sums; mean and variance are adjusted (Cureton 1967). It uses
// T = min(W+, W−) as scipy does; the two-sided p is the same.
func (h *diffHist) pratt(wp2, wm2, ties int64) float64 {
	nz := float64(h.zeros)
	count := nz
	for v := 1; v < len(h.pos); v++ {
		count += float64(h.pos[v] + h.neg[v])
	}
	npos, nneg := 0, 0
	for v := range h.pos {
		npos += h.pos[v]
		nneg += h.neg[v]
	}
	// Every non-zero rank shifts up by the number of zeros.
	shift := 2 * int64(h.zeros)
	wp := float64(wp2+shift*int64(npos)) / 2
	wm := float64(wm2+shift*int64(nneg)) / 2
	t := math.Min(wp, wm)
	mn := count*(count+1)*0.25 - nz*(nz+1)*0.25
	se := count*(count+1)*(2*count+1) - nz*(nz+1)*(2*nz+1) - 0.5*float64(ties)
	se = math.Sqrt(se / 24)
	return normalTwoSided((t - mn) / se)
}

// exactConditional is the exact permutation p-value given the observed
// midranks (coin's wilcoxsign_test, distribution="exact"): every sign pattern
// of the n' non-zero differences is equally likely; the distribution of 2·W+
// is built by dynamic programming over the doubled midranks, and
// p = P(|W+ − μ| ≥ |w_obs − μ|). Probabilities (not counts) keep it valid for
// any n' without overflow.
func (h *diffHist) exactConditional(wp2 int64) float64 {
	total := 0 // Σ 2·midrank = n'(n'+1)
	below := 0
	for v := 1; v < len(h.pos); v++ {
		t := h.pos[v] + h.neg[v]
		total += t * (2*below + t + 1)
		below += t
	}
	dist := make([]float64, total+1)
	dist[0] = 1
	hi := 0
	below = 0
	for v := 1; v < len(h.pos); v++ {
		t := h.pos[v] + h.neg[v]
		if t == 0 {
			continue
		}
		r2 := 2*below + t + 1
		below += t
		for range t {
			hi += r2
			for k := hi; k >= r2; k-- {
				dist[k] = 0.5 * (dist[k] + dist[k-r2])
			}
			for k := min(r2-1, hi); k >= 0; k-- {
				dist[k] *= 0.5
			}
		}
	}
	dev := abs64(2*wp2 - int64(total))
	p := 0.0
	for k, pk := range dist {
		if abs64(2*int64(k)-int64(total)) >= dev {
			p += pk
		}
	}
	return math.Min(1, p)
}

// signedRankCounts returns the number of sign patterns of ranks 1..n giving
// each W+ = 0..n(n+1)/2 (the no-ties null distribution). Exact in uint64 for
// n ≤ 63; callers use n ≤ 50.
func signedRankCounts(n int) []uint64 {
	tot := n * (n + 1) / 2
	c := make([]uint64, tot+1)
	c[0] = 1
	hi := 0
	for k := 1; k <= n; k++ {
		hi += k
		for s := hi; s >= k; s-- {
			c[s] += c[s-k]
		}
	}
	return c
}

// signedRankCDF is P(W+ ≤ q) under the no-ties null (R's psignrank).
func signedRankCDF(q, n int) float64 {
	if q < 0 {
		return 0
	}
	c := signedRankCounts(n)
	var s uint64
	for k := 0; k <= q && k < len(c); k++ {
		s += c[k]
	}
	return float64(s) / math.Ldexp(1, n)
}

// scipyExactSignedRank is scipy 1.10's exact two-sided p for an integer W+
// (r) with n non-zero differences: 1 at the centre, else
// 2·min(P(W+ ≤ r), P(W+ ≥ r)), clipped to 1.
func scipyExactSignedRank(r, n int) float64 {
	c := signedRankCounts(n)
	if r == (len(c)-1)/2 {
		return 1
	}
	var less, greater uint64
	for k, v := range c {
		if k <= r {
			less += v
		}
		if k >= r {
			greater += v
		}
	}
	all := math.Ldexp(1, n)
	return math.Min(1, 2*math.Min(float64(less)/all, float64(greater)/all))
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
