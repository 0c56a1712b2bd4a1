package analysis

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestRankingErrors(t *testing.T) {
	ok := []int{1, 2, 3}
	for _, tc := range []struct {
		name string
		rows [][]int
		want RankingError
		msg  string
	}{
		{"short row", [][]int{ok, {1, 2}}, RankingError{Problem: RankCount, Expert: 1, Item: -1, OtherItem: -1, Items: 3, Got: 2}, "expert 1: 2 ranks given for 3 items"},
		{"rank too high", [][]int{ok, ok, {1, 4, 2}}, RankingError{Problem: RankOutOfRange, Expert: 2, Item: 1, OtherItem: -1, Rank: 4, Items: 3}, "expert 2, item 1: rank 4 is outside 1–3"},
		{"negative rank", [][]int{{-1, 0, 0}}, RankingError{Problem: RankOutOfRange, Expert: 0, Item: 0, OtherItem: -1, Rank: -1, Items: 3}, "expert 0, item 0: rank -1"},
		{"duplicate", [][]int{ok, {2, 1, 2}}, RankingError{Problem: RankDuplicate, Expert: 1, Item: 2, OtherItem: 0, Rank: 2, Items: 3}, "expert 1: items 0 and 2 both have rank 2"},
		{"gap", [][]int{{1, 0, 3}}, RankingError{Problem: RankGap, Expert: 0, Item: -1, OtherItem: -1, Rank: 2, Items: 3}, "expert 0: rank 2 is missing"},
		{"top-t starting at 2", [][]int{ok, {0, 2, 0}}, RankingError{Problem: RankGap, Expert: 1, Item: -1, OtherItem: -1, Rank: 1, Items: 3}, "expert 1: rank 1 is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := AnalyzeRanking(tc.rows, 3, 1)
			var re *RankingError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RankingError", err)
			}
			if *re != tc.want {
				t.Errorf("error = %+v, want %+v", *re, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q does not contain %q", err, tc.msg)
			}
		})
	}
	for _, tc := range []struct{ items, topK int }{{0, 1}, {3, 0}, {3, 4}} {
		if _, err := AnalyzeRanking([][]int{{1, 2, 3}}, tc.items, tc.topK); err == nil {
			t.Errorf("items %d, top-k %d accepted", tc.items, tc.topK)
		}
	}
}

// randomRankings gives m experts' rankings of k items, each of a random
// length 0..k (0 = no answer), with a common preference so that W > 0.
func randomRankings(rng *rand.Rand, m, k int, full bool) [][]int {
	rows := make([][]int, m)
	score := make([]float64, k)
	order := make([]int, k)
	for i := range rows {
		for j := range score {
			score[j] = float64(k-j)/float64(k) + rng.NormFloat64()
			order[j] = j
		}
		// Sort items by score, descending (insertion sort: k is small).
		for a := 1; a < k; a++ {
			for b := a; b > 0 && score[order[b]] > score[order[b-1]]; b-- {
				order[b], order[b-1] = order[b-1], order[b]
			}
		}
		t := k
		if !full {
			t = rng.IntN(k + 1)
		}
		rows[i] = make([]int, k)
		for r := 0; r < t; r++ {
			rows[i][order[r]] = r + 1
		}
	}
	return rows
}

// TestRankingKendallMatchesKendallW checks the ranking Kendall's W against
// the rating implementation, which ranks the values itself: complete
// rankings as ratings with Missing for unranked items (experts dropped), and
// the tied-last variant as ratings with k+1 for unranked items.
func TestRankingKendallMatchesKendallW(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := range 40 {
		m, k := 2+rng.IntN(30), 2+rng.IntN(12)
		rows := randomRankings(rng, m, k, trial%4 == 0)
		got, err := AnalyzeRanking(rows, k, 1+rng.IntN(k))
		if err != nil {
			t.Fatal(err)
		}
		missing := make([][]Response, k)
		filled := make([][]Response, k)
		for j := range k {
			missing[j] = make([]Response, m)
			filled[j] = make([]Response, m)
			for i, row := range rows {
				answered := false
				for _, r := range row {
					answered = answered || r != Unranked
				}
				switch {
				case !answered:
					missing[j][i], filled[j][i] = Missing, Missing
				case row[j] == Unranked:
					missing[j][i], filled[j][i] = Missing, Rating(k+1)
				default:
					missing[j][i], filled[j][i] = Rating(row[j]), Rating(row[j])
				}
			}
		}
		sc := Scale{Min: 1, Max: k + 1}
		for _, c := range []struct {
			name string
			got  KendallResult
			cols [][]Response
		}{{"complete", got.Kendall, missing}, {"tied last", got.KendallTiedLast, filled}} {
			want, err := KendallW(c.cols, sc, DropExperts)
			if err != nil {
				t.Fatal(err)
			}
			// The policy and the wording of the m < 2 reason differ by design.
			want.Policy = c.got.Policy
			if (want.Reason == "") != (c.got.Reason == "") {
				t.Fatalf("trial %d %s: reason %q, KendallW %q", trial, c.name, c.got.Reason, want.Reason)
			}
			want.Reason = c.got.Reason
			if !reflect.DeepEqual(c.got, want) {
				t.Fatalf("trial %d (%d×%d) %s:\n got %+v\nwant %+v", trial, m, k, c.name, c.got, want)
			}
		}
	}
}

func TestKendallWRejectsTiedLast(t *testing.T) {
	_, err := KendallW([][]Response{Ratings(1, 2), Ratings(2, 1)}, scale9, UnrankedTiedLast)
	if err == nil || !strings.Contains(err.Error(), "ranking questions only") {
		t.Errorf("err = %v", err)
	}
}

func TestRankingTopK(t *testing.T) {
	// Expert 2 ranked only item 0; for top-2, items it left unranked count
	// as "not in the top 2", and the percentage is over the 3 who answered.
	rows := [][]int{{1, 2, 3}, {2, 1, 3}, {1, 0, 0}, {0, 0, 0}}
	r, err := AnalyzeRanking(rows, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if r.Answered != 3 || r.Complete != 2 || r.NMissing != 1 {
		t.Errorf("answered/complete/missing = %d/%d/%d", r.Answered, r.Complete, r.NMissing)
	}
	want := []int{3, 2, 0}
	for j, it := range r.PerItem {
		if it.TopKCount != want[j] || it.TopKPct != Some(100*float64(want[j])/3) {
			t.Errorf("item %d: top-2 %d (%v), want %d", j, it.TopKCount, it.TopKPct, want[j])
		}
	}
	if r.PerItem[2].MedianRank != Some(Hundredths(300)) || r.PerItem[1].NUnranked != 1 {
		t.Errorf("item 2 median %v, item 1 unranked %d", r.PerItem[2].MedianRank, r.PerItem[1].NUnranked)
	}
}

func TestEstimatesRejectNonFinite(t *testing.T) {
	if _, err := SummarizeEstimates([]Opt[float64]{Some(1.0), Some(math.NaN())}); err == nil || !strings.Contains(err.Error(), "expert 1") {
		t.Errorf("NaN: err = %v", err)
	}
	_, err := CompareEstimates([]Opt[float64]{Some(1.0), {}}, []Opt[float64]{Some(math.Inf(1)), Some(2.0)})
	if err == nil || !strings.Contains(err.Error(), "later round, expert 0") {
		t.Errorf("Inf: err = %v", err)
	}
	if _, err := CompareEstimates(make([]Opt[float64], 2), make([]Opt[float64], 3)); err == nil {
		t.Error("misaligned rounds accepted")
	}
	if _, err := SignedRankFloat([]float64{1, math.NaN()}); err == nil {
		t.Error("NaN difference accepted")
	}
	// A NaN that is not a valid answer is simply missing.
	s, err := SummarizeEstimates([]Opt[float64]{{Value: math.NaN()}, Some(3.0)})
	if err != nil || s.N != 1 || s.NMissing != 1 {
		t.Errorf("invalid NaN slot: %+v, %v", s, err)
	}
}

// TestSignedRankFloatMatchesInt: on integer differences the real-valued
// test must give exactly what the rating test gives.
func TestSignedRankFloatMatchesInt(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for trial := range 200 {
		n := rng.IntN(70)
		d := make([]int, n)
		f := make([]float64, n)
		for i := range d {
			d[i] = rng.IntN(9) - 4
			f[i] = float64(d[i])
		}
		want := SignedRank(d)
		got, err := SignedRankFloat(f)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d, d = %v:\n got %+v\nwant %+v", trial, d, got, want)
		}
	}
}
