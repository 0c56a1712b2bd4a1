package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// erasePage asks a coordinator to confirm erasing one expert's personal
// data, saying what will happen under the study's policy.
type erasePage struct {
	basePage
	Expert  store.Expert
	Confirm string
	Errors  rounds.FieldErrors
}

func (a *App) showErasePage(c echo.Context) error {
	return a.renderErase(c, http.StatusOK, "", nil)
}

func (a *App) renderErase(c echo.Context, status int, confirm string, fe rounds.FieldErrors) error {
	e, err := a.store.ExpertByID(c.Request().Context(), study(c).ID, paramID(c, "eid"))
	if err != nil {
		return err
	}
	if e.ErasedAt.Valid {
		return store.ErrAlreadyErased
	}
	p := erasePage{basePage: a.base(c, "Erase an expert's personal data"), Expert: e, Confirm: confirm, Errors: fe}
	p.Tab = "panel"
	return a.render(c, status, "panel_erase", p)
}

// eraseExpertAction erases once the coordinator typed the expert's
// e-mail address, so that a slip of the mouse erases nobody.
func (a *App) eraseExpertAction(c echo.Context) error {
	st := study(c)
	ctx := c.Request().Context()
	e, err := a.store.ExpertByID(ctx, st.ID, paramID(c, "eid"))
	if err != nil {
		return err
	}
	confirm := strings.TrimSpace(c.FormValue("confirm"))
	if !strings.EqualFold(confirm, e.Email) {
		msg := "type the expert's e-mail address exactly as shown to confirm the erasure"
		if confirm == "" {
			msg = "type the expert's e-mail address to confirm the erasure; nothing was erased"
		}
		return a.renderErase(c, http.StatusUnprocessableEntity, confirm, rounds.FieldErrors{{Field: "confirm", Message: msg}})
	}
	res, err := a.flow.EraseExpert(ctx, st, user(c).ID, e.ID)
	if err != nil {
		return err
	}
	setFlash(c, fmt.Sprintf("Personal data of expert %d erased (%s policy): %d answers kept anonymously, %d deleted; %d round-0 proposals kept anonymously, %d deleted; %d unsent e-mails cancelled.",
		e.ID, res.Policy, res.RatingsKept, res.RatingsDeleted, res.ProposalsKept, res.ProposalsDeleted, res.EmailsCancelled))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/panel", st.ID))
}

// apiEraseExpert is DELETE /api/v1/studies/{id}/panel/{eid}: it erases the
// expert's personal data under the study's policy and answers what it did.
func (a *App) apiEraseExpert(c echo.Context) error {
	st := study(c)
	res, err := a.flow.EraseExpert(c.Request().Context(), st, user(c).ID, paramID(c, "eid"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// updateStudyPrivacy saves the erasure policy and the retention period,
// with the same rules as the API (workflow.StudyInput).
func (a *App) updateStudyPrivacy(c echo.Context) error {
	st := study(c)
	policy := c.FormValue("erasure_policy")
	in := workflow.StudyInput{ErasurePolicy: &policy}
	days := 0
	if v := strings.TrimSpace(c.FormValue("retention_days")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1 // reported by apply
		}
		days = n
	}
	in.RetentionDays = &days
	return a.saveStudyInfo(c, st, in, "Privacy settings saved.")
}
