package results

import (
	"fmt"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/rounds"
)

// Ranking is a closed ranking round's results, stored as its
// snapshot (round_results.results) instead of a rating round's.
type Ranking struct {
	Kind     rounds.Kind       `json:"kind"` // "ranking"
	Round    int               `json:"round"`
	Items    int               `json:"items"`
	TopK     int               `json:"top_k"`         // the round's top k; 0 for a full ranking
	TopKFreq int               `json:"top_k_counted"` // the k of the top-k frequency
	Experts  int               `json:"experts"`       // who submitted
	Answered int               `json:"answered"`
	Complete int               `json:"complete"`
	Per      []RankedStatement `json:"ranking"`
	// Kendall's W over the complete rankings, and over every ranking with
	// the unranked statements tied last (the figure for a top-k round).
	Kendall         RankingKendall `json:"kendall"`
	KendallTiedLast RankingKendall `json:"kendall_tied_last"`
}

// RankedStatement is one statement's ranks.
type RankedStatement struct {
	Key              string                `json:"statement"` // lineage key, as the rating results
	RoundStatementID int64                 `json:"round_statement_id"`
	Text             string                `json:"text"`
	N                int                   `json:"n"`
	NUnranked        int                   `json:"n_unranked"`
	MeanRank         analysis.Opt[float64] `json:"mean_rank"`
	MedianRank       *float64              `json:"median_rank"`
	Distribution     []int                 `json:"distribution"` // experts per rank 1..items
	TopKCount        int                   `json:"top_k_count"`
	TopKPct          analysis.Opt[float64] `json:"top_k_pct"`
}

// RankingKendall are Kendall's W as the ranking results report it.
type RankingKendall struct {
	M    int                   `json:"m"` // experts used
	W    analysis.Opt[float64] `json:"w"` // tie-corrected
	Chi2 analysis.Opt[float64] `json:"chi2"`
	DF   analysis.Opt[int]     `json:"df"`
	P    analysis.Opt[float64] `json:"p"`
}

// rankingMethods describes the ranking rounds for the methods section:
// what experts were asked, how the ranks were summarised, and that no
// consensus rule applied. "" when the study had none.
func rankingMethods(rs []Ranking) string {
	if len(rs) == 0 {
		return ""
	}
	var parts []string
	for _, r := range rs {
		asked := fmt.Sprintf("round %d asked the experts to rank %d statements in order of importance (1 = most important)", r.Round, r.Items)
		if r.TopK > 0 {
			asked = fmt.Sprintf("round %d asked the experts to choose and rank the %d most important of %d statements (1 = most important; the others left unranked)", r.Round, r.TopK, r.Items)
		}
		w := "Kendall's W could not be computed"
		if v, ok := r.Kendall.W.Get(); ok {
			w = fmt.Sprintf("Kendall's W over the %d complete rankings was %.3f", r.Kendall.M, v)
		}
		if v, ok := r.KendallTiedLast.W.Get(); ok && r.TopK > 0 {
			w += fmt.Sprintf(" (%.3f over all %d rankings, the unranked statements tied last)", v, r.KendallTiedLast.M)
		}
		parts = append(parts, fmt.Sprintf("%s; %d experts submitted a ranking and %s", asked, r.Experts, w))
	}
	return "Ranking: " + strings.Join(parts, "; ") + ". For each statement the mean and median rank are over the experts who ranked it, with the distribution of ranks and the share of experts who placed it in their top " +
		"k (the round's k; for a full ranking the first three, or fewer when fewer than four statements were ranked). A ranking round has no consensus rule: every statement was proposed for carrying forward, and the coordinators decided what the ranking settled. In a later ranking round each expert saw the panel's mean and median rank of each statement and their own earlier rank."
}
