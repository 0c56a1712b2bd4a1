package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/panelcsv"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
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
	// The search form: the filter, the experts it leaves out of Total,
	// and the statuses it offers.
	Filter         workflow.PanelFilter
	FilterErrors   rounds.FieldErrors
	Total          int
	StatusFilters  []string
	OpenRound      *store.Round   // the open round, for "Invite to round N"
	InvitedToRound map[int64]bool // experts invited to OpenRound
}

type expertForm struct {
	Email, Name, Group, Country, Language string
}

func (a *App) showPanelPage(c echo.Context) error {
	if researcher(c) {
		return a.showPanelCounts(c)
	}
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
	p := panelPage{basePage: a.base(c, "Panel"), ByGroup: byGroup, ByCountry: byCountry, Problems: problems, Form: form, Errors: fe,
		StatusFilters: workflow.PanelStatusFilters}
	p.Filter, p.FilterErrors = panelFilter(c)
	if p.OpenRound, p.InvitedToRound, err = a.flow.OpenRoundInvitations(ctx, st.ID); err != nil {
		return err
	}
	for _, e := range es {
		if e.ErasedAt.Valid {
			p.Erased++
			continue
		}
		p.Total++
		if p.Filter.Match(e, p.InvitedToRound[e.ID]) {
			p.Experts = append(p.Experts, e)
		}
	}
	if len(p.FilterErrors) > 0 && status == http.StatusOK {
		status = http.StatusUnprocessableEntity
	}
	p.Tab = "panel"
	return a.render(c, status, "study_panel", p)
}

// panelFilter reads the panel's search form (query parameters q, group,
// country and status); an unknown status is an error and filters nothing.
func panelFilter(c echo.Context) (workflow.PanelFilter, rounds.FieldErrors) {
	f := workflow.PanelFilter{Query: strings.TrimSpace(c.QueryParam("q")), Group: strings.TrimSpace(c.QueryParam("group")),
		Country: strings.TrimSpace(c.QueryParam("country")), Status: strings.TrimSpace(c.QueryParam("status"))}
	if f.Status != "" && !slices.Contains(workflow.PanelStatusFilters, f.Status) {
		fe := rounds.FieldErrors{{Field: "status", Message: fmt.Sprintf("%q is not a status; choose one of: %s", f.Status, strings.Join(workflow.PanelStatusFilters, ", "))}}
		f.Status = ""
		return f, fe
	}
	return f, nil
}

// importPanel reads an uploaded (or pasted) panel file and shows what
// importing it would change, writing nothing: the preview's form carries
// the file's text to applyPanelImport.
func (a *App) importPanel(c echo.Context) error {
	var text string
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		// One byte over the limit, so that the parser reports the size.
		data, err := io.ReadAll(io.LimitReader(f, panelcsv.DefaultMaxBytes+1))
		if err != nil {
			return err
		}
		text = string(data)
	} else {
		text = c.FormValue("csv")
	}
	if strings.TrimSpace(text) == "" {
		return a.renderPanel(c, http.StatusUnprocessableEntity, []panelcsv.Problem{{Message: "choose a CSV file to import (or paste its contents)"}}, expertForm{}, nil)
	}
	plan, problems, err := a.flow.ImportPanel(c.Request().Context(), study(c), user(c).ID, strings.NewReader(text), workflow.ImportOptions{DryRun: true})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return a.renderPanel(c, http.StatusUnprocessableEntity, problems, expertForm{}, nil)
	}
	return a.renderImportPreview(c, http.StatusOK, plan, text, "")
}

type importPreviewPage struct {
	basePage
	Plan            workflow.PanelImport
	CSV             string // the file's text, posted back by the Apply button
	Notice          string // why the preview is shown again
	EmailChangeNote string
}

func (a *App) renderImportPreview(c echo.Context, status int, plan workflow.PanelImport, text, notice string) error {
	p := importPreviewPage{basePage: a.base(c, "Check the panel import"), Plan: plan, CSV: text, Notice: notice, EmailChangeNote: workflow.EmailChangeNote}
	p.Tab = "panel"
	return a.render(c, status, "panel_import_preview", p)
}

// applyPanelImport writes the import the coordinator checked on the
// preview; if the panel changed since, it shows the new preview instead.
func (a *App) applyPanelImport(c echo.Context) error {
	st := study(c)
	text := c.FormValue("csv")
	if strings.TrimSpace(text) == "" {
		return a.renderPanel(c, http.StatusUnprocessableEntity, []panelcsv.Problem{{Message: "choose a CSV file to import (or paste its contents)"}}, expertForm{}, nil)
	}
	plan, problems, err := a.flow.ImportPanel(c.Request().Context(), st, user(c).ID, strings.NewReader(text),
		workflow.ImportOptions{Fingerprint: c.FormValue("fingerprint")})
	switch {
	case errors.Is(err, workflow.ErrPanelChanged):
		return a.renderImportPreview(c, http.StatusConflict, plan, text, workflow.ErrPanelChanged.Error())
	case err != nil:
		return err
	case len(problems) > 0:
		return a.renderPanel(c, http.StatusUnprocessableEntity, problems, expertForm{}, nil)
	}
	setFlash(c, fmt.Sprintf("%s added, %s updated.", countExperts(len(plan.New)), countExperts(len(plan.Updated))))
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

func countExperts(n int) string {
	if n == 1 {
		return "1 expert"
	}
	return fmt.Sprintf("%d experts", n)
}

type expertPage struct {
	basePage
	Expert store.Expert
	Form   expertForm
	Errors rounds.FieldErrors
	// The open round, if any, and whether the expert was invited to it.
	OpenRound *store.Round
	Invited   bool
}

func (a *App) showExpertPage(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	e, err := a.store.ExpertByID(ctx, st.ID, paramID(c, "eid"))
	if err != nil {
		return err
	}
	p := expertPage{basePage: a.base(c, "Edit expert"), Expert: e, Form: expertForm{e.Email, e.Name, e.Group, e.Country, e.Language}}
	r, invited, err := a.flow.OpenRoundInvitations(ctx, st.ID)
	if err != nil {
		return err
	}
	p.OpenRound, p.Invited = r, invited[e.ID]
	p.Tab = "panel"
	return a.render(c, http.StatusOK, "expert_edit", p)
}

// inviteExpertAction invites one expert, such as a late recruit, to the
// open round (InviteToOpenRound), from the panel or the expert's page.
func (a *App) inviteExpertAction(c echo.Context) error {
	st := study(c)
	eid := paramID(c, "eid")
	r, err := a.flow.InviteToOpenRound(c.Request().Context(), st, eid, user(c).ID)
	if err != nil {
		return err
	}
	setFlash(c, fmt.Sprintf("Invited to round %d: the invitation e-mail with a personal link is on its way.", r.Number))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/panel/experts/%d", st.ID, eid))
}

// exportPanelCSV downloads the panel with each expert's status per round
// (coordinators only: it holds the e-mail addresses; audit-logged).
func (a *App) exportPanelCSV(c echo.Context) error {
	st := study(c)
	var buf bytes.Buffer
	if err := a.flow.ExportPanelCSV(c.Request().Context(), st, user(c).ID, &buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="study-%d-panel.csv"`, st.ID))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
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
