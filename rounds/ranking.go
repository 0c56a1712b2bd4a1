package rounds

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// RankingSettings are a ranking round's options, stored as JSON in
// rounds.kind_settings: TopK 0 asks for a full ranking of the round's n
// statements, TopK 1..n−1 for the k most important only (ranks 1..k,
// the rest left unranked).
type RankingSettings struct {
	TopK int `json:"top_k"`
}

// Ranked is how many of the n items each expert ranks.
func (s RankingSettings) Ranked(n int) int {
	if s.TopK > 0 && s.TopK < n {
		return s.TopK
	}
	return n
}

// EncodeRankingSettings writes the settings as rounds.kind_settings holds them.
func EncodeRankingSettings(s RankingSettings) string {
	b, _ := json.Marshal(s) // a struct of one int cannot fail
	return string(b)
}

// DecodeRankingSettings reads rounds.kind_settings; "" is a full ranking.
func DecodeRankingSettings(raw string) (RankingSettings, error) {
	var s RankingSettings
	if strings.TrimSpace(raw) == "" {
		return s, nil
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return s, fmt.Errorf("rounds: ranking settings: %w", err)
	}
	return s, nil
}

// CheckRankingSettings checks a ranking round of n statements: at least
// two to rank, and a top k, when given, from 1 to n−1 (k = n is the full
// ranking, asked with no top k).
func CheckRankingSettings(n int, s RankingSettings) FieldErrors {
	var fe FieldErrors
	if n < 2 {
		fe = append(fe, FieldError{"statements", fmt.Sprintf("a ranking round ranks at least 2 statements; %d chosen", n)})
	}
	if s.TopK != 0 && (s.TopK < 1 || s.TopK > n-1) {
		limit := "fewer than the statements chosen"
		if n >= 2 {
			limit = fmt.Sprintf("from 1 to %d (fewer than the %d statements chosen)", n-1, n)
		}
		fe = append(fe, FieldError{"ranking.top_k", fmt.Sprintf("top k is %d; it must be %s, or empty to rank them all", s.TopK, limit)})
	}
	return fe
}

// RankProblemKind says what is wrong with one rank of an expert's ranking.
type RankProblemKind string

// The problems of an expert's ranking, each shown next to its statement
// (Item) or, for a rank nobody holds, above the list (Item −1).
const (
	RankNotNumber  RankProblemKind = "not_number" // typed text that is no whole number
	RankOutOfRange RankProblemKind = "range"      // a rank outside 1..Ranked
	RankTwice      RankProblemKind = "twice"      // the same rank on two or more statements
	RankMissing    RankProblemKind = "missing"    // a full ranking: the statement has no rank
	RankUnused     RankProblemKind = "unused"     // a top-k ranking: no statement holds this rank
)

// RankProblem is one problem of an expert's ranking.
type RankProblem struct {
	Kind RankProblemKind `json:"problem"`
	Item int             `json:"item"` // index into the ranks given; −1 for RankUnused
	Rank int             `json:"rank,omitempty"`
	Max  int             `json:"max,omitempty"` // the highest rank allowed
}

// ParseRank reads one typed rank: "" is none (0); otherwise a whole
// number from 1 to max. ok is false for anything else, never clipped.
func ParseRank(s string, max int) (rank int, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	r, err := strconv.Atoi(s)
	if err != nil || r < 1 || r > max {
		return 0, false
	}
	return r, true
}

// CheckRanking checks an expert's typed ranks of n statements (typed[i]
// for statement i) for submission: a full ranking (topK 0) gives every
// statement a distinct rank 1..n; a top-k ranking gives exactly k of them
// the distinct ranks 1..k and leaves the others blank. It returns the
// ranks read (0: none) and every problem, in the statements' order.
func CheckRanking(typed []string, topK int) ([]int, []RankProblem) {
	n := len(typed)
	want := RankingSettings{TopK: topK}.Ranked(n)
	ranks := make([]int, n)
	var out []RankProblem
	holders := map[int][]int{}
	for i, s := range typed {
		if strings.TrimSpace(s) != "" {
			if _, err := strconv.Atoi(strings.TrimSpace(s)); err != nil {
				out = append(out, RankProblem{Kind: RankNotNumber, Item: i, Max: want})
				continue
			}
		}
		r, ok := ParseRank(s, want)
		if !ok {
			v, _ := strconv.Atoi(strings.TrimSpace(s))
			out = append(out, RankProblem{Kind: RankOutOfRange, Item: i, Rank: v, Max: want})
			continue
		}
		ranks[i] = r
		if r > 0 {
			holders[r] = append(holders[r], i)
		}
	}
	for i, r := range ranks {
		if r > 0 && len(holders[r]) > 1 {
			out = append(out, RankProblem{Kind: RankTwice, Item: i, Rank: r, Max: want})
		}
	}
	if want == n { // a full ranking: every statement is ranked
		for i, s := range typed {
			if strings.TrimSpace(s) == "" {
				out = append(out, RankProblem{Kind: RankMissing, Item: i, Max: want})
			}
		}
	} else { // top k: each of the ranks 1..k is given
		for r := 1; r <= want; r++ {
			if len(holders[r]) == 0 {
				out = append(out, RankProblem{Kind: RankUnused, Item: -1, Rank: r, Max: want})
			}
		}
	}
	return ranks, out
}

// RankingFeedback is what experts see, in the next ranking round, about a
// statement of a closed ranking round: the panel's mean and median rank
// (over the experts who ranked it). It is frozen into the new round's
// statement, as Feedback is for a rating round; the expert's own earlier
// rank is looked up when the page is shown.
type RankingFeedback struct {
	Kind     Kind     `json:"kind"`  // "ranking"
	Round    int      `json:"round"` // the round summarised
	Items    int      `json:"items"` // statements ranked in it
	N        int      `json:"n"`     // experts who ranked this one
	Answered int      `json:"answered"`
	Mean     *float64 `json:"mean_rank"`
	Median   *float64 `json:"median_rank"`
}

// DecodeRankingFeedback reads a frozen ranking feedback; ok is false for
// anything else (a rating round's feedback, none).
func DecodeRankingFeedback(raw string) (RankingFeedback, bool) {
	var f RankingFeedback
	if raw == "" || json.Unmarshal([]byte(raw), &f) != nil || f.Kind != KindRanking {
		return f, false
	}
	return f, true
}
