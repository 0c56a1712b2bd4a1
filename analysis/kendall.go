package analysis

import (
	"fmt"

	"gonum.org/v1/gonum/stat/distuv"
)

// KendallPolicy says how Kendall's W handles experts with a missing or
// unable answer. SPSS and irr differ (SPEC §4), so results name the policy.
type KendallPolicy uint8

const (
	// DropExperts deletes experts with any missing statement (listwise over
	// cases), as SPSS / PSPP NPAR TESTS /KENDALL do. The platform default.
	DropExperts KendallPolicy = iota
	// DropStatements deletes statements that any expert left unrated, as R
	// irr::kendall does through na.omit.
	DropStatements
	// UnrankedTiedLast applies to ranking questions only (AnalyzeRanking):
	// every expert who ranked something counts, and the items below a
	// top-t ranking share the bottom midrank. KendallW rejects it.
	UnrankedTiedLast
)

// String describes the policy as the reference vectors do.
func (p KendallPolicy) String() string {
	switch p {
	case DropExperts:
		return "drop_experts_with_any_missing (SPSS Kendall's W / Friedman)"
	case DropStatements:
		return "drop_statements_with_any_missing (R irr::kendall na.omit)"
	case UnrankedTiedLast:
		return "unranked_items_tied_last (top-t rankings; unranked items share the bottom midrank)"
	}
	return fmt.Sprintf("KendallPolicy(%d)", uint8(p))
}

// SchmidtBand is Schmidt's (1997) reading of W, with cut-points midway
// between his anchors (SPEC §4).
type SchmidtBand uint8

// The Schmidt bands.
const (
	VeryWeak        SchmidtBand = iota + 1 // [0, 0.2)
	Weak                                   // [0.2, 0.4)
	Moderate                               // [0.4, 0.6)
	Strong                                 // [0.6, 0.8)
	UnusuallyStrong                        // [0.8, 1]
)

// String returns the band's label, e.g. "unusually strong".
func (b SchmidtBand) String() string {
	switch b {
	case VeryWeak:
		return "very weak"
	case Weak:
		return "weak"
	case Moderate:
		return "moderate"
	case Strong:
		return "strong"
	case UnusuallyStrong:
		return "unusually strong"
	}
	return fmt.Sprintf("SchmidtBand(%d)", uint8(b))
}

// MarshalText makes JSON show the label.
func (b SchmidtBand) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

func schmidtBand(w float64) SchmidtBand {
	switch {
	case w < 0.2:
		return VeryWeak
	case w < 0.4:
		return Weak
	case w < 0.6:
		return Moderate
	case w < 0.8:
		return Strong
	}
	return UnusuallyStrong
}

// KendallResult is Kendall's coefficient of concordance for one round
// (SPEC §4): m experts rank n statements.
type KendallResult struct {
	Policy KendallPolicy
	M      int // experts used
	N      int // statements used
	// ExpertsDropped counts experts removed under DropExperts.
	ExpertsDropped int
	// StatementsKept lists, under DropStatements, the indices of the
	// statements kept (into the columns given).
	StatementsKept []int
	RankSums       []float64 // R_j per statement used
	S              float64
	T              int64        // Σ(t³ − t) over every expert's tie groups
	W              Opt[float64] // uncorrected; too low with Likert ties
	WTieCorrected  Opt[float64] // the one to report
	Chi2           Opt[float64] // m(n − 1)·W_t, the tie-corrected Friedman statistic
	DF             Opt[int]
	P              Opt[float64]
	MeanSpearman   Opt[float64] // (m·W_t − 1)/(m − 1)
	Band           Opt[SchmidtBand]
	// SmallN is set when n ≤ 7, where the χ² approximation is poor.
	SmallN bool
	Reason string
}

// KendallW computes Kendall's W for one round. columns[j][i] is expert i's
// response to statement j, so every column must have the same length (one
// entry per expert, in the same order). UNABLE and MISSING are handled by
// policy. Ratings must lie on the scale.
func KendallW(columns [][]Response, s Scale, policy KendallPolicy) (KendallResult, error) {
	if err := s.Validate(); err != nil {
		return KendallResult{}, err
	}
	res := KendallResult{Policy: policy}
	experts := 0
	if len(columns) > 0 {
		experts = len(columns[0])
	}
	for j, c := range columns {
		if len(c) != experts {
			return res, fmt.Errorf("analysis: kendall: column %d has %d responses, column 0 has %d", j, len(c), experts)
		}
		for i, r := range c {
			if r.IsRating() && !s.Contains(int(r)) {
				return res, fmt.Errorf("analysis: kendall: statement %d, expert %d: rating %d is outside the scale %s", j, i, int(r), s)
			}
		}
	}

	// Select the rows (experts) and columns (statements) to use.
	rows := make([]int, 0, experts)
	cols := make([]int, 0, len(columns))
	switch policy {
	case DropExperts:
		for i := 0; i < experts; i++ {
			ok := true
			for _, c := range columns {
				if !c[i].IsRating() {
					ok = false
					break
				}
			}
			if ok {
				rows = append(rows, i)
			}
		}
		for j := range columns {
			cols = append(cols, j)
		}
		res.ExpertsDropped = experts - len(rows)
	case DropStatements:
		for i := 0; i < experts; i++ {
			rows = append(rows, i)
		}
		for j, c := range columns {
			ok := true
			for _, r := range c {
				if !r.IsRating() {
					ok = false
					break
				}
			}
			if ok {
				cols = append(cols, j)
			}
		}
		res.StatementsKept = cols
	case UnrankedTiedLast:
		return res, fmt.Errorf("analysis: kendall: policy %s applies to ranking questions only (AnalyzeRanking)", policy)
	default:
		return res, fmt.Errorf("analysis: kendall: unknown policy %d", policy)
	}
	m, n := len(rows), len(cols)
	res.M, res.N = m, n
	if m < 2 || n < 2 {
		res.Reason = "need m>=2 experts and n>=2 statements"
		return res, nil
	}

	// Rank each expert's ratings across the statements with midranks, from
	// a frequency table of that expert's ratings (ratings are small
	// integers). Twice the midrank is an integer, so rank sums are exact.
	pts := s.Points()
	counts := make([]int, pts)
	mid2 := make([]int64, pts)
	r2 := make([]int64, n) // 2·R_j
	var T int64
	for _, i := range rows {
		clear(counts)
		for _, j := range cols {
			counts[int(columns[j][i])-s.Min]++
		}
		T += twiceMidranks(counts, mid2)
		for k, j := range cols {
			r2[k] += mid2[int(columns[j][i])-s.Min]
		}
	}
	res.finish(r2, T)
	return res, nil
}

// finish computes S, W, W_t, χ², p and the derived figures from twice the
// rank sums (r2[j] = 2·R_j) and the tie term T, for res.M experts and res.N
// statements (m, n ≥ 2). KendallW and the ranking analysis share it, so
// both report identical numbers for identical ranks.
func (res *KendallResult) finish(r2 []int64, T int64) {
	m, n := res.M, res.N
	// S = Σ(R_j − m(n+1)/2)² = Σ(2R_j − m(n+1))²/4, exact in integers.
	var s4 int64
	mn1 := int64(m) * int64(n+1)
	res.RankSums = make([]float64, n)
	for k, v := range r2 {
		d := v - mn1
		s4 += d * d
		res.RankSums[k] = float64(v) / 2
	}
	res.S = float64(s4) / 4
	res.T = T
	n64, m64 := int64(n), int64(m)
	denU := m64 * m64 * (n64*n64*n64 - n64)
	denC := denU - m64*T
	// W = 12S/den = 3·S4/den.
	res.W = Some(float64(3*s4) / float64(denU))
	res.DF = Some(n - 1)
	res.SmallN = n <= 7
	if denC <= 0 {
		res.Reason = "every expert gave identical ratings to all statements"
		return
	}
	wt := float64(3*s4) / float64(denC)
	chi2 := float64(m) * float64(n-1) * wt
	res.WTieCorrected = Some(wt)
	res.Chi2 = Some(chi2)
	res.P = Some(distuv.ChiSquared{K: float64(n - 1)}.Survival(chi2))
	res.MeanSpearman = Some((float64(m)*wt - 1) / float64(m-1))
	res.Band = Some(schmidtBand(wt))
}
