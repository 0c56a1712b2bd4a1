package analysis

import (
	"fmt"
)

// Unranked marks an item that an expert did not rank: the items below a
// top-t ranking, or every item of an expert who did not answer.
const Unranked = 0

// RankingProblem says what is wrong with one expert's ranking.
type RankingProblem uint8

// The ranking validation problems.
const (
	// RankCount: the expert's row does not have one entry per item.
	RankCount RankingProblem = iota + 1
	// RankOutOfRange: a rank below 0 or above the number of items.
	RankOutOfRange
	// RankDuplicate: two items share a rank. Ties are not accepted as input;
	// the only ties are the unranked items of a top-t ranking.
	RankDuplicate
	// RankGap: a top-t ranking must use exactly the ranks 1..t.
	RankGap
)

// RankingError reports an invalid ranking, naming the expert and, where
// there is one, the item, so that an import can point at the cell.
type RankingError struct {
	Problem RankingProblem
	Expert  int // index into the rankings given
	// Item is the item at fault (index into the expert's row), or −1 for a
	// count mismatch or a gap. For RankDuplicate, OtherItem is the earlier
	// item holding the same rank; it is −1 otherwise.
	Item, OtherItem int
	Rank            int // the offending rank; for RankGap the first missing one
	Items           int // k, the number of items
	Got             int // for RankCount, the row length given
}

func (e *RankingError) Error() string {
	switch e.Problem {
	case RankCount:
		return fmt.Sprintf("analysis: ranking: expert %d: %d ranks given for %d items", e.Expert, e.Got, e.Items)
	case RankOutOfRange:
		return fmt.Sprintf("analysis: ranking: expert %d, item %d: rank %d is outside 1–%d (0 = unranked)", e.Expert, e.Item, e.Rank, e.Items)
	case RankDuplicate:
		return fmt.Sprintf("analysis: ranking: expert %d: items %d and %d both have rank %d", e.Expert, e.OtherItem, e.Item, e.Rank)
	case RankGap:
		return fmt.Sprintf("analysis: ranking: expert %d: rank %d is missing; a ranking of t items uses ranks 1 to t", e.Expert, e.Rank)
	}
	return fmt.Sprintf("analysis: ranking: expert %d: invalid ranking", e.Expert)
}

// RankedItem summarises the ranks one item received.
type RankedItem struct {
	// N counts the experts who ranked the item; NUnranked the answering
	// experts who left it below their top t. N + NUnranked = Answered.
	N, NUnranked int
	// MeanRank and MedianRank are over the N experts who ranked the item;
	// unranked positions are not imputed. In top-t data an item ranked by
	// few experts can therefore look better than one everybody ranked: read
	// them with N and TopKPct. The median is the same under quantile types
	// 6 and 7 (SPEC §1) and is a whole or half rank.
	MeanRank   Opt[float64]
	MedianRank Opt[Hundredths]
	// Distribution[r−1] counts the experts who gave the item rank r, for
	// r = 1..k.
	Distribution []int
	// TopKCount counts the experts who gave the item a rank ≤ TopK;
	// TopKPct is 100·TopKCount/Answered (undefined when nobody answered).
	// An expert whose ranking stops above rank TopK and left the item
	// unranked counts as "not in the top k".
	TopKCount int
	TopKPct   Opt[float64]
}

// RankingResult is the analysis of one ranking question in one round.
type RankingResult struct {
	Items    int // k
	TopK     int // the k of the top-k frequency
	Experts  int // rows given
	Answered int // experts who ranked at least one item
	Complete int // experts who ranked all k items
	NMissing int // experts who ranked nothing (Experts − Answered)
	PerItem  []RankedItem
	// Kendall is Kendall's W over the complete rankings only (Policy
	// DropExperts): experts who left any item unranked are dropped, as R's
	// friedman.test drops a block with an NA and as SPSS does (SPEC §4).
	// Complete rankings have no ties, so W = W_t here.
	Kendall KendallResult
	// KendallTiedLast uses every answering expert: the k − t items below a
	// top-t ranking share the bottom midrank (t + 1 + k)/2, and W_t carries
	// the tie correction T = Σ(u³ − u) over those groups. It is the
	// sensitivity figure when many experts rank only their top items.
	KendallTiedLast KendallResult
}

// maxKendallSize bounds m²·k³ so that the exact integer sums of Kendall's W
// cannot overflow int64.
const maxKendallSize = 1 << 62

// AnalyzeRanking analyses one ranking question. rankings[i][j] is the rank
// expert i gave item j: 1 is first, [Unranked] (0) means not ranked. Each
// expert ranks t of the k items with the distinct ranks 1..t (t = k is a
// full ranking, t = 0 an expert who did not answer). topK (1..k) is the k
// of the top-k frequency.
//
// An invalid ranking (wrong length, rank out of range, duplicate rank, gap)
// returns a *RankingError and no result, because silently dropping an
// expert would change every figure.
func AnalyzeRanking(rankings [][]int, items, topK int) (RankingResult, error) {
	k := items
	if k < 1 {
		return RankingResult{}, fmt.Errorf("analysis: ranking: %d items; need at least 1", k)
	}
	if topK < 1 || topK > k {
		return RankingResult{}, fmt.Errorf("analysis: ranking: top-k of %d is outside 1–%d", topK, k)
	}
	m := len(rankings)
	if fm, fk := float64(m), float64(k); fm*fm*fk*fk*fk > maxKendallSize {
		return RankingResult{}, fmt.Errorf("analysis: ranking: %d experts × %d items is too large for exact Kendall's W", m, k)
	}
	res := RankingResult{Items: k, TopK: topK, Experts: m, PerItem: make([]RankedItem, k)}

	// One pass validates each row and accumulates, per item, the rank
	// distribution (a k × k table in one allocation) and the rank sums.
	dist := make([]int, k*k)
	sums := make([]int64, k)
	holder := make([]int, k+1) // holder[r] = 1 + the item with rank r in this row
	ranked := make([]int, m)   // t per expert
	for i, row := range rankings {
		if len(row) != k {
			return RankingResult{}, &RankingError{Problem: RankCount, Expert: i, Item: -1, OtherItem: -1, Items: k, Got: len(row)}
		}
		clear(holder)
		t := 0
		for j, r := range row {
			switch {
			case r == Unranked:
				continue
			case r < 0 || r > k:
				return RankingResult{}, &RankingError{Problem: RankOutOfRange, Expert: i, Item: j, OtherItem: -1, Rank: r, Items: k}
			case holder[r] != 0:
				return RankingResult{}, &RankingError{Problem: RankDuplicate, Expert: i, Item: j, OtherItem: holder[r] - 1, Rank: r, Items: k}
			}
			holder[r] = j + 1
			t++
		}
		for r := 1; r <= t; r++ {
			if holder[r] == 0 {
				return RankingResult{}, &RankingError{Problem: RankGap, Expert: i, Item: -1, OtherItem: -1, Rank: r, Items: k}
			}
		}
		ranked[i] = t
		if t == 0 {
			continue
		}
		res.Answered++
		if t == k {
			res.Complete++
		}
		for j, r := range row {
			if r != Unranked {
				dist[j*k+r-1]++
				sums[j] += int64(r)
			}
		}
	}
	res.NMissing = m - res.Answered

	for j := range res.PerItem {
		it := &res.PerItem[j]
		it.Distribution = dist[j*k : (j+1)*k : (j+1)*k]
		for r, c := range it.Distribution {
			it.N += c
			if r < topK {
				it.TopKCount += c
			}
		}
		it.NUnranked = res.Answered - it.N
		it.TopKPct = pct(it.TopKCount, res.Answered)
		if it.N > 0 {
			it.MeanRank = Some(float64(sums[j]) / float64(it.N))
			f := freqTable{min: 1, counts: it.Distribution, n: it.N}
			med, _ := f.quantile(50, Type7) // identical under both types
			it.MedianRank = Some(med)
		}
	}

	res.Kendall = rankingKendall(rankings, ranked, k, DropExperts)
	res.KendallTiedLast = rankingKendall(rankings, ranked, k, UnrankedTiedLast)
	return res, nil
}

// rankingKendall computes Kendall's W on validated rankings. Under
// DropExperts only complete rankings count; under UnrankedTiedLast every
// answering expert counts and the unranked items share the bottom midrank.
func rankingKendall(rankings [][]int, ranked []int, k int, policy KendallPolicy) KendallResult {
	res := KendallResult{Policy: policy, N: k}
	r2 := make([]int64, k) // 2·R_j
	var T int64
	for i, row := range rankings {
		t := ranked[i]
		if t == 0 || (policy == DropExperts && t < k) {
			res.ExpertsDropped++
			continue
		}
		res.M++
		tail2 := int64(t + 1 + k) // twice the midrank of ranks t+1..k
		for j, r := range row {
			if r == Unranked {
				r2[j] += tail2
			} else {
				r2[j] += 2 * int64(r)
			}
		}
		if u := int64(k - t); u > 1 {
			T += u*u*u - u
		}
	}
	if res.M < 2 || k < 2 {
		res.Reason = "need m>=2 experts and k>=2 items"
		return res
	}
	res.finish(r2, T)
	return res
}
