package web

import (
	"context"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// Real-time mode, the expert's side (issue #8): after rating a statement
// the expert sees the panel's current distribution, median, IQR and
// agreement for it, computed with the same code as the classic feedback
// (rounds.BuildFeedback), and only once at least rounds.MinGroupSize
// others have rated it, so no single rating can be inferred. The page
// polls GET /e/live every few seconds; without JavaScript a reload shows
// the latest figures.

// liveSource holds a round's current answers, tallied per statement, and
// the expert's own, for one expert's page.
type liveSource struct {
	l     *i18n.Localizer
	fb    *feedbackBuilder // the chart, labels and number formats of the classic feedback
	set   analysis.Settings
	round int
	mine  map[int64]store.Rating
	byRS  map[int64][]store.AnswerTally
}

// liveSource loads the figures' data; fresh skips the tallies cached for
// polling (pages and save replies must count the expert's latest save);
// only, when not 0, loads one round statement's (a save's reply).
func (a *App) liveSource(ctx context.Context, v expertVisit, l *i18n.Localizer, sc rounds.Scale, fresh bool, only int64) (*liveSource, error) {
	set, err := sc.AnalysisSettings()
	if err != nil {
		return nil, err
	}
	var tallies []store.AnswerTally
	if only != 0 {
		tallies, err = a.store.StatementAnswerTallies(ctx, only)
	} else {
		tallies, err = a.liveTallies(ctx, v.Round.ID, fresh)
	}
	if err != nil {
		return nil, err
	}
	mine, err := a.store.RatingsByInvitation(ctx, v.Invitation.ID)
	if err != nil {
		return nil, err
	}
	ls := &liveSource{l: l, fb: &feedbackBuilder{l: l, sc: sc}, set: set, round: v.Round.Number, mine: mine,
		byRS: map[int64][]store.AnswerTally{}}
	for _, t := range tallies {
		ls.byRS[t.RoundStatementID] = append(ls.byRS[t.RoundStatementID], t)
	}
	return ls, nil
}

// html writes the live block of one statement: the figures, or why they
// are not shown yet.
func (ls *liveSource) html(rsID int64) (template.HTML, error) {
	mine := ls.mine[rsID]
	var responses []analysis.Response
	others := 0
	for _, t := range ls.byRS[rsID] {
		x := workflow.ResponseOf(store.Rating{Rating: t.Rating, Unable: t.Unable})
		for range t.N {
			responses = append(responses, x)
		}
		if t.Rating.Valid {
			others += t.N
		}
	}
	if mine.Rating.Valid {
		others-- // the expert's own rating is in the tally
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
	s.WriteString(string(chartHTML(b.chart(bars, f.Min, f.Median), strings.Join(words, "; "))))
	s.WriteString(`<p class=sum>`)
	s.WriteString(html.EscapeString(summary))
	s.WriteString(`</p></div>`)
	return template.HTML(s.String()), nil
}

// liveTTL is how long a round's tallies are reused: every open page polls
// every 3 seconds, so a panel's polls cost about one query a second. A
// save on this instance drops them at once (forgetLive), so the expert
// who just rated sees their own rating counted; other instances' saves
// show within liveTTL.
const liveTTL = time.Second

type liveTallies struct {
	at      time.Time
	tallies []store.AnswerTally
}

func (a *App) liveTallies(ctx context.Context, roundID int64, fresh bool) ([]store.AnswerTally, error) {
	if e, ok := a.live.get(roundID); ok && !fresh && time.Since(e.at) < liveTTL {
		return e.tallies, nil
	}
	at := time.Now()
	ts, err := a.store.RoundAnswerTallies(ctx, roundID)
	if err != nil {
		return nil, err
	}
	a.live.put(roundID, liveTallies{at: at, tallies: ts})
	return ts, nil
}

// forgetLive drops a round's cached tallies after a save.
func (a *App) forgetLive(roundID int64) { a.live.remove(roundID) }

// liveAnswer is GET /e/live: each statement's live block by round statement id.
type liveAnswer struct {
	Live map[string]template.HTML `json:"live"`
}

func (a *App) showLiveFigures(c echo.Context) error {
	v := c.Get(ctxInvitation).(expertVisit)
	if !v.Study.Realtime() {
		return rounds.ErrNotRealtime
	}
	ctx := c.Request().Context()
	l := a.expertLocalizer(v)
	sc, err := v.Study.Scale()
	if err != nil {
		return err
	}
	ls, err := a.liveSource(ctx, v, l, sc, false, 0)
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
