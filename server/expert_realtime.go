package main

import (
	"context"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Real-time mode, the expert's side (issue #8): after rating a statement
// the expert sees the panel's current distribution, median, IQR and
// agreement for it, computed with the same code as the classic feedback
// (rounds.BuildFeedback), and only once at least rounds.MinGroupSize
// others have rated it, so no single rating can be inferred. The page
// polls GET /e/live every few seconds; without JavaScript a reload shows
// the latest figures.

// liveSource holds a round's current answers for one expert's page.
type liveSource struct {
	l     *i18n.Localizer
	fb    *feedbackBuilder // the chart, labels and number formats of the classic feedback
	set   analysis.Settings
	round int
	mine  int64 // the expert's invitation
	byRS  map[int64][]store.RoundRating
}

func (a *app) liveSource(ctx context.Context, v expertVisit, l *i18n.Localizer, sc rounds.Scale) (*liveSource, error) {
	set, err := sc.AnalysisSettings()
	if err != nil {
		return nil, err
	}
	ratings, err := a.store.RatingsByRound(ctx, v.Round.ID)
	if err != nil {
		return nil, err
	}
	ls := &liveSource{l: l, fb: &feedbackBuilder{l: l, sc: sc}, set: set, round: v.Round.Number, mine: v.Invitation.ID,
		byRS: map[int64][]store.RoundRating{}}
	for _, rr := range ratings {
		ls.byRS[rr.RoundStatementID] = append(ls.byRS[rr.RoundStatementID], rr)
	}
	return ls, nil
}

// html writes the live block of one statement: the figures, or why they
// are not shown yet.
func (ls *liveSource) html(rsID int64) (template.HTML, error) {
	var mine store.Rating
	var responses []analysis.Response
	others := 0
	for _, rr := range ls.byRS[rsID] {
		if rr.InvitationID == ls.mine {
			mine = rr.Rating
		} else if rr.Rating.Rating.Valid {
			others++
		}
		if rr.Answered() {
			responses = append(responses, answerOf(rr.Rating))
		}
	}
	l := ls.l
	if !rounds.ShowsGroup(mine.Answered(), others) {
		msg := l.T("rt.first")
		if mine.Answered() {
			msg = l.T("rt.wait", "Count", rounds.MinGroupSize)
		}
		return template.HTML(`<p class=wait>` + html.EscapeString(msg) + `</p>`), nil
	}
	f, err := rounds.BuildFeedback(ls.round, responses, nil, ls.set, nil, "")
	if err != nil {
		return "", err
	}
	b := ls.fb
	bars := make([]feedbackBar, len(f.Counts))
	words := make([]string, len(f.Counts))
	for i, n := range f.Counts {
		point := f.Min + i
		bars[i] = feedbackBar{Label: b.label(point), Count: n, Mine: mine.Rating.Valid && int(mine.Rating.Int64) == point}
		words[i] = bars[i].Label + ": " + strconv.Itoa(n)
		if bars[i].Mine {
			words[i] += " (" + l.T("fb.you") + ")"
		}
	}
	summary := l.T("fb.n", "Count", f.N) + " · " + l.T("fb.median") + " " + b.num(f.Median) +
		" · " + l.T("fb.iqr") + " " + b.num(f.IQR) + " · " + l.T("fb.agree") + " " + b.pct(f.PctAgree)
	if f.Unable > 0 {
		summary += " · " + l.T("fb.unable", "Count", f.Unable)
	}
	var s strings.Builder
	s.WriteString(`<div class=fb><p class=fbh>`)
	s.WriteString(html.EscapeString(l.T("rt.title")))
	s.WriteString(`</p>`)
	s.WriteString(string(chartHTML(b.chart(bars, f.Min), strings.Join(words, "; "))))
	s.WriteString(`<p class=sum>`)
	s.WriteString(html.EscapeString(summary))
	s.WriteString(`</p></div>`)
	return template.HTML(s.String()), nil
}

// liveAnswer is GET /e/live: each statement's live block by round statement id.
type liveAnswer struct {
	Live map[string]template.HTML `json:"live"`
}

func (a *app) showLiveFigures(c echo.Context) error {
	v := c.Get(ctxInvitation).(expertVisit)
	if !v.Study.Realtime() {
		return rounds.ErrNotRealtime
	}
	ctx := c.Request().Context()
	l := a.i18n.For(v.Expert.Language)
	sc, err := v.Study.Scale()
	if err != nil {
		return err
	}
	ls, err := a.liveSource(ctx, v, l, sc)
	if err != nil {
		return err
	}
	rss, err := a.store.RoundStatements(ctx, v.Round.ID)
	if err != nil {
		return err
	}
	out := liveAnswer{Live: make(map[string]template.HTML, len(rss))}
	for _, rs := range rss {
		if out.Live[strconv.FormatInt(rs.ID, 10)], err = ls.html(rs.ID); err != nil {
			return err
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// saveAnswer stores one answer; in a real-time study it records the
// revision too.
func saveAnswer(ctx context.Context, tx *store.Store, v expertVisit, x formAnswer) error {
	if v.Study.Realtime() {
		return tx.SaveRealtimeRating(ctx, v.Invitation.ID, x.rsID, x.rating, x.unable, x.comment)
	}
	return tx.SaveRating(ctx, v.Invitation.ID, x.rsID, x.rating, x.unable, x.comment)
}
