package analysis

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// The reference values for rankings and numeric estimates come from R:
// testdata/ranking_numeric.R writes testdata/ranking_numeric.json (inputs
// and expected values), see the script's header for the command. Every
// expected leaf is compared, with one relative tolerance for all numbers.
const rankNumRelTol = 1e-12

type rankNumFile struct {
	Meta  map[string]any `json:"meta"`
	Cases []rankNumCase  `json:"cases"`
}

type rankNumCase struct {
	ID          string       `json:"id"`
	Kind        string       `json:"kind"`
	Description string       `json:"description"`
	Items       int          `json:"items"`
	TopK        int          `json:"top_k"`
	Rankings    [][]*float64 `json:"rankings_rows_are_experts"`
	Earlier     []*float64   `json:"earlier"`
	Later       []*float64   `json:"later"`
	Expected    any          `json:"expected"`
}

func loadRankNum(t testing.TB) *rankNumFile {
	t.Helper()
	b, err := os.ReadFile("testdata/ranking_numeric.json")
	if err != nil {
		t.Fatal(err)
	}
	var f rankNumFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

// rankingsOf converts the R rows (null = unranked).
func rankingsOf(t *testing.T, rows [][]*float64) [][]int {
	out := make([][]int, len(rows))
	for i, row := range rows {
		out[i] = make([]int, len(row))
		for j, v := range row {
			switch {
			case v == nil:
				out[i][j] = Unranked
			case *v != float64(int(*v)):
				t.Fatalf("expert %d, item %d: rank %v is not an integer", i, j, *v)
			default:
				out[i][j] = int(*v)
			}
		}
	}
	return out
}

// estimatesOf converts the R vector (null = missing).
func estimatesOf(vs []*float64) []Opt[float64] {
	out := make([]Opt[float64], len(vs))
	for i, v := range vs {
		if v != nil {
			out[i] = Some(*v)
		}
	}
	return out
}

// TestRankingNumericVectors asserts every value R computed for the ranking
// and numeric-estimate cases.
func TestRankingNumericVectors(t *testing.T) {
	f := loadRankNum(t)
	if v, _ := f.Meta["r_version"].(string); !strings.HasPrefix(v, "R version") {
		t.Fatalf("meta.r_version = %v; the vectors must come from R", f.Meta["r_version"])
	}
	kinds := map[string]int{}
	for _, vc := range f.Cases {
		kinds[vc.Kind]++
		t.Run(vc.ID, func(t *testing.T) {
			c := newVCheck(t, vc.Expected)
			c.rel = rankNumRelTol
			switch vc.Kind {
			case "ranking":
				r, err := AnalyzeRanking(rankingsOf(t, vc.Rankings), vc.Items, vc.TopK)
				if err != nil {
					t.Fatal(err)
				}
				checkRanking(c, &r)
			case "estimates":
				r, err := CompareEstimates(estimatesOf(vc.Earlier), estimatesOf(vc.Later))
				if err != nil {
					t.Fatal(err)
				}
				checkEstimateSummary(c, "earlier", &r.Earlier)
				checkEstimateSummary(c, "later", &r.Later)
				c.eq("iqr_change.type6", r.IQRChange(Type6))
				c.eq("iqr_change.type7", r.IQRChange(Type7))
				checkWilcoxonAll(c, "wilcoxon", &r.Wilcoxon)
			default:
				t.Fatalf("unknown kind %q", vc.Kind)
			}
			c.requireAllAsserted()
			t.Logf("%d values compared", c.count())
		})
	}
	if kinds["ranking"] < 10 || kinds["estimates"] < 13 {
		t.Errorf("cases by kind = %v; want at least 10 rankings and 13 estimates", kinds)
	}
}

func checkRanking(c *vcheck, r *RankingResult) {
	c.eq("items", r.Items)
	c.eq("top_k", r.TopK)
	c.eq("experts", r.Experts)
	c.eq("answered", r.Answered)
	c.eq("complete", r.Complete)
	c.eq("n_missing", r.NMissing)
	for j, it := range r.PerItem {
		p := join("per_item", itoa(j))
		if !c.has(p) {
			c.t.Errorf("%s: item not in the reference", p)
			continue
		}
		c.eq(join(p, "n"), it.N)
		c.eq(join(p, "n_unranked"), it.NUnranked)
		c.eq(join(p, "mean_rank"), it.MeanRank)
		c.eq(join(p, "median_rank"), it.MedianRank)
		c.eq(join(p, "distribution"), it.Distribution)
		c.eq(join(p, "top_k_count"), it.TopKCount)
		c.eq(join(p, "top_k_pct"), it.TopKPct)
	}
	for _, k := range []struct {
		path string
		res  *KendallResult
	}{{"kendall_complete", &r.Kendall}, {"kendall_tied_last", &r.KendallTiedLast}} {
		checkKendall(c, k.path, k.res)
		c.eq(join(k.path, "small_n"), k.res.SmallN)
	}
}

func checkEstimateSummary(c *vcheck, p string, s *EstimateSummary) {
	c.eq(join(p, "n_total"), s.NTotal)
	c.eq(join(p, "n"), s.N)
	c.eq(join(p, "n_missing"), s.NMissing)
	c.eq(join(p, "mean"), s.Mean)
	c.eq(join(p, "min"), s.Min)
	c.eq(join(p, "max"), s.Max)
	c.eq(join(p, "median"), s.Median)
	for _, t := range []QuantileType{Type6, Type7} {
		q := s.Quartiles(t)
		qp := join(p, t.String())
		c.eq(join(qp, "q1"), q.Q1)
		c.eq(join(qp, "median"), q.Median)
		c.eq(join(qp, "q3"), q.Q3)
		c.eq(join(qp, "iqr"), q.IQR)
		c.eq(join(qp, "iqr_per_median"), q.IQRPerMedian)
		c.eq(join(qp, "iqr_per_median_reason"), q.IQRPerMedianReason)
	}
}

// checkWilcoxonAll compares every field of a WilcoxonResult, including the
// flags that the SPEC vectors do not carry (small n, exact p skipped).
func checkWilcoxonAll(c *vcheck, p string, w *WilcoxonResult) {
	c.eq(join(p, "n_pairs"), w.NPairs)
	c.eq(join(p, "n_zero_diff"), w.NZero)
	c.eq(join(p, "n_nonzero"), w.NNonzero)
	c.eq(join(p, "n_positive"), w.NPositive)
	c.eq(join(p, "n_negative"), w.NNegative)
	c.eq(join(p, "W_plus"), w.WPlus)
	c.eq(join(p, "W_minus"), w.WMinus)
	c.eq(join(p, "T_min"), w.TMin)
	c.eq(join(p, "has_ties"), w.HasTies)
	c.eq(join(p, "z"), w.Z)
	c.eq(join(p, "p_asymptotic"), w.P)
	c.eq(join(p, "z_continuity"), w.ZContinuity)
	c.eq(join(p, "p_asymptotic_continuity"), w.PContinuity)
	c.eq(join(p, "p_r_default"), w.PRDefault)
	c.eq(join(p, "r_default_method"), w.RMethod)
	c.eq(join(p, "p_scipy_1_10_default"), w.PScipy110)
	c.eq(join(p, "scipy_1_10_default_note"), w.ScipyMethod)
	c.eq(join(p, "p_pratt_asymptotic"), w.PPratt)
	c.eq(join(p, "p_exact_conditional"), w.PExactCond)
	c.eq(join(p, "exact_skipped"), w.ExactSkipped)
	c.eq(join(p, "small_n"), w.SmallN)
	c.eq(join(p, "reason"), w.Reason)
}
