package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// The settings page's "Criteria" form (issue 17): criterion 1's name,
// criteria 2 and 3 (each switched on by its box, with name, scale,
// labels, bands and rule) and the combination rule. It posts to
// /studies/:id/criteria and goes through workflow.UpdateStudy with the
// API's fields, so the same checks refuse the same input on both.

// criteriaForm is the form's content: as stored, or as typed when refused.
type criteriaForm struct {
	Name1   string
	More    [rounds.MaxCriteria - 1]criterionRow
	Combine string
}

// criterionRow is criterion 2 or 3 on the form; Number is 2 or 3 and
// names its fields (c2_name…) and its errors (criteria.2.name…).
type criterionRow struct {
	Number int
	On     bool
	Name   string
	Scale  string // "1-9", as the scale select's values
	Labels string // one per line
	Bands  string // disagree,neutral,agree: "1-3,4-6,7-9"
	Rule   string // percent:75, comet, comet-inclusive, iqr:L, rand
}

// ctxTypedCriteria holds a refused criteria form, shown as typed.
const ctxTypedCriteria = "typed_criteria"

// criteriaFormOf shows the stored criteria.
func criteriaFormOf(sc rounds.Scale) criteriaForm {
	f := criteriaForm{Name1: sc.Name, Combine: sc.Combine}
	if f.Combine == "" {
		f.Combine = rounds.CombineAll
	}
	for i := range f.More {
		f.More[i] = criterionRow{Number: i + 2, Scale: "1-9"}
		if i < len(sc.More) {
			c := sc.More[i]
			f.More[i] = criterionRow{Number: i + 2, On: true, Name: c.Name, Scale: fmt.Sprintf("%d-%d", c.Min, c.Max),
				Labels: strings.Join(c.Labels, "\n"), Bands: c.Bands.String(), Rule: c.Rule.String()}
		}
	}
	return f
}

// readCriteriaForm reads the form as typed. A criterion whose box is
// ticked is one of the study's criteria, in the order of the form.
func readCriteriaForm(c echo.Context) criteriaForm {
	f := criteriaForm{Name1: c.FormValue("criterion_name"), Combine: c.FormValue("combine")}
	n := 0
	for k := 2; k <= rounds.MaxCriteria; k++ {
		p := "c" + strconv.Itoa(k) + "_"
		if c.FormValue(p+"on") != "on" {
			continue
		}
		f.More[n] = criterionRow{On: true, Name: c.FormValue(p + "name"), Scale: c.FormValue(p + "scale"),
			Labels: c.FormValue(p + "labels"), Bands: c.FormValue(p + "bands"), Rule: c.FormValue(p + "rule")}
		n++
	}
	for i := range f.More {
		f.More[i].Number = i + 2
		if !f.More[i].On && f.More[i].Scale == "" {
			f.More[i].Scale = "1-9"
		}
	}
	return f
}

// input turns the form into the API's fields. A criterion's labels and
// bands are kept only when its scale stays what it was (a new range
// brings its defaults, as for the study's scale); empty ones mean the
// defaults.
func (f criteriaForm) input(cur rounds.Scale) workflow.StudyInput {
	name, combine := f.Name1, f.Combine
	in := workflow.StudyInput{CriterionName: &name, Combine: &combine}
	more := []workflow.CriterionInput{}
	for i, r := range f.More {
		if !r.On {
			continue
		}
		ci := workflow.CriterionInput{Name: r.Name}
		min, max, ok := parseRange(r.Scale)
		if ok {
			ci.ScaleMin, ci.ScaleMax = &min, &max
		}
		sameRange := i < len(cur.More) && ok && cur.More[i].Min == min && cur.More[i].Max == max
		if labels := strings.TrimSpace(r.Labels); labels != "" && (sameRange || i >= len(cur.More)) {
			ci.ScaleLabels = strings.Split(strings.ReplaceAll(labels, "\r\n", "\n"), "\n")
		}
		if bands := strings.TrimSpace(r.Bands); bands != "" && (sameRange || i >= len(cur.More)) {
			ci.Bands = &bands
		}
		if rule := strings.TrimSpace(r.Rule); rule != "" {
			ci.ConsensusRule = &rule
		}
		more = append(more, ci)
	}
	in.Criteria = &more
	return in
}

// updateStudyCriteria saves the criteria form.
func (a *App) updateStudyCriteria(c echo.Context) error {
	st := study(c)
	cur, err := st.Scale()
	if err != nil {
		return err
	}
	f := readCriteriaForm(c)
	in := f.input(cur)
	in.AmendmentReason = c.FormValue("amendment_reason")
	_, err = a.flow.UpdateStudy(c.Request().Context(), st, user(c).ID, in)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		c.Set(ctxTypedCriteria, f)
		return a.renderSettings(c, http.StatusUnprocessableEntity, workflow.StudyInfoOf(st), cur, fe, in.AmendmentReason)
	}
	if err != nil {
		return err
	}
	msg := "Criteria saved."
	if st.Locked() {
		msg = "Protocol amendment saved and recorded in the audit log."
	}
	setFlash(c, msg)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/settings#criteria", st.ID))
}

// LabelRows is the height of the labels box: a line per label, at least 4.
func (r criterionRow) LabelRows() int {
	return max(4, strings.Count(strings.TrimSpace(r.Labels), "\n")+1)
}
