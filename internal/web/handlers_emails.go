package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// The e-mails page: a study's e-mails to experts, each kind in each of
// its languages, edited as plain text with placeholders and previewed as
// the experts receive them (workflow/emails.go).

// emailKindLabels name the kinds on the page.
var emailKindLabels = map[string]string{
	mail.KindInvitation:      "Invitation to a round",
	mail.KindReminder:        "Reminder",
	mail.KindNewLink:         "New personal link",
	mail.KindIdeaInvitation:  "Round 0 invitation",
	mail.KindIdeaReminder:    "Round 0 reminder",
	mail.KindDeadlineChanged: "Deadline changed",
}

type emailsPage struct {
	basePage
	Kinds     []string
	Labels    map[string]string
	Languages []string
	Templates map[string]workflow.EmailTemplate // kind + "/" + lang
	Kind      string                            // the one being edited
	EditLang  string
	Subject   string // as typed, or the effective text
	Body      string
	Errors    rounds.FieldErrors
	Sample    mail.Message
	Fields    []string // the placeholders' names
	SMTP      bool     // the server sends e-mail, so a test can go
}

// emailTarget reads the kind and language of the e-mail a request is
// about, from the path or the query; the study's first when absent.
func emailTarget(c echo.Context, langs []string) (kind, lang string) {
	kind, lang = c.Param("kind"), c.Param("lang")
	if kind == "" {
		kind, lang = c.QueryParam("kind"), c.QueryParam("lang")
	}
	if !slices.Contains(mail.Kinds, kind) {
		kind = mail.KindInvitation
	}
	if !slices.Contains(langs, lang) {
		lang = langs[0]
	}
	return kind, lang
}

func (a *App) showEmailsPage(c echo.Context) error {
	kind, lang := emailTarget(c, study(c).LanguageList())
	return a.renderEmails(c, http.StatusOK, kind, lang, nil, "", "")
}

// renderEmails shows the page editing kind in lang; fe and the typed
// subject and body when a save was refused, so nothing typed is lost.
func (a *App) renderEmails(c echo.Context, status int, kind, lang string, fe rounds.FieldErrors, subject, body string) error {
	ctx := c.Request().Context()
	st := study(c)
	all, err := a.flow.EmailTemplatesFor(ctx, st)
	if err != nil {
		return err
	}
	p := emailsPage{basePage: a.base(c, "E-mails"), Kinds: mail.Kinds, Labels: emailKindLabels, Languages: st.LanguageList(),
		Templates: map[string]workflow.EmailTemplate{}, Kind: kind, EditLang: lang, Errors: fe, Fields: mail.Placeholders, SMTP: a.mailer != nil}
	p.Tab = "emails"
	for _, t := range all {
		p.Templates[t.Kind+"/"+t.Lang] = t
	}
	cur := p.Templates[kind+"/"+lang]
	p.Subject, p.Body = cur.Subject, cur.Body
	if fe != nil {
		p.Subject, p.Body = subject, body
	}
	if p.Sample, err = a.flow.PreviewEmail(ctx, st, kind, lang); err != nil {
		return err
	}
	return a.render(c, status, "study_emails", p)
}

func emailsURL(studyID int64, kind, lang string) string {
	return fmt.Sprintf("/studies/%d/emails?kind=%s&lang=%s", studyID, url.QueryEscape(kind), url.QueryEscape(lang))
}

func (a *App) saveEmailAction(c echo.Context) error {
	st := study(c)
	kind, lang := c.Param("kind"), c.Param("lang")
	subject, body := c.FormValue("subject"), c.FormValue("body")
	err := a.flow.SaveEmailTemplate(c.Request().Context(), st, user(c).ID, kind, lang, subject, body)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		return a.renderEmails(c, http.StatusUnprocessableEntity, kind, lang, fe, subject, body)
	}
	if err != nil {
		return err
	}
	setFlash(c, fmt.Sprintf("%s (%s) saved.", emailKindLabels[kind], lang))
	return c.Redirect(http.StatusSeeOther, emailsURL(st.ID, kind, lang))
}

func (a *App) resetEmailAction(c echo.Context) error {
	st := study(c)
	kind, lang := c.Param("kind"), c.Param("lang")
	if err := a.flow.ResetEmailTemplate(c.Request().Context(), st, user(c).ID, kind, lang); err != nil {
		return err
	}
	setFlash(c, fmt.Sprintf("%s (%s) is the default text again.", emailKindLabels[kind], lang))
	return c.Redirect(http.StatusSeeOther, emailsURL(st.ID, kind, lang))
}

// errNoMailServer refuses a test e-mail that could not leave the outbox.
var errNoMailServer = fault.New(fault.Conflict, "this server sends no e-mail (no SMTP server is configured), so no test can be sent; the page's preview shows the e-mail as experts would receive it")

func (a *App) testEmailAction(c echo.Context) error {
	st := study(c)
	kind, lang := c.Param("kind"), c.Param("lang")
	u := user(c)
	if a.mailer == nil {
		return errNoMailServer
	}
	if err := a.flow.SendTestEmail(c.Request().Context(), st, u, kind, lang); err != nil {
		return err
	}
	setFlash(c, "A test of this e-mail is on its way to "+u.Email+"; its links open the preview, which records nothing.")
	return c.Redirect(http.StatusSeeOther, emailsURL(st.ID, kind, lang))
}

// showEmailPreviewHTML is the HTML part of an e-mail's preview, for the
// page's sandboxed frame: the e-mail's inline styles are allowed here
// (and only here), nothing else is.
func (a *App) showEmailPreviewHTML(c echo.Context) error {
	st := study(c)
	m, err := a.flow.PreviewEmail(c.Request().Context(), st, c.Param("kind"), c.Param("lang"))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	return c.HTMLBlob(http.StatusOK, []byte(m.HTML))
}

// API: the same workflows.

func (a *App) apiListEmails(c echo.Context) error {
	ts, err := a.flow.EmailTemplatesFor(c.Request().Context(), study(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ts)
}

type emailJSON struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// apiEmail answers with the effective template of the request's kind and
// language after a change.
func (a *App) apiEmail(c echo.Context) error {
	ts, err := a.flow.EmailTemplatesFor(c.Request().Context(), study(c))
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.Kind == c.Param("kind") && t.Lang == c.Param("lang") {
			return c.JSON(http.StatusOK, t)
		}
	}
	return workflow.ErrUnknownEmailKind
}

func (a *App) apiSaveEmail(c echo.Context) error {
	var in emailJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := a.flow.SaveEmailTemplate(c.Request().Context(), study(c), user(c).ID, c.Param("kind"), c.Param("lang"), in.Subject, in.Body); err != nil {
		return err
	}
	return a.apiEmail(c)
}

func (a *App) apiResetEmail(c echo.Context) error {
	if err := a.flow.ResetEmailTemplate(c.Request().Context(), study(c), user(c).ID, c.Param("kind"), c.Param("lang")); err != nil {
		return err
	}
	return a.apiEmail(c)
}

func (a *App) apiTestEmail(c echo.Context) error {
	u := user(c)
	if a.mailer == nil {
		return errNoMailServer
	}
	if err := a.flow.SendTestEmail(c.Request().Context(), study(c), u, c.Param("kind"), c.Param("lang")); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"to": u.Email})
}
