package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/panelcsv"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

type panelPage struct {
	basePage
	Experts   []store.Expert
	ByGroup   []store.Count
	ByCountry []store.Count
	Problems  []panelcsv.Problem
	Form      expertForm
	Errors    rounds.FieldErrors
	Erased    int // tombstones of erased experts, not listed
}

type expertForm struct {
	Email, Name, Group, Country, Language string
}

func (a *App) showPanelPage(c echo.Context) error {
	return a.renderPanel(c, http.StatusOK, nil, expertForm{}, nil)
}

func (a *App) renderPanel(c echo.Context, status int, problems []panelcsv.Problem, form expertForm, fe rounds.FieldErrors) error {
	ctx := c.Request().Context()
	st := study(c)
	es, err := a.store.ExpertsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	byGroup, byCountry, err := a.store.PanelComposition(ctx, st.ID)
	if err != nil {
		return err
	}
	p := panelPage{basePage: a.base(c, "Panel"), ByGroup: byGroup, ByCountry: byCountry, Problems: problems, Form: form, Errors: fe}
	for _, e := range es {
		if e.ErasedAt.Valid {
			p.Erased++
		} else {
			p.Experts = append(p.Experts, e)
		}
	}
	p.Tab = "panel"
	return a.render(c, status, "study_panel", p)
}

func (a *App) importPanel(c echo.Context) error {
	st := study(c)
	var r io.Reader
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	} else if text := c.FormValue("csv"); strings.TrimSpace(text) != "" {
		r = strings.NewReader(text)
	} else {
		return a.renderPanel(c, http.StatusUnprocessableEntity, []panelcsv.Problem{{Message: "choose a CSV file to import (or paste its contents)"}}, expertForm{}, nil)
	}
	n, problems, err := a.flow.ImportPanel(c.Request().Context(), st, user(c).ID, r)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return a.renderPanel(c, http.StatusUnprocessableEntity, problems, expertForm{}, nil)
	}
	setFlash(c, fmt.Sprintf("%d experts imported.", n))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/panel", st.ID))
}

// checkExpertForm validates one expert with the same rules as the import.
func (a *App) checkExpertForm(c echo.Context, st store.Study, selfID int64) (expertForm, rounds.FieldErrors, error) {
	f := expertForm{Email: strings.TrimSpace(c.FormValue("email")), Name: strings.TrimSpace(c.FormValue("name")),
		Group: strings.TrimSpace(c.FormValue("group")), Country: strings.TrimSpace(c.FormValue("country")), Language: strings.TrimSpace(c.FormValue("language"))}
	// Run the single expert through the CSV parser, so that the form and
	// the import can never disagree about what is valid.
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "email,name,stakeholder_group,country,language\n%s,%s,%s,%s,%s\n",
		csvField(f.Email), csvField(f.Name), csvField(f.Group), csvField(f.Country), csvField(f.Language))
	existing, err := a.store.ExpertEmails(c.Request().Context(), st.ID)
	if err != nil {
		return f, nil, err
	}
	if selfID != 0 {
		self, err := a.store.ExpertByID(c.Request().Context(), st.ID, selfID)
		if err != nil {
			return f, nil, err
		}
		delete(existing, self.Email)
	}
	experts, problems := panelcsv.Parse(&buf, panelcsv.Options{DefaultLanguage: st.MainLanguage(), Existing: existing})
	var fe rounds.FieldErrors
	for _, p := range problems {
		field := p.Column
		if field == "stakeholder_group" {
			field = "group"
		}
		fe = append(fe, rounds.FieldError{Field: field, Message: p.Message})
	}
	if len(experts) == 1 {
		e := experts[0]
		f = expertForm{Email: strings.ToLower(e.Email), Name: e.Name, Group: e.Group, Country: e.Country, Language: e.Language}
	}
	return f, fe, nil
}

func (f expertForm) toNew() store.NewExpert {
	return store.NewExpert{Email: f.Email, Name: f.Name, Group: f.Group, Country: f.Country, Language: f.Language}
}

func csvField(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func (a *App) addExpert(c echo.Context) error {
	st := study(c)
	f, fe, err := a.checkExpertForm(c, st, 0)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		return a.renderPanel(c, http.StatusUnprocessableEntity, nil, f, fe)
	}
	if _, err := a.store.CreateExpert(c.Request().Context(), st.ID, user(c).ID, f.toNew()); err != nil {
		return err
	}
	setFlash(c, "Expert added.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/panel", st.ID))
}

type expertPage struct {
	basePage
	Expert store.Expert
	Form   expertForm
	Errors rounds.FieldErrors
}

func (a *App) showExpertPage(c echo.Context) error {
	st := study(c)
	e, err := a.store.ExpertByID(c.Request().Context(), st.ID, paramID(c, "eid"))
	if err != nil {
		return err
	}
	p := expertPage{basePage: a.base(c, "Edit expert"), Expert: e, Form: expertForm{e.Email, e.Name, e.Group, e.Country, e.Language}}
	p.Tab = "panel"
	return a.render(c, http.StatusOK, "expert_edit", p)
}

func (a *App) updateExpert(c echo.Context) error {
	st := study(c)
	e, err := a.store.ExpertByID(c.Request().Context(), st.ID, paramID(c, "eid"))
	if err != nil {
		return err
	}
	f, fe, err := a.checkExpertForm(c, st, e.ID)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		p := expertPage{basePage: a.base(c, "Edit expert"), Expert: e, Form: f, Errors: fe}
		p.Tab = "panel"
		return a.render(c, http.StatusUnprocessableEntity, "expert_edit", p)
	}
	if err := a.store.UpdateExpert(c.Request().Context(), st.ID, e.ID, f.toNew()); err != nil {
		return err
	}
	setFlash(c, "Expert saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/panel", st.ID))
}

func (a *App) deleteExpert(c echo.Context) error {
	st := study(c)
	if !confirmed(c) {
		return a.askDeleteExpert(c, st)
	}
	if err := a.store.DeleteExpert(c.Request().Context(), st.ID, user(c).ID, paramID(c, "eid")); err != nil {
		return err
	}
	setFlash(c, "Expert removed from the panel.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/panel", st.ID))
}

// exportExpertData answers a subject-access request: everything the study
// holds about one expert, as a JSON download (audit-logged).
func (a *App) exportExpertData(c echo.Context) error {
	st := study(c)
	d, err := a.store.ExpertDataExport(c.Request().Context(), st.ID, user(c).ID, paramID(c, "eid"))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="expert-%d-data.json"`, paramID(c, "eid")))
	return c.JSONPretty(http.StatusOK, d, "  ")
}
