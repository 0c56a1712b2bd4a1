package analysis

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Grouping assigns experts to subgroups (stakeholder group, country, any
// expert attribute) for SPEC §6. Building it once per study and passing
// indices avoids a string lookup per response.
type Grouping struct {
	// Names are the distinct group labels, sorted.
	Names []string
	// Member[i] is the index into Names of expert i, or -1 when expert i
	// has no label (such experts are left out of every group).
	Member []int
}

// NewGrouping builds a Grouping from one label per expert; "" means no label.
func NewGrouping(labels []string) Grouping {
	seen := make(map[string]bool)
	var names []string
	for _, l := range labels {
		if l != "" && !seen[l] {
			seen[l] = true
			names = append(names, l)
		}
	}
	slices.Sort(names)
	idx := make(map[string]int, len(names))
	for i, n := range names {
		idx[n] = i
	}
	member := make([]int, len(labels))
	for i, l := range labels {
		member[i] = -1
		if l != "" {
			member[i] = idx[l]
		}
	}
	return Grouping{Names: names, Member: member}
}

// GroupResult is the full statement analysis within one group, so per-group
// decisions (such as COMET "in each stakeholder group") come for free.
type GroupResult struct {
	Name string
	StatementResult
}

// SubgroupResult holds every group's analysis, in Grouping.Names order
// (groups without valid ratings are listed, with everything undefined), and
// the Kruskal–Wallis test across the groups with ratings.
type SubgroupResult struct {
	Groups        []GroupResult
	KruskalWallis KruskalWallisResult
}

// Group returns the index of the named group.
func (r *SubgroupResult) Group(name string) (int, bool) {
	for i := range r.Groups {
		if r.Groups[i].Name == name {
			return i, true
		}
	}
	return -1, false
}

// MannWhitney compares groups i and j (group i is "group 1").
func (r *SubgroupResult) MannWhitney(i, j int) MannWhitneyResult {
	return mannWhitneyCounts(r.Groups[i].Freq, r.Groups[j].Freq)
}

// Subgroups analyses one statement's responses per group. responses[i] is
// expert i's response, labelled by g.Member[i].
func (a *Analyzer) Subgroups(responses []Response, g Grouping) (SubgroupResult, error) {
	if len(g.Member) != len(responses) {
		return SubgroupResult{}, fmt.Errorf("analysis: subgroups: %d responses but %d group memberships", len(responses), len(g.Member))
	}
	sc := a.s.Scale
	pts, k := sc.Points(), len(g.Names)
	buf := make([]int, k*pts)
	tables := make([]freqTable, k)
	for i := range tables {
		tables[i] = freqTable{min: sc.Min, counts: buf[i*pts : (i+1)*pts : (i+1)*pts]}
	}
	for i, r := range responses {
		gi := g.Member[i]
		if gi < 0 {
			continue
		}
		if err := tables[gi].add(r, i, sc); err != nil {
			return SubgroupResult{}, err
		}
	}
	out := SubgroupResult{Groups: make([]GroupResult, k)}
	counts := make([][]int, k)
	for i := range tables {
		out.Groups[i] = GroupResult{Name: g.Names[i], StatementResult: a.fromFreq(&tables[i])}
		counts[i] = tables[i].counts
	}
	out.KruskalWallis = kruskalWallisCounts(counts)
	return out, nil
}

// KruskalWallisResult is the Kruskal–Wallis test across groups with at least
// one rating (SPEC §6), with midranks and the tie correction.
type KruskalWallisResult struct {
	K int // groups with n ≥ 1
	N int // ratings in those groups
	// GroupN and MeanRanks are per input group; MeanRanks is undefined for
	// an empty group.
	GroupN         []int
	MeanRanks      []Opt[float64]
	HUncorrected   Opt[float64]
	TieCorrection  Opt[float64] // C = 1 − Σ(t³ − t)/(N³ − N)
	H              Opt[float64] // H0/C; undefined when every rating is equal (C = 0)
	DF             Opt[int]
	P              Opt[float64]
	EpsilonSquared Opt[float64] // H/((N² − 1)/(N + 1))
	Reason         string
}

// KruskalWallis runs the test on groups of integer values.
func KruskalWallis(groups [][]int) KruskalWallisResult {
	lo, hi, ok := valueRange(groups...)
	if !ok {
		return kruskalWallisCounts(make([][]int, len(groups)))
	}
	return kruskalWallisCounts(countsOver(lo, hi, groups...))
}

func kruskalWallisCounts(groups [][]int) KruskalWallisResult {
	r := KruskalWallisResult{GroupN: make([]int, len(groups)), MeanRanks: make([]Opt[float64], len(groups))}
	pts := 0
	for i, c := range groups {
		pts = max(pts, len(c))
		for _, v := range c {
			r.GroupN[i] += v
		}
		if r.GroupN[i] > 0 {
			r.K++
			r.N += r.GroupN[i]
		}
	}
	if r.K < 2 {
		r.Reason = "fewer than 2 non-empty groups"
		return r
	}
	all := make([]int, pts)
	for _, c := range groups {
		for v, x := range c {
			all[v] += x
		}
	}
	mid2 := make([]int64, pts)
	ties := twiceMidranks(all, mid2)
	N := float64(r.N)
	s := 0.0
	for i, c := range groups {
		if r.GroupN[i] == 0 {
			continue
		}
		var r2 int64
		for v, x := range c {
			r2 += int64(x) * mid2[v]
		}
		rs := float64(r2) / 2
		ng := float64(r.GroupN[i])
		s += rs * rs / ng
		r.MeanRanks[i] = Some(rs / ng)
	}
	h0 := 12.0/(N*(N+1))*s - 3*(N+1)
	r.HUncorrected = Some(h0)
	r.DF = Some(r.K - 1)
	c := 1 - float64(ties)/(N*N*N-N)
	if c <= 0 {
		r.Reason = "all ratings identical (tie correction denominator 0)"
		return r
	}
	h := h0 / c
	r.TieCorrection = Some(c)
	r.H = Some(h)
	r.P = Some(distuv.ChiSquared{K: float64(r.K - 1)}.Survival(h))
	r.EpsilonSquared = Some(h / ((N*N - 1) / (N + 1)))
	return r
}

// MannWhitneyResult is the Mann–Whitney U test of group 1 against group 2
// (SPEC §6). P is the platform default (normal approximation with the tie
// correction, no continuity correction, as SPSS).
type MannWhitneyResult struct {
	N1, N2       int
	R1           Opt[float64] // rank sum of group 1
	U1, U2, UMin Opt[float64] // R reports W = U1
	HasTies      bool
	Z, P         Opt[float64]
	ZContinuity  Opt[float64]
	PContinuity  Opt[float64] // R wilcox.test(exact=FALSE), scipy use_continuity=True
	EffectR      Opt[float64] // |z|/√N
	// PScipy110 reproduces scipy 1.10 mannwhitneyu() defaults: exact when
	// a group has ≤ 8 values and there are no ties, otherwise asymptotic with
	// continuity correction. Undefined when every rating is equal.
	PScipy110   Opt[float64]
	ScipyMethod string
	Reason      string
}

// MannWhitney runs the test on two groups of integer values.
func MannWhitney(x, y []int) MannWhitneyResult {
	lo, hi, ok := valueRange(x, y)
	if !ok {
		return mannWhitneyCounts(nil, nil)
	}
	c := countsOver(lo, hi, x, y)
	return mannWhitneyCounts(c[0], c[1])
}

func mannWhitneyCounts(c1, c2 []int) MannWhitneyResult {
	var r MannWhitneyResult
	for _, v := range c1 {
		r.N1 += v
	}
	for _, v := range c2 {
		r.N2 += v
	}
	if r.N1 == 0 || r.N2 == 0 {
		r.Reason = "empty group"
		return r
	}
	pts := max(len(c1), len(c2))
	all := make([]int, pts)
	for v, x := range c1 {
		all[v] += x
	}
	for v, x := range c2 {
		all[v] += x
	}
	mid2 := make([]int64, pts)
	ties := twiceMidranks(all, mid2)
	for _, t := range all {
		if t > 1 {
			r.HasTies = true
		}
	}
	var r2 int64
	for v, x := range c1 {
		r2 += int64(x) * mid2[v]
	}
	n1, n2 := float64(r.N1), float64(r.N2)
	R1 := float64(r2) / 2
	U1 := R1 - n1*(n1+1)/2
	U2 := n1*n2 - U1
	r.R1, r.U1, r.U2, r.UMin = Some(R1), Some(U1), Some(U2), Some(math.Min(U1, U2))
	N := n1 + n2
	v := n1 * n2 / 12.0 * ((N + 1) - float64(ties)/(N*(N-1)))
	if v <= 0 {
		r.Reason = "all ratings identical"
		return r
	}
	sd := math.Sqrt(v)
	mu := n1 * n2 / 2
	z := (U1 - mu) / sd
	zc := (U1 - mu - 0.5*sign(U1-mu)) / sd
	r.Z, r.P = Some(z), Some(normalTwoSided(z))
	r.ZContinuity, r.PContinuity = Some(zc), Some(math.Min(1, normalTwoSided(zc)))
	r.EffectR = Some(math.Abs(z) / math.Sqrt(N))
	if (r.N1 > 8 && r.N2 > 8) || r.HasTies {
		r.PScipy110, r.ScipyMethod = r.PContinuity, "asymptotic, continuity correction"
	} else if p, ok := mannWhitneyExact(r.N1, r.N2, int(math.Max(U1, U2))); ok {
		r.PScipy110, r.ScipyMethod = Some(p), "exact"
	}
	return r
}

// mannWhitneyExact is min(1, 2·P(U ≥ u)) under the no-ties null, as scipy's
// exact method. The counts of U are the coefficients of the Gaussian
// binomial [m+n choose m]_q = Π_{i=1..m} (1 − q^{n+i})/(1 − q^i). They are
// computed in uint64 arithmetic modulo 2^64, which is exact whenever the
// total C(m+n, m) fits in 64 bits; ok is false otherwise.
func mannWhitneyExact(m, n, u int) (float64, bool) {
	if m > n {
		m, n = n, m
	}
	total, ok := binomial(m+n, m)
	if !ok {
		return 0, false
	}
	// Coefficients above degree m·n are dropped: the final polynomial has
	// degree m·n and coefficient k only ever depends on coefficients ≤ k.
	top := m * n
	c := make([]uint64, top+1)
	c[0] = 1
	for i := 1; i <= m; i++ {
		// multiply by (1 − q^{n+i})
		for k := top; k >= n+i; k-- {
			c[k] -= c[k-n-i]
		}
		// divide by (1 − q^i): multiply by 1 + q^i + q^{2i} + …
		for k := i; k <= top; k++ {
			c[k] += c[k-i]
		}
	}
	var tail uint64
	for k := max(u, 0); k <= top; k++ {
		tail += c[k]
	}
	return math.Min(1, 2*float64(tail)/float64(total)), true
}

// binomial returns C(n, k) and whether it fits in a uint64.
func binomial(n, k int) (uint64, bool) {
	c := uint64(1)
	for i := 1; i <= k; i++ {
		hi, lo := bits.Mul64(c, uint64(n-k+i))
		if hi >= uint64(i) {
			return 0, false
		}
		c, _ = bits.Div64(hi, lo, uint64(i))
	}
	return c, true
}

// valueRange returns the smallest and largest value over the groups.
func valueRange(groups ...[]int) (lo, hi int, ok bool) {
	for _, g := range groups {
		for _, v := range g {
			if !ok {
				lo, hi, ok = v, v, true
			}
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return lo, hi, ok
}

// countsOver builds one frequency table per group over lo..hi.
func countsOver(lo, hi int, groups ...[]int) [][]int {
	out := make([][]int, len(groups))
	for i, g := range groups {
		out[i] = make([]int, hi-lo+1)
		for _, v := range g {
			out[i][v-lo]++
		}
	}
	return out
}
