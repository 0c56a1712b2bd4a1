package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/export"
	"github.com/delphi-platform/delphi/internal/panelcsv"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// The "Background form" page: the fields experts answer about themselves
// once, after consent, and the panel description their answers make. Its
// forms and /api/v1/studies/{id}/background-fields call the same workflow
// functions (workflow/background.go).

type backgroundPage struct {
	basePage
	MainName string
	Fields   []backgroundFieldView
	Kinds    []string
	New      backgroundFieldView // the add form, typed values kept on refusal
	NewError rounds.FieldErrors
	Panel    workflow.PanelDescription
	Locked   bool
}

// backgroundFieldView is a field's edit form.
type backgroundFieldView struct {
	ID       int64
	Number   int
	Kind     string
	Label    string
	Required bool
	Choices  string // one per line
	Min, Max string
	Bins     string // a number field's subgroup range limits, space-separated
	Errors   rounds.FieldErrors
}

func fieldView(f store.BackgroundField, label string) backgroundFieldView {
	v := backgroundFieldView{ID: f.ID, Kind: f.Kind, Label: label, Required: f.Required, Choices: strings.Join(f.ChoiceList(), "\n")}
	if f.Min.Valid {
		v.Min = strconv.FormatFloat(f.Min.Float64, 'f', -1, 64)
	}
	if f.Max.Valid {
		v.Max = strconv.FormatFloat(f.Max.Float64, 'f', -1, 64)
	}
	var bins []string
	for _, x := range f.BinList() {
		bins = append(bins, strconv.FormatFloat(x, 'f', -1, 64))
	}
	v.Bins = strings.Join(bins, " ")
	return v
}

func (a *App) showBackgroundPage(c echo.Context) error {
	return a.renderBackground(c, http.StatusOK, 0, nil)
}

// renderBackground shows the page; a refused form (fieldID, or 0 for the
// add form) keeps its typed values and shows fe beside them.
func (a *App) renderBackground(c echo.Context, status int, fieldID int64, fe rounds.FieldErrors) error {
	ctx := c.Request().Context()
	st := study(c)
	fields, err := a.store.BackgroundFieldsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	all, err := a.store.StudyTextsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	main := st.MainLanguage()
	p := backgroundPage{basePage: a.base(c, "Background form"), MainName: panelcsv.LanguageName(main, "en"), Kinds: workflow.BackgroundKinds, Locked: st.Locked()}
	p.Tab = "settings"
	p.New = backgroundFieldView{Kind: store.FieldChoice}
	for i, f := range fields {
		v := fieldView(f, all.Get(store.BackgroundLabelName(f.ID), main))
		v.Number = i + 1
		if fe != nil && f.ID == fieldID {
			v = typedField(c, v)
			v.Errors = fe
		}
		p.Fields = append(p.Fields, v)
	}
	if fe != nil && fieldID == 0 {
		p.New = typedField(c, p.New)
		p.New.Kind = c.FormValue("kind")
		p.New.Errors, p.NewError = fe, fe
	}
	if p.Panel, err = a.flow.PanelDescription(ctx, st); err != nil {
		return err
	}
	return a.render(c, status, "study_background", p)
}

// typedField keeps a refused form's values.
func typedField(c echo.Context, v backgroundFieldView) backgroundFieldView {
	v.Label, v.Required, v.Choices = c.FormValue("label"), c.FormValue("required") == "on", c.FormValue("choices")
	v.Min, v.Max, v.Bins = c.FormValue("min"), c.FormValue("max"), c.FormValue("bins")
	return v
}

// backgroundForm reads the page's add or edit form.
func backgroundForm(c echo.Context, st store.Study, update bool) (workflow.BackgroundFieldInput, rounds.FieldErrors) {
	required := c.FormValue("required") == "on"
	in := workflow.BackgroundFieldInput{Kind: c.FormValue("kind"), Required: &required,
		Label: map[string]string{st.MainLanguage(): c.FormValue("label")}}
	if _, sent := c.Request().PostForm["choices"]; sent {
		in.Choices = strings.Split(strings.ReplaceAll(c.FormValue("choices"), "\r\n", "\n"), "\n")
		if in.Choices == nil {
			in.Choices = []string{}
		}
	}
	var fe rounds.FieldErrors
	num := func(name string) *float64 {
		s := strings.TrimSpace(strings.ReplaceAll(c.FormValue(name), ",", "."))
		if s == "" {
			return nil
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			fe = append(fe, rounds.FieldError{Field: name, Message: fmt.Sprintf("%q is not a number", c.FormValue(name))})
			return nil
		}
		return &x
	}
	in.Min, in.Max = num("min"), num("max")
	if _, sent := c.Request().PostForm["bins"]; sent {
		// Limits separated by spaces or semicolons; "5, 10" reads as 5 and 10.
		bins := []float64{}
		for _, tok := range strings.FieldsFunc(c.FormValue("bins"), func(r rune) bool { return r == ';' || unicode.IsSpace(r) }) {
			x, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSuffix(tok, ","), ",", "."), 64)
			if err != nil {
				fe = append(fe, rounds.FieldError{Field: "bins", Message: fmt.Sprintf("%q is not a number: separate the limits with spaces", tok)})
				break
			}
			bins = append(bins, x)
		}
		in.Bins = &bins
	}
	if update {
		// An emptied box removes the bound: the form always sends both.
		in.ClearRange = true
	}
	return in, fe
}

// backgroundErrors names the fields of a refusal as the page labels them.
func backgroundErrors(fe rounds.FieldErrors) rounds.FieldErrors {
	out := make(rounds.FieldErrors, len(fe))
	for i, e := range fe {
		if strings.HasPrefix(e.Field, "label.") {
			e.Field = "label"
		}
		out[i] = e
	}
	return out
}

func (a *App) addBackgroundFieldAction(c echo.Context) error {
	st := study(c)
	in, fe := backgroundForm(c, st, false)
	if fe == nil {
		_, err := a.flow.AddBackgroundField(c.Request().Context(), st, user(c).ID, in)
		if !errors.As(err, &fe) && err != nil {
			return err
		}
	}
	if fe != nil {
		return a.renderBackground(c, http.StatusUnprocessableEntity, 0, backgroundErrors(fe))
	}
	setFlash(c, "Background field added.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/background#fields", st.ID))
}

func (a *App) updateBackgroundFieldAction(c echo.Context) error {
	st := study(c)
	fid := paramID(c, "fid")
	in, fe := backgroundForm(c, st, true)
	if fe == nil {
		err := a.flow.UpdateBackgroundField(c.Request().Context(), st, user(c).ID, fid, in)
		if !errors.As(err, &fe) && err != nil {
			return err
		}
	}
	if fe != nil {
		return a.renderBackground(c, http.StatusUnprocessableEntity, fid, backgroundErrors(fe))
	}
	setFlash(c, "Background field saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/background#field-%d", st.ID, fid))
}

// deleteBackgroundFieldAction deletes a field after asking (confirm.go).
func (a *App) deleteBackgroundFieldAction(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	fid := paramID(c, "fid")
	if !confirmed(c) {
		all, err := a.store.StudyTextsByStudy(ctx, st.ID)
		if err != nil {
			return err
		}
		label := all.Get(store.BackgroundLabelName(fid), st.MainLanguage())
		if label == "" {
			return workflow.ErrNoBackgroundField
		}
		return a.askConfirmation(c, http.StatusOK, "settings", confirmPage{Heading: "Delete this background field?",
			Action: fmt.Sprintf("/studies/%d/background-fields/%d/delete", st.ID, fid), Cancel: fmt.Sprintf("/studies/%d/background#fields", st.ID),
			Danger: true, Button: "Delete the field",
			Effects: []string{fmt.Sprintf("The field %q, its label in every language and its options are deleted.", label),
				"Experts will no longer be asked it. This is possible only before round 1 launches and before any expert answered it."}})
	}
	if err := a.flow.DeleteBackgroundField(ctx, st, fid); err != nil {
		return err
	}
	setFlash(c, "Background field deleted.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/background#fields", st.ID))
}

// The API.

type backgroundFieldJSON struct {
	ID       int64             `json:"id"`
	Position int               `json:"position"`
	Kind     string            `json:"kind"`
	Required bool              `json:"required"`
	Min      *float64          `json:"min"`
	Max      *float64          `json:"max"`
	Choices  []string          `json:"choices"`
	Label    map[string]string `json:"label"`
	// ChoiceTranslations: option number (from 1) → language → text.
	ChoiceTranslations map[string]map[string]string `json:"choice_translations"`
	Bins               []float64                    `json:"bins"` // a number field's subgroup range limits
}

func (a *App) backgroundFieldsJSON(c echo.Context, st store.Study) ([]backgroundFieldJSON, error) {
	ctx := c.Request().Context()
	fields, err := a.store.BackgroundFieldsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	all, err := a.store.StudyTextsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	out := []backgroundFieldJSON{}
	for _, f := range fields {
		j := backgroundFieldJSON{ID: f.ID, Position: f.Position, Kind: f.Kind, Required: f.Required, Choices: f.ChoiceList(),
			Label: all[store.BackgroundLabelName(f.ID)], ChoiceTranslations: map[string]map[string]string{}, Bins: f.BinList()}
		if j.Bins == nil {
			j.Bins = []float64{}
		}
		if f.Min.Valid {
			j.Min = &f.Min.Float64
		}
		if f.Max.Valid {
			j.Max = &f.Max.Float64
		}
		if j.Label == nil {
			j.Label = map[string]string{}
		}
		if j.Choices == nil {
			j.Choices = []string{}
		}
		for n := range j.Choices {
			if tr := all[store.BackgroundChoiceName(f.ID, n+1)]; tr != nil {
				j.ChoiceTranslations[strconv.Itoa(n+1)] = tr
			}
		}
		out = append(out, j)
	}
	return out, nil
}

func (a *App) apiListBackgroundFields(c echo.Context) error {
	out, err := a.backgroundFieldsJSON(c, study(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (a *App) apiAddBackgroundField(c echo.Context) error {
	var in workflow.BackgroundFieldInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	f, err := a.flow.AddBackgroundField(c.Request().Context(), study(c), user(c).ID, in)
	if err != nil {
		return err
	}
	return a.apiBackgroundField(c, http.StatusCreated, f.ID)
}

func (a *App) apiUpdateBackgroundField(c echo.Context) error {
	var in workflow.BackgroundFieldInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	fid := paramID(c, "fid")
	if err := a.flow.UpdateBackgroundField(c.Request().Context(), study(c), user(c).ID, fid, in); err != nil {
		return err
	}
	return a.apiBackgroundField(c, http.StatusOK, fid)
}

func (a *App) apiDeleteBackgroundField(c echo.Context) error {
	if err := a.flow.DeleteBackgroundField(c.Request().Context(), study(c), paramID(c, "fid")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *App) apiBackgroundField(c echo.Context, status int, id int64) error {
	fields, err := a.backgroundFieldsJSON(c, study(c))
	if err != nil {
		return err
	}
	for _, f := range fields {
		if f.ID == id {
			return c.JSON(status, f)
		}
	}
	return workflow.ErrNoBackgroundField
}

// apiPanelDescription is the panel described by its background answers:
// counts and number summaries only, never free text (researchers too).
func (a *App) apiPanelDescription(c echo.Context) error {
	pd, err := a.flow.PanelDescription(c.Request().Context(), study(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pd)
}

// panelSheet is the workbook's "Panel background" sheet: the panel
// description, one row per answer (or figure), one column per set of
// experts. Nil without a background form.
func panelSheet(pd workflow.PanelDescription) []export.Sheet {
	if len(pd.Fields) == 0 {
		return nil
	}
	sh := export.Sheet{Name: "Panel background", Header: []string{"field", "kind", "answer"}}
	for _, col := range pd.Columns {
		sh.Header = append(sh.Header, fmt.Sprintf("%s (n=%d)", col.Name, col.Experts))
	}
	row := func(f workflow.FieldDescription, answer string, cell func(workflow.FieldFigures) any) {
		r := []any{f.Label, f.Kind, answer}
		for _, c := range f.Columns {
			r = append(r, cell(c))
		}
		sh.Rows = append(sh.Rows, r)
	}
	num := func(x *float64) any {
		if x == nil {
			return ""
		}
		return *x
	}
	for _, f := range pd.Fields {
		switch f.Kind {
		case store.FieldChoice:
			for i, o := range f.Options {
				row(f, o, func(c workflow.FieldFigures) any { return c.Counts[i] })
			}
		case store.FieldNumber:
			row(f, "answered", func(c workflow.FieldFigures) any { return c.Answered })
			row(f, "median", func(c workflow.FieldFigures) any { return num(c.Median) })
			row(f, "minimum", func(c workflow.FieldFigures) any { return num(c.Min) })
			row(f, "maximum", func(c workflow.FieldFigures) any { return num(c.Max) })
		default:
			row(f, "answered (free text, not shown)", func(c workflow.FieldFigures) any { return c.Answered })
		}
		row(f, "no answer", func(c workflow.FieldFigures) any { return c.NoAnswer })
	}
	return []export.Sheet{sh}
}
