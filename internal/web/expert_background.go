package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/workflow"
)

// The expert's background form (workflow/background.go): shown on the
// link's home page right after consent, once; again at a later visit only
// when a field was added since (skippable) or a required one is
// unanswered (not skippable). It works without JavaScript.

type backgroundExpertPage struct {
	visitPage
	Base   string // the link's home: /e or /ideas
	Fields []backgroundInput
	Must   bool // a required field is unanswered: no "Skip"
}

// backgroundInput is one field as the expert's form shows it.
type backgroundInput struct {
	workflow.BackgroundItem
	Name    string // the form field: bg<id>
	Value   string // as typed or stored
	Hint    string // a number's range, in words
	Error   string // in the expert's language
	MinAttr string
	MaxAttr string
}

// backgroundField is the form field of a background field.
func backgroundField(id int64) string { return "bg" + strconv.FormatInt(id, 10) }

// backgroundDue tells whether the home page must show the form first.
func (a *App) backgroundDue(c echo.Context, v expertVisit) (workflow.BackgroundDue, error) {
	if v.Expert.ID == 0 { // a coordinator's preview: no expert, nothing recorded
		return workflow.BackgroundDue{}, nil
	}
	return a.flow.BackgroundDueFor(c.Request().Context(), v.Study, v.Expert.ID)
}

// renderBackgroundForm shows the form: typed holds a refused form's
// values (nil: as stored), refused its problems.
func (a *App) renderBackgroundForm(c echo.Context, k linkKind, v expertVisit, status int, typed map[int64]string, refused *workflow.ErrBackgroundInvalid) error {
	ctx := c.Request().Context()
	vp, err := a.visitBase(c, v, "")
	if err != nil {
		return err
	}
	items, err := a.flow.BackgroundForm(ctx, v.Study, vp.Texts.Lang)
	if err != nil {
		return err
	}
	stored, err := a.store.BackgroundAnswersByExpert(ctx, v.Expert.ID)
	if err != nil {
		return err
	}
	if typed == nil {
		typed = stored
	}
	due, err := a.backgroundDue(c, v)
	if err != nil {
		return err
	}
	l := vp.L
	p := backgroundExpertPage{visitPage: vp, Base: k.home, Must: due.Must}
	p.Title = l.T("background.title")
	if refused != nil {
		p.Error = l.T("background.errors")
	}
	num := func(x float64) string { return l.Number(x, decimalsOf(x)) }
	for _, it := range items {
		in := backgroundInput{BackgroundItem: it, Name: backgroundField(it.ID), Value: typed[it.ID]}
		if it.Min.Valid {
			in.MinAttr = strconv.FormatFloat(it.Min.Float64, 'f', -1, 64)
		}
		if it.Max.Valid {
			in.MaxAttr = strconv.FormatFloat(it.Max.Float64, 'f', -1, 64)
		}
		switch {
		case it.Min.Valid && it.Max.Valid:
			in.Hint = l.T("background.range", "Min", num(it.Min.Float64), "Max", num(it.Max.Float64))
		case it.Min.Valid:
			in.Hint = l.T("background.min", "Min", num(it.Min.Float64))
		case it.Max.Valid:
			in.Hint = l.T("background.max", "Max", num(it.Max.Float64))
		}
		if refused != nil {
			switch refused.For(it.ID) {
			case workflow.BackgroundMissing:
				in.Error = l.T("background.err.missing")
			case workflow.BackgroundNotNumber:
				in.Error = l.T("background.err.not_number")
			case workflow.BackgroundBelow:
				in.Error = l.T("background.err.below", "Min", num(it.Min.Float64))
			case workflow.BackgroundAbove:
				in.Error = l.T("background.err.above", "Max", num(it.Max.Float64))
			case workflow.BackgroundBadChoice:
				in.Error = l.T("background.err.bad_choice")
			case workflow.BackgroundTooLong:
				in.Error = l.T("background.err.too_long", "Max", strconv.Itoa(workflow.MaxBackgroundText))
			}
		}
		p.Fields = append(p.Fields, in)
	}
	return a.render(c, status, "expert_background", p)
}

// decimalsOf is how many decimals a range bound needs (at most 3).
func decimalsOf(x float64) int {
	for d := 0; d < 3; d++ {
		if p := math.Pow(10, float64(d)); math.Abs(x*p-math.Round(x*p)) < 1e-9 {
			return d
		}
	}
	return 3
}

// showBackgroundForm is the form at any time after consent, to change
// one's answers.
func (a *App) showBackgroundForm(k linkKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		return a.renderBackgroundForm(c, k, c.Get(ctxInvitation).(expertVisit), http.StatusOK, nil, nil)
	}
}

// saveBackgroundForm records the form ("skip": saved empty, refused when
// a field is required) and goes on to the link's home.
func (a *App) saveBackgroundForm(k linkKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		v := c.Get(ctxInvitation).(expertVisit)
		fields, err := a.store.BackgroundFieldsByStudy(ctx, v.Study.ID)
		if err != nil {
			return err
		}
		answers := map[int64]string{}
		if c.FormValue("skip") == "yes" {
			// Skipping keeps what was answered before: only the fields not
			// seen yet are recorded, empty.
			if answers, err = a.store.BackgroundAnswersByExpert(ctx, v.Expert.ID); err != nil {
				return err
			}
		} else {
			for _, f := range fields {
				answers[f.ID] = c.FormValue(backgroundField(f.ID))
			}
		}
		err = a.flow.SaveBackground(ctx, v, answers)
		var refused workflow.ErrBackgroundInvalid
		if errors.As(err, &refused) {
			return a.renderBackgroundForm(c, k, v, http.StatusUnprocessableEntity, answers, &refused)
		}
		if err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, k.home)
	}
}

// backgroundFirst shows the background form on the link's home page when
// it is due; ok false means the page was written.
func (a *App) backgroundFirst(c echo.Context, k linkKind, v expertVisit) (bool, error) {
	due, err := a.backgroundDue(c, v)
	if err != nil || !due.Ask {
		return err == nil, err
	}
	return false, a.renderBackgroundForm(c, k, v, http.StatusOK, nil, nil)
}
