package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Ranking rounds (issue 17): the experts put a few chosen statements in
// order of importance, rank 1 first, stored in ratings.rating. These are
// the kind's parts of the round workflow; the shared workflows
// (CreateNextRound, SubmitAnswers, CloseRound) call them by the round's
// kind.

// RankingInput is a ranking round's options as submitted (RoundInput.Ranking).
type RankingInput struct {
	// TopK asks for the k most important statements only (ranks 1..k);
	// 0 or absent asks for a full ranking.
	TopK *int `json:"top_k"`
	// TopKText is the top k as a form typed it ("" for none), read here so
	// that the page and the API refuse the same input with one message.
	TopKText *string `json:"-"`
}

// applyRanking reads the ranking options given (in) over opt's.
func applyRanking(in *RankingInput, opt *RoundOptions) rounds.FieldErrors {
	if in == nil {
		return nil
	}
	var fe rounds.FieldErrors
	k := opt.Ranking.TopK
	switch {
	case in.TopKText != nil:
		if s := strings.TrimSpace(*in.TopKText); s == "" {
			k = 0
		} else if v, err := strconv.Atoi(s); err != nil {
			fe = append(fe, rounds.FieldError{Field: "ranking.top_k", Message: fmt.Sprintf("%q is not a whole number: give how many statements each expert ranks, or leave it empty to rank them all", s)})
		} else {
			k = v
		}
	case in.TopK != nil:
		k = *in.TopK
	}
	if k < 0 {
		fe = append(fe, rounds.FieldError{Field: "ranking.top_k", Message: fmt.Sprintf("top k is %d; it must be 1 or more, or empty to rank them all", k)})
	}
	if len(fe) == 0 {
		opt.Ranking.TopK = k
	}
	return fe
}

// checkRankingRound checks a new round's ranking options against its
// statements: only a ranking round has them, and it ranks at least two
// (rounds.CheckRankingSettings). It returns the settings to store.
func checkRankingRound(opt RoundOptions, statements int) (string, rounds.FieldErrors) {
	if opt.Kind != rounds.KindRanking {
		if opt.Ranking.TopK != 0 {
			return "", rounds.FieldErrors{{Field: "ranking.top_k", Message: "top k applies to a ranking round only; choose the kind ranking, or leave top k empty"}}
		}
		return "", nil
	}
	if fe := rounds.CheckRankingSettings(statements, opt.Ranking); len(fe) > 0 {
		return "", fe
	}
	return rounds.EncodeRankingSettings(opt.Ranking), nil
}

// RankingOf reads a ranking round's settings; any other round has none.
func RankingOf(r store.Round) rounds.RankingSettings {
	s, _ := rounds.DecodeRankingSettings(r.KindSettings) // written by checkRankingRound only
	return s
}

// RankingRefused refuses a ranking submitted with problems, each of
// which the expert's page shows next to its statement.
type RankingRefused struct {
	Problems []rounds.RankProblem
	// RoundStatementIDs[i] is the statement of Problems' item i.
	RoundStatementIDs []int64
}

func (e RankingRefused) Error() string {
	return fmt.Sprintf("the ranking is not complete or not valid: %d problems", len(e.Problems))
}

// FaultKind makes it invalid input (package fault).
func (e RankingRefused) FaultKind() fault.Kind { return fault.Invalid }

// CheckExpertRanking checks an expert's stored ranks in a ranking round as
// submission needs them (rounds.CheckRanking): the typed values to check
// are the stored ranks, in the round's order.
func (w *Service) CheckExpertRanking(ctx context.Context, v store.Visit) error {
	rss, err := w.store.RoundStatements(ctx, v.Round.ID)
	if err != nil {
		return err
	}
	stored, err := w.store.RatingsByInvitation(ctx, v.Invitation.ID)
	if err != nil {
		return err
	}
	typed := make([]string, len(rss))
	ids := make([]int64, len(rss))
	for i, rs := range rss {
		ids[i] = rs.ID
		if r := stored[rs.ID]; r.Rating.Valid {
			typed[i] = strconv.FormatInt(r.Rating.Int64, 10)
		}
	}
	if _, problems := rounds.CheckRanking(typed, RankingOf(v.Round).TopK); len(problems) > 0 {
		return RankingRefused{Problems: problems, RoundStatementIDs: ids}
	}
	return nil
}

// submitRanking submits a ranking round's answers: a valid ranking (full,
// or exactly the top k) is complete, whatever the statements left blank
// below the top k; an invalid one is refused with its problems.
func (w *Service) submitRanking(ctx context.Context, v store.Visit) error {
	if err := w.CheckExpertRanking(ctx, v); err != nil {
		return err
	}
	return w.store.SubmitInvitation(ctx, v.Invitation.ID)
}

// The results of a ranking round (internal/results/ranking.go).
type (
	RankingResults = results.Ranking
	RankingItem    = results.RankedStatement
	KendallFigures = results.RankingKendall
)

func kendallFigures(k analysis.KendallResult) KendallFigures {
	return KendallFigures{M: k.M, W: k.WTieCorrected, Chi2: k.Chi2, DF: k.DF, P: k.P}
}

// RankingTopKFrequency is the k of a ranking round's top-k frequency: the
// round's top k, or for a full ranking the first three (fewer when fewer
// than four statements are ranked).
func RankingTopKFrequency(topK, items int) int {
	if topK > 0 && topK < items {
		return topK
	}
	return max(1, min(3, items-1))
}

// RankingMatrix reads a ranking round's submitted ranks: one row per
// expert who submitted (in the order forEachCounted gives them, by
// expert id), one column per round statement in the round's order;
// 0 is unranked.
func (w *Service) RankingMatrix(ctx context.Context, st store.Study, r store.Round, rss []store.RoundStatement) ([][]int, []int64, error) {
	col := make(map[int64]int, len(rss))
	for i, rs := range rss {
		col[rs.ID] = i
	}
	rows := map[int64][]int{}
	var experts []int64
	err := w.forEachCounted(ctx, st, r.ID, true, func(x store.Answer) error {
		row, ok := rows[x.ExpertID]
		if !ok {
			row = make([]int, len(rss))
			rows[x.ExpertID] = row
			experts = append(experts, x.ExpertID)
		}
		if j, ok := col[x.RoundStatementID]; ok && x.Rating.Valid {
			row[j] = int(x.Rating.Int64)
		}
		return nil
	})
	out := make([][]int, len(experts))
	for i, e := range experts {
		out[i] = rows[e]
	}
	return out, experts, err
}

// AnalyzeRankingRound computes a ranking round's results from its
// submitted ranks (analysis.AnalyzeRanking).
func (w *Service) AnalyzeRankingRound(ctx context.Context, st store.Study, r store.Round) (RankingResults, error) {
	rss, err := w.store.RoundStatements(ctx, r.ID)
	if err != nil {
		return RankingResults{}, err
	}
	matrix, _, err := w.RankingMatrix(ctx, st, r, rss)
	if err != nil {
		return RankingResults{}, err
	}
	all, err := w.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return RankingResults{}, err
	}
	keys, err := w.RoundKeys(ctx, all, r.Number)
	if err != nil {
		return RankingResults{}, err
	}
	keyOf := make(map[int64]string, len(keys))
	for k, id := range keys {
		keyOf[id] = k
	}
	set := RankingOf(r)
	freq := RankingTopKFrequency(set.TopK, len(rss))
	a, err := analysis.AnalyzeRanking(matrix, len(rss), freq)
	if err != nil {
		return RankingResults{}, fmt.Errorf("workflow: ranking round %d: %w", r.Number, err)
	}
	res := RankingResults{Kind: rounds.KindRanking, Round: r.Number, Items: len(rss), TopK: set.TopK, TopKFreq: freq,
		Experts: a.Experts, Answered: a.Answered, Complete: a.Complete,
		Kendall: kendallFigures(a.Kendall), KendallTiedLast: kendallFigures(a.KendallTiedLast)}
	for i, rs := range rss {
		it := a.PerItem[i]
		ri := RankingItem{Key: keyOf[rs.ID], RoundStatementID: rs.ID, Text: rs.Text, N: it.N, NUnranked: it.NUnranked,
			MeanRank: it.MeanRank, Distribution: it.Distribution, TopKCount: it.TopKCount, TopKPct: it.TopKPct}
		if m, ok := it.MedianRank.Get(); ok {
			ri.MedianRank = new(m.Float())
		}
		res.Per = append(res.Per, ri)
	}
	return res, nil
}

// closeRanking stores a closed ranking round's results. A ranking has no
// consensus rule: every statement is proposed "carry" (or "unresolved"
// after the study's last round), so the coordinator decides, on the
// round's page, what the ranking settles.
func (w *Service) closeRanking(ctx context.Context, st store.Study, r store.Round) error {
	res, err := w.AnalyzeRankingRound(ctx, st, r)
	if err != nil {
		return err
	}
	proposals := map[int64]rounds.Proposal{}
	for _, it := range res.Per {
		proposals[it.RoundStatementID] = rounds.Propose("", r.Number, st.MaxRounds)
	}
	results, err := json.Marshal(res)
	if err != nil {
		return err
	}
	settings := rounds.EncodeRankingSettings(RankingOf(r))
	_, err = w.store.SaveRoundResults(ctx, r.ID, settings, string(results), proposals)
	return err
}

// RankingResultsOf reads a closed ranking round's stored results.
func RankingResultsOf(rr store.RoundResults) (RankingResults, error) {
	var res RankingResults
	err := json.Unmarshal([]byte(rr.Results), &res)
	return res, err
}

// rankingFeedbackSource freezes, into a ranking round's statements, the
// previous ranking round's mean and median rank of each.
type rankingFeedbackSource struct {
	byRS map[int64]RankingItem
	res  RankingResults
}

func (w *Service) newRankingFeedbackSource(ctx context.Context, st store.Study, prev store.Round) (*rankingFeedbackSource, error) {
	res, err := w.AnalyzeRankingRound(ctx, st, prev)
	if err != nil {
		return nil, err
	}
	fs := &rankingFeedbackSource{byRS: map[int64]RankingItem{}, res: res}
	for _, it := range res.Per {
		fs.byRS[it.RoundStatementID] = it
	}
	return fs, nil
}

func (fs *rankingFeedbackSource) feedback(prevRS int64) (string, error) {
	it := fs.byRS[prevRS]
	f := rounds.RankingFeedback{Kind: rounds.KindRanking, Round: fs.res.Round, Items: fs.res.Items, N: it.N, Answered: fs.res.Answered, Median: it.MedianRank}
	if m, ok := it.MeanRank.Get(); ok {
		f.Mean = &m
	}
	b, err := json.Marshal(f)
	return string(b), err
}

// loadRankings reads the stored results of the closed ranking rounds
// among lin, in round order, for the results pages and exports.
func (w *Service) loadRankings(ctx context.Context, lin []roundLineage) ([]results.Ranking, error) {
	var out []results.Ranking
	err := w.forEachClosedResults(ctx, lin, rounds.KindRanking, func(rr store.RoundResults) error {
		res, err := RankingResultsOf(rr)
		if err == nil {
			out = append(out, res)
		}
		return err
	})
	return out, err
}

// fixedAtCreation refuses, for a draft, a change of what was chosen when
// it was created (its kind, statements and ranking options): the frozen
// feedback and the statements follow from them. Only a change is
// refused: sending the same values again is fine.
func fixedAtCreation(in RoundInput, r store.Round) rounds.FieldErrors {
	var fe rounds.FieldErrors
	if in.Kind != nil && strings.TrimSpace(*in.Kind) != "" && rounds.Kind(strings.TrimSpace(*in.Kind)) != r.Kind {
		fe = append(fe, rounds.FieldError{Field: "kind", Message: fmt.Sprintf("the round is a %s round; its kind is chosen when it is prepared", r.Kind)})
	}
	if in.Statements != nil {
		fe = append(fe, rounds.FieldError{Field: "statements", Message: "the round's statements are chosen when it is prepared"})
	}
	if in.Ranking != nil {
		cur := RankingOf(r)
		opt := RoundOptions{Ranking: cur}
		if applyRanking(in.Ranking, &opt) == nil && opt.Ranking != cur {
			fe = append(fe, rounds.FieldError{Field: "ranking.top_k", Message: "a ranking round's top k is chosen when it is prepared"})
		}
	}
	return fe
}
