package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/store"
)

// confirmPage asks before an action that cannot be undone (closing a
// round, deleting a statement, a topic or an expert) or that e-mails the
// panel again (a second reminder within a day). It works without
// JavaScript: the action's own form posts without "confirm", the handler
// answers with this page, naming what will happen, and its form posts to
// the same action again with confirm=yes (or the box ticked).
type confirmPage struct {
	basePage
	Heading string
	Effects []string // what will happen, one sentence each
	Action  string   // where the form posts
	Button  string
	Danger  bool
	Cancel  string // where "Cancel" leads
	// Check, when set, is the label of a box to tick (named CheckName)
	// instead of the hidden confirm=yes.
	Check     string
	CheckName string
	Hidden    map[string]string
	Error     string
}

// confirmed tells whether the form says the action was confirmed.
func confirmed(c echo.Context) bool { return c.FormValue("confirm") == "yes" }

// askConfirmation shows p under the tab (status 200 unless a refusal
// comes with it).
func (a *App) askConfirmation(c echo.Context, status int, tab string, p confirmPage) error {
	p.basePage = a.base(c, p.Heading)
	p.Tab = tab
	if status == 0 {
		status = http.StatusOK
	}
	return a.render(c, status, "confirm_action", p)
}

// askDeleteExpert names the expert and what removing them does, and asks
// to confirm; an invited expert is refused at once (their personal data
// can be erased instead). Here rather than in handlers_panel.go, beside
// the other confirmations.
func (a *App) askDeleteExpert(c echo.Context, st store.Study) error {
	ctx := c.Request().Context()
	e, err := a.store.ExpertByID(ctx, st.ID, paramID(c, "eid"))
	if err != nil {
		return err
	}
	if invited, err := a.store.ExpertInvited(ctx, e.ID); err != nil {
		return err
	} else if invited {
		return store.ErrExpertInvited
	}
	return a.askConfirmation(c, http.StatusOK, "panel", confirmPage{Heading: fmt.Sprintf("Remove %s from the panel?", e.Name),
		Action: fmt.Sprintf("/studies/%d/panel/experts/%d/delete", st.ID, e.ID), Cancel: fmt.Sprintf("/studies/%d/panel/experts/%d", st.ID, e.ID),
		Danger: true, Button: "Remove from the panel",
		Effects: []string{
			fmt.Sprintf("%s (%s) and their details are deleted from this study. This cannot be undone; to invite them later, add them again.", e.Name, e.Email),
			"They were never invited, so no answers or e-mails are lost.",
		}})
}
