package web

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
	"github.com/labstack/echo/v4"
)

// A numeric round's questionnaire (issue 17): per statement a number
// field (its unit and range said beside it), a confidence of 1–5 when the
// round asks it, "unable to estimate" when the study offers it. Form
// fields: r<id> the estimate as typed, u<id> "unable", k<id> the
// confidence, and or<id> the answer as the page showed it (numericValue),
// so that only what the expert changed is written.

// numericItem is one statement's number field, ready to print
// (templates/partials/numeric.html).
type numericItem struct {
	ID          int64
	Open        bool
	Estimate    string // as typed, or the stored estimate in the expert's locale
	Unable      bool
	Confidence  string // "", "1"…"5"
	Ask         bool   // the round asks a confidence
	AllowUnable bool
	Unit        string
	InputMode   string // numeric (whole numbers) or decimal
	Label       string // "Your estimate"
	Hint        string // "From 0 to 100 · Whole numbers only"
	ConfLegend  string
	UnableLabel string
	Error       string // next to the field that was refused
	ErrorField  string // estimate or confidence
	Levels      []string
}

// numericFeedbackItem is the panel's estimates of the previous round and
// the expert's own, in the expert's language.
type numericFeedbackItem struct {
	Summary string
	Yours   string
}

// numericTyped is what a refused no-JavaScript form held, so that the page
// shows it again with the error next to the field.
type numericTyped struct {
	values map[int64]numericFields
	failed int64 // the statement refused
	err    error
}

type numericFields struct{ estimate, unable, confidence string }

const ctxNumericTyped = "numericTyped"

// numericPage prints the number fields of one visit's page.
type numericPage struct {
	l           *i18n.Localizer
	set         rounds.NumericSettings
	allowUnable bool
	open        bool
	typed       *numericTyped
}

func (a *App) numericPage(c echo.Context, v expertVisit, l *i18n.Localizer, allowUnable, open bool) *numericPage {
	set, ok := workflow.NumericSettingsOf(v.Round)
	if !ok {
		return nil
	}
	p := &numericPage{l: l, set: set, allowUnable: allowUnable, open: open}
	p.typed, _ = c.Get(ctxNumericTyped).(*numericTyped)
	return p
}

// number writes x in the expert's locale with the round's decimals.
func (p *numericPage) number(x float64) string { return p.l.Number(x, p.set.Decimals) }

// numericValue is a stored answer as the form's or<id> carries it.
func (p *numericPage) value(r store.Rating) string {
	switch {
	case r.Unable:
		return "unable"
	case r.Estimate.Valid:
		s := p.number(r.Estimate.Float64)
		if r.Confidence.Valid {
			s += "|" + strconv.FormatInt(r.Confidence.Int64, 10)
		}
		return s
	}
	return ""
}

// fill sets the statement's number field and feedback.
func (p *numericPage) fill(it *ratingItem, rs store.RoundStatement, r store.Rating, previous map[int64]store.Rating) {
	n := &numericItem{ID: rs.ID, Open: p.open, Ask: p.set.Confidence, AllowUnable: p.allowUnable, Unit: p.set.Unit,
		Label: p.l.T("num.estimate"), ConfLegend: p.l.T("num.confidence"), UnableLabel: p.l.T("num.unable"),
		InputMode: "decimal", Levels: []string{"1", "2", "3", "4", "5"}}
	if p.set.Decimals == 0 {
		n.InputMode = "numeric"
	}
	hint := p.l.T("num.range", "Min", p.number(p.set.Min), "Max", p.number(p.set.Max))
	if p.set.Decimals == 0 {
		hint += " · " + p.l.T("num.whole")
	} else {
		hint += " · " + p.l.T("num.decimals", "Count", p.set.Decimals)
	}
	n.Hint = hint
	n.Unable = r.Unable
	if r.Estimate.Valid {
		n.Estimate = p.number(r.Estimate.Float64)
	}
	if r.Confidence.Valid {
		n.Confidence = strconv.FormatInt(r.Confidence.Int64, 10)
	}
	if p.typed != nil {
		if t, ok := p.typed.values[rs.ID]; ok {
			n.Estimate, n.Unable, n.Confidence = t.estimate, t.unable == "unable", t.confidence
		}
		if p.typed.failed == rs.ID {
			n.Error, n.ErrorField = p.message(p.typed.err)
		}
	}
	it.Numeric = n
	it.Value = p.value(r)
	switch {
	case r.Unable:
		it.Answer = n.UnableLabel
	case r.Estimate.Valid:
		it.Answer = strings.TrimSpace(n.Estimate + " " + p.set.Unit)
	}
	if rounds.IsNumericFeedback(rs.Feedback) {
		it.Feedback = nil
		it.NumericFeedback = p.feedback(rs, previous)
	}
}

// feedback writes the frozen numeric feedback and the expert's own
// earlier estimate.
func (p *numericPage) feedback(rs store.RoundStatement, previous map[int64]store.Rating) *numericFeedbackItem {
	var f rounds.NumericFeedback
	if err := json.Unmarshal([]byte(rs.Feedback), &f); err != nil {
		return nil
	}
	out := &numericFeedbackItem{}
	unit := func(s string) string { return strings.TrimSpace(s + " " + f.Unit) }
	if f.N == 0 || f.Median == nil || f.Q1 == nil || f.Q3 == nil {
		out.Summary = p.l.T("num.fb.none", "Round", f.Round)
	} else {
		out.Summary = p.l.T("num.fb.summary", "Round", f.Round, "Label", unit(p.number(*f.Median)), // the median
			"Low", p.number(*f.Q1), "High", unit(p.number(*f.Q3)), "Total", f.N) // the quartiles and n
	}
	if mine, ok := previous[rs.PreviousID.Int64]; ok && mine.Estimate.Valid {
		out.Yours = p.l.T("num.fb.yours", "Round", f.Round, "Label", unit(p.number(mine.Estimate.Float64)))
	}
	return out
}

// message is a refused numeric answer in the expert's language, and the
// field it is about.
func (p *numericPage) message(err error) (string, string) {
	var ee workflow.EstimateError
	if !errors.As(err, &ee) {
		return "", ""
	}
	switch {
	case errors.Is(err, rounds.ErrEstimateOutOfRange):
		return p.l.T("num.err.range", "Min", p.number(p.set.Min), "Max", p.number(p.set.Max)), ee.Field
	case errors.Is(err, rounds.ErrEstimateDecimals):
		return p.l.T("num.err.decimals", "Count", p.set.Decimals), ee.Field
	case errors.Is(err, rounds.ErrConfidenceNotOnScale):
		return p.l.T("num.err.confidence"), ee.Field
	}
	return p.l.T("num.err.number"), ee.Field
}

// readNumericAnswer reads one statement's numeric answer from form values
// (the no-JavaScript form's r<id>, u<id>, k<id>, or the autosave's r, u,
// k) and checks it (workflow.ReadEstimate).
func readNumericAnswer(v expertVisit, sc rounds.Scale, rsID int64, f numericFields, comment string) (workflow.Answer, error) {
	x, err := readAnswer(rsID, "", comment, sc) // the comment, checked as every comment is
	if err != nil {
		return x, err
	}
	return workflow.ReadEstimate(v.Round, sc.AllowUnable, x, f.estimate, f.unable == "unable", f.confidence)
}

// numericFormValue is the answer as the form holds it, written as
// numericPage.value writes a stored one, to tell what changed.
func numericFormValue(f numericFields) string {
	if f.unable == "unable" {
		return "unable"
	}
	e := strings.TrimSpace(f.estimate)
	if e == "" {
		return ""
	}
	if c := strings.TrimSpace(f.confidence); c != "" {
		return e + "|" + c
	}
	return e
}

// saveNumericForm reads the numeric answers of the whole form: the changes
// to save, or, when one is refused, the typed values for the page to show
// again (set on c) and the error.
func saveNumericForm(c echo.Context, v expertVisit, sc rounds.Scale, rss []store.RoundStatement) ([]workflow.AnswerChange, error) {
	typed := &numericTyped{values: map[int64]numericFields{}}
	var changes []workflow.AnswerChange
	var first error
	for _, rs := range rss {
		key := strconv.FormatInt(rs.ID, 10)
		f := numericFields{estimate: c.FormValue("r" + key), unable: c.FormValue("u" + key), confidence: c.FormValue("k" + key)}
		typed.values[rs.ID] = f
		comment := c.FormValue("c" + key)
		x, err := readNumericAnswer(v, sc, rs.ID, f, comment)
		if err != nil {
			if first == nil {
				first, typed.failed, typed.err = err, rs.ID, err
			}
			continue
		}
		ch := workflow.AnswerChange{Answer: x, Rated: numericFormValue(f) != c.FormValue("or"+key),
			Commented: strings.TrimSpace(comment) != strings.TrimSpace(c.FormValue("oc"+key))}
		if ch.Rated || ch.Commented {
			changes = append(changes, ch)
		}
	}
	if first != nil {
		c.Set(ctxNumericTyped, typed)
	}
	return changes, first
}

// numericForm is the coordinator's numeric options fieldset
// (templates/partials/numeric.html "numericoptions"), as typed.
type numericForm struct {
	Unit, Min, Max, Decimals string
	Confidence               bool
}

// numericFormOf fills the fieldset from stored options (nil: the
// defaults), then from what was submitted.
func numericFormOf(set *rounds.NumericSettings, in *workflow.NumericInput) numericForm {
	s := rounds.DefaultNumericSettings()
	if set != nil {
		s = *set
	}
	f := numericForm{Unit: s.Unit, Min: s.Format(s.Min), Max: s.Format(s.Max), Decimals: strconv.Itoa(s.Decimals), Confidence: s.Confidence}
	if in == nil {
		return f
	}
	if in.Unit != nil {
		f.Unit = *in.Unit
	}
	for _, x := range []struct {
		to   *string
		from *workflow.NumberText
	}{{&f.Min, in.Min}, {&f.Max, in.Max}, {&f.Decimals, in.Decimals}} {
		if x.from != nil {
			*x.to = string(*x.from)
		}
	}
	if in.Confidence != nil {
		f.Confidence = *in.Confidence
	}
	return f
}

// numericInput reads the numeric options fieldset from a form: the fields
// present, as the API reads "numeric".
func numericInput(form map[string][]string) *workflow.NumericInput {
	var in workflow.NumericInput
	given := false
	if v, ok := form["numeric_unit"]; ok {
		in.Unit, given = &v[0], true
	}
	for name, to := range map[string]**workflow.NumberText{"numeric_min": &in.Min, "numeric_max": &in.Max, "numeric_decimals": &in.Decimals} {
		if v, ok := form[name]; ok {
			t := workflow.NumberText(v[0])
			*to, given = &t, true
		}
	}
	if v, ok := form["numeric_confidence"]; ok { // a checkbox followed by a hidden "off"
		b := false
		for _, x := range v {
			b = b || x == "on"
		}
		in.Confidence, given = &b, true
	}
	if !given {
		return nil
	}
	return &in
}
