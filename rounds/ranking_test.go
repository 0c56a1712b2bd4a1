package rounds

import (
	"slices"
	"testing"
)

// A full ranking needs every statement ranked once; a top-k ranking the
// ranks 1..k exactly once each and nothing else. Each problem names its
// statement (or, for a rank nobody holds, none).
func TestCheckRanking(t *testing.T) {
	for _, c := range []struct {
		name  string
		typed []string
		topK  int
		ranks []int
		want  []RankProblem
	}{
		{"full", []string{"2", "1", "3"}, 0, []int{2, 1, 3}, nil},
		{"spaces", []string{" 2", "1 ", "3"}, 0, []int{2, 1, 3}, nil},
		{"twice and missing", []string{"1", "1", ""}, 0, []int{1, 1, 0},
			[]RankProblem{{RankTwice, 0, 1, 3}, {RankTwice, 1, 1, 3}, {RankMissing, 2, 0, 3}}},
		{"out of range", []string{"4", "1", "2"}, 0, []int{0, 1, 2}, []RankProblem{{RankOutOfRange, 0, 4, 3}}},
		{"zero", []string{"0", "1", "2"}, 0, []int{0, 1, 2}, []RankProblem{{RankOutOfRange, 0, 0, 3}}},
		{"not a number", []string{"first", "1", "2"}, 0, []int{0, 1, 2}, []RankProblem{{RankNotNumber, 0, 0, 3}}},
		{"top 2", []string{"", "2", "1"}, 2, []int{0, 2, 1}, nil},
		{"top 2, rank 2 unused", []string{"", "", "1"}, 2, []int{0, 0, 1}, []RankProblem{{RankUnused, -1, 2, 2}}},
		{"top 2, rank 3", []string{"3", "2", "1"}, 2, []int{0, 2, 1}, []RankProblem{{RankOutOfRange, 0, 3, 2}}},
	} {
		ranks, got := CheckRanking(c.typed, c.topK)
		if !slices.Equal(ranks, c.ranks) || !slices.Equal(got, c.want) {
			t.Errorf("%s: ranks %v problems %+v; want %v %+v", c.name, ranks, got, c.ranks, c.want)
		}
	}
}

func TestCheckRankingSettings(t *testing.T) {
	for _, c := range []struct {
		n      int
		topK   int
		fields []string
	}{
		{3, 0, nil}, {3, 2, nil}, {3, 1, nil},
		{3, 3, []string{"ranking.top_k"}}, {3, -1, []string{"ranking.top_k"}},
		{1, 0, []string{"statements"}}, {1, 2, []string{"statements", "ranking.top_k"}},
	} {
		var fields []string
		for _, e := range CheckRankingSettings(c.n, RankingSettings{TopK: c.topK}) {
			fields = append(fields, e.Field)
		}
		if !slices.Equal(fields, c.fields) {
			t.Errorf("n %d top %d: fields %v; want %v", c.n, c.topK, fields, c.fields)
		}
	}
	s, err := DecodeRankingSettings(EncodeRankingSettings(RankingSettings{TopK: 2}))
	if err != nil || s.TopK != 2 || s.Ranked(5) != 2 || (RankingSettings{}).Ranked(5) != 5 {
		t.Fatalf("settings round trip: %+v %v", s, err)
	}
}
