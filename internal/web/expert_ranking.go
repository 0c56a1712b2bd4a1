package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// The expert's page of a ranking round (issue 17): a rank box per
// statement (rank 1 = most important), checked as a whole on submission
// (workflow.CheckExpertRanking), with each problem shown next to its
// statement and the typed ranks kept. The ranks are saved as ratings are:
// the autosave (/e/answer, the rating writer) and the form's Save and
// Submit buttons (workflow.SaveAnswerChanges).

// rankingHead is what a ranking page says above the statements.
type rankingHead struct {
	Intro  string
	Hint   string
	Errors []string // the problems that belong to no one statement, and the summary
}

// rankItem is one statement's rank box.
type rankItem struct {
	Label    string // "Rank"
	Value    string // as typed or stored
	Problem  string // shown next to the box
	Feedback string // the previous ranking round's figures
	Yours    string // the expert's own rank then
}

// rankingForm is a refused ranking: the ranks as typed, and the problem
// of each statement (by round statement id) or of none (general).
type rankingForm struct {
	typed    map[int64]string
	problems map[int64]string
	general  []string
}

const ctxRankingForm = "rankingForm"

// errRankNotAllowed is a rank outside 1..n (1..k) or not a number.
var errRankNotAllowed = fault.New(fault.Invalid, "the rank is not a whole number in range")

// rankMax is the highest rank a ranking round's statement may have.
func rankMax(r store.Round, statements int) int {
	return workflow.RankingOf(r).Ranked(statements)
}

// readRank reads one rank box's value for saving: "" clears it; a rank
// outside 1..max is refused (duplicates are allowed while ranking and
// refused on submission).
func readRank(rsID int64, value, comment string, max int) (workflow.Answer, error) {
	x, err := readAnswer(rsID, "", comment, rounds.Scale{})
	if err != nil {
		return x, err
	}
	r, ok := rounds.ParseRank(value, max)
	if !ok {
		return x, errRankNotAllowed
	}
	if r > 0 {
		x.Rating = &r
	}
	return x, nil
}

// rankProblemText is one problem in the expert's language.
func rankProblemText(l *i18n.Localizer, p rounds.RankProblem) string {
	switch p.Kind {
	case rounds.RankTwice:
		return l.T("rank.err.twice", "Rank", p.Rank)
	case rounds.RankMissing:
		return l.T("rank.err.missing")
	case rounds.RankUnused:
		return l.T("rank.err.unused", "Rank", p.Rank)
	}
	return l.T("rank.err.range", "Max", p.Max)
}

// refusedRanking turns a refused ranking into the page's messages.
func refusedRanking(l *i18n.Localizer, typed map[int64]string, ids []int64, problems []rounds.RankProblem) rankingForm {
	f := rankingForm{typed: typed, problems: map[int64]string{}}
	for _, p := range problems {
		msg := rankProblemText(l, p)
		if p.Item < 0 || p.Item >= len(ids) {
			f.general = append(f.general, msg)
			continue
		}
		id := ids[p.Item]
		if f.problems[id] == "" {
			f.problems[id] = msg
		}
	}
	return f
}

// rankingChanges reads the ranks (and comments) the form changed, for
// saveForm to save with the answers to the open questions. A box with a
// rank out of range or no number refuses the whole form, shown again
// with the typed ranks and the problems.
func (a *App) rankingChanges(c echo.Context, l *i18n.Localizer, v expertVisit, rss []store.RoundStatement) ([]workflow.AnswerChange, int, string, error) {
	max := rankMax(v.Round, len(rss))
	typed := map[int64]string{}
	ids := make([]int64, len(rss))
	var problems []rounds.RankProblem
	var changes []workflow.AnswerChange
	for i, rs := range rss {
		key := strconv.FormatInt(rs.ID, 10)
		ids[i] = rs.ID
		value, comment := strings.TrimSpace(c.FormValue("r"+key)), c.FormValue("c"+key)
		typed[rs.ID] = value
		x, err := readRank(rs.ID, value, comment, max)
		if errors.Is(err, errRankNotAllowed) {
			problems = append(problems, rounds.RankProblem{Kind: rounds.RankOutOfRange, Item: i, Max: max})
			continue
		} else if err != nil {
			status, msg := answerError(l, err)
			return nil, status, msg, err
		}
		ch := workflow.AnswerChange{Answer: x, Rated: value != strings.TrimSpace(c.FormValue("or"+key)),
			Commented: strings.TrimSpace(comment) != strings.TrimSpace(c.FormValue("oc"+key))}
		if ch.Rated || ch.Commented {
			changes = append(changes, ch)
		}
	}
	if len(problems) > 0 {
		c.Set(ctxRankingForm, refusedRanking(l, typed, ids, problems))
		return nil, http.StatusUnprocessableEntity, l.T("rank.err.summary"), nil
	}
	return changes, 0, "", nil
}

// rankingRefusedPage shows a ranking refused on submission.
func (a *App) rankingRefusedPage(c echo.Context, l *i18n.Localizer, refused workflow.RankingRefused) error {
	typed := map[int64]string{}
	for _, id := range refused.RoundStatementIDs {
		typed[id] = strings.TrimSpace(c.FormValue("r" + strconv.FormatInt(id, 10)))
	}
	c.Set(ctxRankingForm, refusedRanking(l, typed, refused.RoundStatementIDs, refused.Problems))
	return a.renderRatingPage(c, http.StatusUnprocessableEntity, l.T("rank.err.summary"))
}

// fillRanking puts a ranking round's rank boxes on the page: the ranks
// as typed when the form was refused, else as stored, with the previous
// ranking round's figures and the expert's own rank then.
func (a *App) fillRanking(ctx context.Context, c echo.Context, v expertVisit, p *ratingPage, ratings map[int64]store.Rating, previous map[int64]store.Rating) error {
	l := p.L
	form, _ := c.Get(ctxRankingForm).(rankingForm)
	n := 0
	for _, t := range p.Topics {
		n += len(t.Statements)
	}
	k := rankMax(v.Round, n)
	head := &rankingHead{Intro: l.T("rank.intro", "Max", n), Errors: form.general}
	if k < n {
		head.Intro = l.T("rank.intro.topk", "Max", k)
	}
	p.Ranking = head
	if previous == nil && v.Round.Number > 1 {
		var err error
		if previous, err = a.store.PreviousRatings(ctx, v.Expert.ID, v.Round.ID); err != nil {
			return err
		}
	}
	for ti := range p.Topics {
		for si := range p.Topics[ti].Statements {
			it := &p.Topics[ti].Statements[si]
			ri := &rankItem{Label: l.T("rank.label"), Value: it.Value, Problem: form.problems[it.ID]}
			if form.typed != nil {
				ri.Value = form.typed[it.ID]
			}
			it.Answer = l.T("thanks.noanswer")
			if r := ratings[it.ID]; r.Rating.Valid {
				it.Answer = l.T("rank.value", "Rank", r.Rating.Int64)
			}
			if fb, ok := rounds.DecodeRankingFeedback(it.rs.Feedback); ok {
				mean, median := "—", "—"
				if fb.Mean != nil {
					mean = l.Number(*fb.Mean, 2)
				}
				if fb.Median != nil {
					median = l.Number(*fb.Median, 1)
				}
				ri.Feedback = l.T("rank.fb", "Round", fb.Round, "Mean", mean, "Median", median)
				if mine := previous[it.rs.PreviousID.Int64]; mine.Rating.Valid {
					ri.Yours = l.T("rank.fb.yours", "Rank", mine.Rating.Int64)
				} else {
					ri.Yours = l.T("rank.fb.none")
				}
			}
			it.Rank = ri
			it.Scale, it.Feedback = "", nil
		}
	}
	return nil
}
