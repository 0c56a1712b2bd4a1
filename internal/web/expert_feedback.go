package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// The group feedback an expert sees from round 2 on: the distribution of
// the previous round as an inline SVG bar chart with the expert's own
// rating marked (and the same figures as a table), median, IQR and
// agreement, per stakeholder group when the study shows them, the
// comments the coordinator chose, and the earlier wording of a reworded
// statement. The figures were frozen when the round was created
// (rounds.Feedback); only the expert's own earlier answer is looked up.

// feedbackView is one statement's feedback, ready to print.
type feedbackView struct {
	Round    int
	Summary  string // "14 ratings · Median 4 · …"
	Unable   string
	Yours    string
	Bars     []feedbackBar
	Chart    template.HTML // the SVG, with the figures in words as its name
	Band     string        // the shaded agreement band's key: "Agree: 4–5"
	HTML     template.HTML // the whole block, written by feedbackHTML
	Groups   []groupView
	Comments []string
	Changed  bool
	Previous string
}

type feedbackBar struct {
	Label string
	Count int
	Mine  bool
}

type groupView struct {
	Name, N, Median, Agree string
}

// chart is the geometry of the bar chart, computed here so the template
// only prints numbers. The viewBox is fixed; CSS scales it.
type chart struct {
	Width, Height int
	Others, Mine  string // SVG path data of the bars
	Labels        []chartLabel
	// The agreement band, shaded behind its bars (BandW 0: none), and the
	// median, a dashed line (MedianX 0: none; its label is in Labels).
	BandX, BandW int
	PlotTop      int
	Base         int
	MedianX      int
}

type chartLabel struct {
	X, Y  int
	Text  string
	Class string
}

// The chart is drawn in units that CSS scales to the width of the page:
// a 1–9 scale is 480 units wide and about 300 px on a 375 px phone, so
// its text is set at 22 units (CSS, .fb svg text) to stay above 12 px.
const (
	chartBarWidth = 40
	chartGap      = 12
	chartPlot     = 80               // height of the tallest bar
	chartMedian   = 26               // room for the median's label at the top
	chartTop      = chartMedian + 26 // and for the counts above the bars
)

// feedbackBuilder turns stored feedback into views for one expert.
type feedbackBuilder struct {
	l        *i18n.Localizer
	sc       rounds.Scale
	previous map[int64]store.Rating                         // the expert's answers to the statements of the previous round
	prevRS   func() (map[int64]store.RoundStatement, error) // the previous round's statements, for translated earlier wording
	round    int
	// agreeName is the study's own name for the agreement band in the
	// page's language; "" uses the platform's word.
	agreeName string
	textsKey  string                                    // feedbackKey.texts
	cache     *boundedCache[feedbackKey, template.HTML] // shared by all requests
	// criteria: the criteria of a study rating statements on several, in
	// the page's language (expert_criteria.go); nil for one.
	criteria []pageCriterion
}

// feedbackKey names one rendering of a statement's feedback: it depends
// only on the statement (its feedback is frozen), the language, the
// expert's own earlier answer and, for a reworded statement read in
// translation, the translated earlier wording (which the coordinator may
// still edit: a new translation makes a new key, so it shows at once).
type feedbackKey struct {
	rs       int64
	lang     string
	mine     string // the earlier answer: a scale point, "unable" or ""
	previous string // the earlier wording in lang, when translated
	// texts are the study's words the feedback shows (scale labels and
	// band name in lang), which a coordinator may change mid-round.
	texts string
}

// feedbackBuilder prepares the feedback of a round for one expert;
// translated says whether statements are shown translated, in which case
// the earlier wording of reworded statements is too.
func (a *App) feedbackBuilder(ctx context.Context, v expertVisit, l *i18n.Localizer, sc rounds.Scale, translated bool) (*feedbackBuilder, error) {
	fb := &feedbackBuilder{l: l, sc: sc, round: v.Round.Number, cache: a.feedback}
	if v.Round.Number == 1 {
		return fb, nil
	}
	var err error
	if fb.previous, err = a.store.PreviousRatings(ctx, v.Expert.ID, v.Round.ID); err != nil {
		return nil, err
	}
	var prev map[int64]store.RoundStatement
	fb.prevRS = func() (map[int64]store.RoundStatement, error) {
		if prev != nil || !translated { // untranslated: the earlier wording is shown as it was rated
			return prev, nil
		}
		prev = map[int64]store.RoundStatement{}
		all, err := a.store.RoundsByStudy(ctx, v.Study.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range all {
			if r.Number == v.Round.Number-1 {
				rss, err := a.store.RoundStatements(ctx, r.ID)
				if err != nil {
					return nil, err
				}
				for _, rs := range rss {
					prev[rs.ID] = rs
				}
			}
		}
		return prev, nil
	}
	return fb, nil
}

// view returns the feedback of one statement; nil when it has none (round
// 1, or a statement new in this round). Only HTML is set when it comes
// from the cache.
func (b *feedbackBuilder) view(rs store.RoundStatement, tr translator) (*feedbackView, error) {
	if rs.Feedback == "" {
		return nil, nil
	}
	mine, answered := b.previous[rs.PreviousID.Int64]
	key := feedbackKey{rs: rs.ID, lang: b.l.Lang, mine: answerValue(mine), texts: b.textsKey}
	if len(b.criteria) > 1 { // the earlier answers on every criterion
		key.mine += "," + criterionValue(mine, 2) + "," + criterionValue(mine, 3)
	}
	prev, err := b.prevRS() // nil unless statements are shown translated
	if err != nil {
		return nil, err
	}
	if p, ok := prev[rs.PreviousID.Int64]; ok {
		key.previous, _ = tr.text(p.StatementID, p.Text)
	}
	if html, ok := b.cache.get(key); ok {
		return &feedbackView{HTML: html}, nil
	}
	v, err := b.build(rs, tr, mine, answered)
	if err != nil {
		return nil, err
	}
	b.cache.put(key, v.HTML)
	return v, nil
}

// build writes the feedback of one statement for one expert.
func (b *feedbackBuilder) build(rs store.RoundStatement, tr translator, mine store.Rating, answered bool) (*feedbackView, error) {
	var f rounds.Feedback
	if err := json.Unmarshal([]byte(rs.Feedback), &f); err != nil {
		return nil, fmt.Errorf("feedback of round statement %d: %w", rs.ID, err)
	}
	v := b.figures(f, rs, mine, answered)
	l := b.l
	v.Comments = f.Comments
	if f.Previous != "" {
		v.Changed = true
		v.Previous = f.Previous
		prev, err := b.prevRS()
		if err != nil {
			return nil, err
		}
		if p, ok := prev[rs.PreviousID.Int64]; ok {
			v.Previous, _ = tr.text(p.StatementID, p.Text)
		}
	}
	if len(b.criteria) > 1 && len(f.Criteria) > 0 {
		return b.criteriaFeedback(v, f, rs, mine, answered), nil
	}
	v.HTML = feedbackHTML(v, l.T("fb.title", "Round", f.Round), l.T("fb.changed"), l.T("fb.previous", "Round", f.Round),
		l.T("fb.groups"), l.T("fb.group"), l.T("fb.median"), l.T("fb.agree"), l.T("fb.comments"))
	return v, nil
}

// figures are the group's figures on one criterion (b.sc's) and the
// expert's own earlier answer on it.
func (b *feedbackBuilder) figures(f rounds.Feedback, rs store.RoundStatement, mine store.Rating, answered bool) *feedbackView {
	l := b.l
	v := &feedbackView{Round: f.Round}
	v.Summary = l.T("fb.n", "Count", f.N) + " · " + l.T("fb.median") + " " + b.num(f.Median) +
		" · " + l.T("fb.iqr") + " " + b.num(f.IQR) + " · " + l.T("fb.agree") + " " + b.pct(f.PctAgree)
	if f.Unable > 0 {
		v.Unable = l.T("fb.unable", "Count", f.Unable)
	}
	switch {
	case !rs.PreviousID.Valid:
	case answered && mine.Rating.Valid:
		v.Yours = l.T("fb.yours", "Round", f.Round, "Label", b.label(int(mine.Rating.Int64)))
	case answered && mine.Unable:
		v.Yours = l.T("fb.yours.unable", "Round", f.Round)
	default:
		v.Yours = l.T("fb.yours.none", "Round", f.Round)
	}
	for i, n := range f.Counts {
		point := f.Min + i
		v.Bars = append(v.Bars, feedbackBar{Label: b.label(point), Count: n,
			Mine: mine.Rating.Valid && int(mine.Rating.Int64) == point})
	}
	words := make([]string, len(v.Bars))
	for i, bar := range v.Bars {
		words[i] = bar.Label + ": " + strconv.Itoa(bar.Count)
		if bar.Mine {
			words[i] += " (" + l.T("fb.you") + ")"
		}
	}
	if ag := b.sc.Bands.Agree; !ag.Empty() {
		name := b.agreeName
		if name == "" {
			name = l.T("fb.agree")
		}
		v.Band = name + ": " + strconv.Itoa(ag.Min) + "–" + strconv.Itoa(ag.Max)
	}
	v.Chart = chartHTML(b.chart(v.Bars, f.Min, f.Median), strings.Join(words, "; "))
	for _, g := range f.Groups {
		v.Groups = append(v.Groups, groupView{Name: g.Name, N: strconv.Itoa(g.N), Median: b.num(g.Median), Agree: b.pct(g.PctAgree)})
	}
	return v
}

// chart lays the bars out: one per scale point, the expert's own earlier
// rating drawn apart (a second path) and labelled, not told by colour
// only; the study's agreement band shaded behind its bars, the median a
// dashed line with its value above.
func (b *feedbackBuilder) chart(bars []feedbackBar, lowest int, median *float64) chart {
	step := chartBarWidth + chartGap
	c := chart{Width: len(bars)*step + chartGap, Height: chartTop + chartPlot + 56, PlotTop: chartMedian, Base: chartTop + chartPlot}
	most := 1
	for _, bar := range bars {
		if bar.Count > most {
			most = bar.Count
		}
	}
	base := c.Base
	if ag := b.sc.Bands.Agree; !ag.Empty() && ag.Min >= lowest && ag.Max < lowest+len(bars) {
		c.BandX = chartGap/2 + (ag.Min-lowest)*step
		c.BandW = (ag.Max - ag.Min + 1) * step
	}
	for i, bar := range bars {
		x := chartGap + i*step
		h := bar.Count * chartPlot / most
		if bar.Count > 0 && h < 2 {
			h = 2
		}
		d := fmt.Sprintf("M%d %dh%dv%dh%dz", x, base, chartBarWidth, -h, -chartBarWidth)
		if bar.Mine {
			c.Mine += d
		} else {
			c.Others += d
		}
		mid := x + chartBarWidth/2
		c.Labels = append(c.Labels, chartLabel{X: mid, Y: base - h - 6, Text: strconv.Itoa(bar.Count)},
			chartLabel{X: mid, Y: base + 24, Text: strconv.Itoa(lowest + i)})
		if bar.Mine {
			c.Labels = append(c.Labels, chartLabel{X: mid, Y: base + 48, Text: b.l.T("fb.you"), Class: "you"})
		}
	}
	if median != nil {
		c.MedianX = chartGap + int((*median-float64(lowest))*float64(step)+0.5) + chartBarWidth/2
		// The label stays inside the chart at either end of the scale.
		lx := max(60, min(c.MedianX, c.Width-60))
		c.Labels = append(c.Labels, chartLabel{X: lx, Y: chartMedian - 6, Text: b.l.T("fb.median") + " " + b.num(median), Class: "md"})
	}
	return c
}

func (b *feedbackBuilder) label(point int) string {
	if i := point - b.sc.Min; i >= 0 && i < len(b.sc.Labels) {
		return pointText(strconv.Itoa(point), b.sc.Labels[i])
	}
	return strconv.Itoa(point)
}

func (b *feedbackBuilder) num(x *float64) string {
	if x == nil {
		return "—"
	}
	return b.l.Number(*x, 2)
}

func (b *feedbackBuilder) pct(x *float64) string {
	if x == nil {
		return "—"
	}
	return b.l.Percent(*x)
}
