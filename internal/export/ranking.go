package export

import (
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/internal/results"
)

// rankingRows is the workbook's "Ranking" sheet: one row per statement of
// each ranking round, with the round's Kendall's W on each row so that
// the sheet can be filtered by round.
func rankingRows(rs []results.Ranking) table {
	t := table{header: []string{"round", "statement", "text", "mean_rank", "median_rank", "n_ranked", "n_unranked", "top_k", "top_k_count", "top_k_pct", "rank_distribution", "kendall_w", "kendall_m", "kendall_p", "kendall_w_tied_last"}}
	for _, r := range rs {
		for _, it := range r.Per {
			var median any
			if it.MedianRank != nil {
				median = *it.MedianRank
			}
			t.rows = append(t.rows, []any{r.Round, it.Key, it.Text, optF(it.MeanRank), median, it.N, it.NUnranked, r.TopKFreq, it.TopKCount, optF(it.TopKPct),
				distribution(it.Distribution), optF(r.Kendall.W), r.Kendall.M, optF(r.Kendall.P), optF(r.KendallTiedLast.W)})
		}
	}
	return t
}

// distribution writes experts per rank as "3 1 1" (rank 1 first).
func distribution(d []int) string {
	out := make([]string, len(d))
	for i, n := range d {
		out[i] = strconv.Itoa(n)
	}
	return strings.Join(out, " ")
}
