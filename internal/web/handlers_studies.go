package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/panelcsv"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

type studiesPage struct {
	basePage
	Studies     []store.StudyWithRole
	Invitations []store.StudyInvitation // pending memberships to accept or decline
	Form        newStudyForm
	Errors      rounds.FieldErrors
}

type newStudyForm struct {
	Title    string
	Scale    string // "1-5", "1-7", "1-9"
	TimeZone string // filled from the browser by /static/coordinator.js
}

func (a *App) showStudiesPage(c echo.Context) error {
	return a.renderStudies(c, http.StatusOK, newStudyForm{Scale: "1-9", TimeZone: workflow.DefaultTimeZone}, nil)
}

func (a *App) renderStudies(c echo.Context, status int, form newStudyForm, fe rounds.FieldErrors) error {
	list, err := a.store.StudiesForUser(c.Request().Context(), user(c).ID)
	if err != nil {
		return err
	}
	invs, err := a.store.InvitationsForUser(c.Request().Context(), user(c).ID)
	if err != nil {
		return err
	}
	return a.render(c, status, "studies_list", studiesPage{basePage: a.base(c, "Your studies"), Studies: list, Invitations: invs, Form: form, Errors: fe})
}

// createStudy starts a study from a title and a scale; everything else
// starts at its default and is set on the settings page.
func (a *App) createStudy(c echo.Context) error {
	form := newStudyForm{Title: c.FormValue("title"), Scale: c.FormValue("scale"), TimeZone: c.FormValue("time_zone")}
	min, max, ok := parseRange(form.Scale)
	if !ok {
		return a.renderStudies(c, http.StatusUnprocessableEntity, form, rounds.FieldErrors{{Field: "scale", Message: "choose a scale"}})
	}
	in := workflow.StudyInput{Title: &form.Title, ScaleMin: &min, ScaleMax: &max}
	if _, sent := c.Request().PostForm["time_zone"]; sent {
		in.TimeZone = &form.TimeZone
	}
	st, err := a.flow.CreateStudy(c.Request().Context(), user(c).ID, in)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		return a.renderStudies(c, http.StatusUnprocessableEntity, form, fe)
	}
	if err != nil {
		return err
	}
	setFlash(c, "Study created. Set the scale and consensus definition before you launch round 1.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/settings", st.ID))
}

func parseRange(s string) (min, max int, ok bool) {
	lo, hi, found := strings.Cut(s, "-")
	a, err1 := strconv.Atoi(strings.TrimSpace(lo))
	b, err2 := strconv.Atoi(strings.TrimSpace(hi))
	return a, b, found && err1 == nil && err2 == nil
}

type studyPage struct {
	basePage
	Scale      rounds.Scale
	Statements int
	Sections   int
	Experts    int
	ByGroup    []store.Count
	ByCountry  []store.Count
	Checklist  []checkItem
	Phase      string // store.PhasePreparation, PhaseRunning or PhaseFinished
	// Languages: before launch, what falls back to the main language per
	// study language (handlers_texts.go).
	Languages []workflow.LanguageFallbacks
}

type checkItem struct {
	Done bool
	Text string
	Link string
}

func (a *App) showStudyPage(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	sc, err := st.Scale()
	if err != nil {
		return err
	}
	sts, err := a.store.StatementsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	secs, err := a.store.SectionsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	byGroup, byCountry, err := a.store.PanelComposition(ctx, st.ID)
	if err != nil {
		return err
	}
	experts := 0
	for _, g := range byGroup {
		experts += g.N
	}
	p := studyPage{basePage: a.base(c, st.Title), Scale: sc, Statements: len(sts), Sections: len(secs), Experts: experts, ByGroup: byGroup, ByCountry: byCountry}
	p.Tab = "overview"
	if p.Phase, err = a.store.StudyPhase(ctx, st); err != nil {
		return err
	}
	if p.Phase == store.PhasePreparation && len(st.LanguageList()) > 1 {
		if p.Languages, err = a.flow.TextFallbacks(ctx, st); err != nil {
			return err
		}
	}
	base := fmt.Sprintf("/studies/%d", st.ID)
	p.Checklist = []checkItem{
		{st.Description != "" && st.ContactEmail != "", "Describe the study and give a contact e-mail for the panel", base + "/settings"},
		{true, "Fix the scale, bands and consensus definition (" + sc.Rule.String() + ")", base + "/settings"},
		{len(sts) > 0, fmt.Sprintf("Write the statements (%d so far)", len(sts)), base + "/statements"},
		{experts > 0, fmt.Sprintf("Import the panel (%d experts so far)", experts), base + "/panel"},
		{st.Description != "", "Write the texts experts read (information sheet, consent items, thank-you text) in every language", base + "/texts"},
	}
	return a.render(c, http.StatusOK, "study_overview", p)
}

type settingsPage struct {
	basePage
	Info        store.StudyInfo
	TimeZone    string // as stored, or as refused
	Scale       rounds.Scale
	Errors      rounds.FieldErrors
	Members     []store.Member
	RuleKinds   []string
	Finals      []string
	PercentT    string
	IQRLimit    string
	LabelsText  string
	Reason      string
	ScaleChoice string
	// Criteria is the criteria form (handlers_criteria.go); CriteriaPosted:
	// the page answers it, whose errors are shown there.
	Criteria       criteriaForm
	CriteriaPosted bool
}

func (a *App) showSettingsPage(c echo.Context) error {
	st := study(c)
	sc, err := st.Scale()
	if err != nil {
		return err
	}
	return a.renderSettings(c, http.StatusOK, workflow.StudyInfoOf(st), sc, nil, "")
}

func (a *App) renderSettings(c echo.Context, status int, info store.StudyInfo, sc rounds.Scale, fe rounds.FieldErrors, reason string) error {
	members, err := a.store.MembersByStudy(c.Request().Context(), study(c).ID)
	if err != nil {
		return err
	}
	p := settingsPage{basePage: a.base(c, "Settings"), Info: info, TimeZone: study(c).TimeZone, Scale: sc, Errors: fe, Members: members,
		RuleKinds: []string{rounds.RulePercent, rounds.RuleCOMET, rounds.RuleCOMETInclusive, rounds.RuleIQR, rounds.RuleRAND},
		Finals:    rounds.FinalNoConsensusChoices, PercentT: "75", IQRLimit: strconv.FormatFloat(rounds.DefaultIQRLimit(sc.Min, sc.Max), 'f', -1, 64),
		LabelsText: strings.Join(sc.Labels, "\n"), Reason: reason, ScaleChoice: fmt.Sprintf("%d-%d", sc.Min, sc.Max)}
	switch sc.Rule.Kind {
	case rounds.RulePercent:
		p.PercentT = strconv.FormatFloat(sc.Rule.Threshold, 'f', -1, 64)
	case rounds.RuleIQR:
		p.IQRLimit = strconv.FormatFloat(sc.Rule.Threshold, 'f', -1, 64)
	}
	if zone, ok := c.Get(ctxRefusedTimeZone).(string); ok {
		p.TimeZone = zone
	}
	p.Criteria = criteriaFormOf(sc)
	if typed, ok := c.Get(ctxTypedCriteria).(criteriaForm); ok {
		p.Criteria, p.CriteriaPosted = typed, true
	}
	p.Tab = "settings"
	return a.render(c, status, "study_settings", p)
}

// ctxRefusedTimeZone holds a refused time zone, for the settings page to
// show it in its field with its message.
const ctxRefusedTimeZone = "refused_time_zone"

func (a *App) updateStudyInfo(c echo.Context) error {
	st := study(c)
	title, desc, contact := c.FormValue("title"), c.FormValue("description"), c.FormValue("contact_email")
	in := workflow.StudyInput{Title: &title, Description: &desc, ContactEmail: &contact, Languages: strings.Split(c.FormValue("languages"), ",")}
	if _, sent := c.Request().PostForm["time_zone"]; sent {
		zone := c.FormValue("time_zone")
		in.TimeZone = &zone
	}
	requireAll := c.FormValue("require_all") == "on"
	in.RequireAll = &requireAll
	if n, err := strconv.Atoi(c.FormValue("max_rounds")); err == nil {
		in.MaxRounds = &n
	} else {
		n = 0
		in.MaxRounds = &n
	}
	return a.saveStudyInfo(c, st, in, "Study details saved.")
}

// saveStudyInfo applies a settings form's part to the study's details
// (one validation with the API's) and goes back to the settings page.
func (a *App) saveStudyInfo(c echo.Context, st store.Study, in workflow.StudyInput, flash string) error {
	_, err := a.flow.UpdateStudy(c.Request().Context(), st, user(c).ID, in)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		cur, serr := st.Scale()
		if serr != nil {
			return serr
		}
		info, _, _ := in.Apply(workflow.StudyInfoOf(st), cur)
		if in.TimeZone != nil { // the refused zone stays in its field
			c.Set(ctxRefusedTimeZone, *in.TimeZone)
		}
		return a.renderSettings(c, http.StatusUnprocessableEntity, info, cur, fe, "")
	}
	if err != nil {
		return err
	}
	setFlash(c, flash)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/settings", st.ID))
}

// scaleInput reads the scale and consensus form into a workflow.StudyInput.
func scaleInput(c echo.Context) workflow.StudyInput {
	var in workflow.StudyInput
	if min, max, ok := parseRange(c.FormValue("scale")); ok {
		in.ScaleMin, in.ScaleMax = &min, &max
	}
	if labels := strings.TrimSpace(c.FormValue("labels")); labels != "" {
		in.ScaleLabels = strings.Split(strings.ReplaceAll(labels, "\r\n", "\n"), "\n")
	}
	bands := fmt.Sprintf("%s-%s,%s-%s,%s-%s", c.FormValue("disagree_min"), c.FormValue("disagree_max"),
		c.FormValue("neutral_min"), c.FormValue("neutral_max"), c.FormValue("agree_min"), c.FormValue("agree_max"))
	if c.FormValue("neutral_min") == "" && c.FormValue("neutral_max") == "" {
		bands = fmt.Sprintf("%s-%s,,%s-%s", c.FormValue("disagree_min"), c.FormValue("disagree_max"), c.FormValue("agree_min"), c.FormValue("agree_max"))
	}
	if c.FormValue("disagree_min") != "" {
		in.Bands = &bands
	}
	unable := c.FormValue("allow_unable") == "on"
	in.AllowUnable = &unable
	rule := c.FormValue("rule")
	switch rule {
	case rounds.RulePercent:
		rule += ":" + strings.TrimSpace(c.FormValue("percent_threshold"))
	case rounds.RuleIQR:
		rule += ":" + strings.TrimSpace(c.FormValue("iqr_limit"))
	}
	in.ConsensusRule = &rule
	q, final := c.FormValue("quantile"), c.FormValue("final_no_consensus")
	in.Quantile, in.FinalNoConsensus = &q, &final
	in.AmendmentReason = c.FormValue("amendment_reason")
	return in
}

func (a *App) updateStudyScale(c echo.Context) error {
	st := study(c)
	cur, err := st.Scale()
	if err != nil {
		return err
	}
	in := scaleInput(c)
	if in.ScaleMin != nil && (*in.ScaleMin != cur.Min || *in.ScaleMax != cur.Max) {
		// A new range brings its own default labels and bands; the form's
		// old ones no longer fit.
		in.ScaleLabels, in.Bands = nil, nil
	}
	_, err = a.flow.UpdateStudy(c.Request().Context(), st, user(c).ID, in)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		_, sc, _ := in.Apply(workflow.StudyInfoOf(st), cur)
		return a.renderSettings(c, http.StatusUnprocessableEntity, workflow.StudyInfoOf(st), sc, fe, in.AmendmentReason)
	}
	if err != nil {
		return err
	}
	msg := "Scale and consensus definition saved."
	if st.Locked() {
		msg = "Protocol amendment saved and recorded in the audit log."
	}
	setFlash(c, msg)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/settings", st.ID))
}

// addMember invites someone to a role in the study. An existing account
// gets a pending membership that its owner accepts after logging in (and
// an e-mail saying so when SMTP is set up): adding an address never opens
// a study to whoever holds that account without their word. For an
// e-mail without an account, given the person's name, it creates the
// account with a one-time set-up link: e-mailed to the address when SMTP
// is set up, otherwise shown once to the coordinator, who passes it on.
func (a *App) addMember(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	role := c.FormValue("role")
	if role != store.RoleCoordinator && role != store.RoleResearcher {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "choose the role coordinator or researcher")
	}
	email := strings.ToLower(strings.TrimSpace(c.FormValue("email")))
	invitee, err := a.store.InviteExistingMember(ctx, st.ID, user(c).ID, email, role)
	if errors.Is(err, store.ErrNotFound) {
		name := strings.TrimSpace(c.FormValue("name"))
		if name == "" {
			setFlash(c, "No account has that e-mail address: give the person's name too, and a set-up link for a new account will be made.")
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/settings", st.ID))
		}
		if verr := panelcsv.ValidateEmail(email); verr != nil {
			setFlash(c, "Not added: "+verr.Error()+".")
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/settings", st.ID))
		}
		token, hash := auth.NewToken()
		expires := time.Now().Add(accountLinkLifetime)
		emailed := a.mailer != nil
		u, err := a.store.InviteStudyMember(ctx, st.ID, user(c).ID, email, name, role, hash, expires, emailed)
		if err != nil {
			return err
		}
		page := accountInvitedPage{basePage: a.base(c, "Collaborator invited"), Invitee: u, Role: role, Emailed: emailed,
			Expires: expires.UTC().Format("2 January 2006, 15:04 UTC")}
		link := a.cfg.BaseURL + "/account/setup/" + token
		if emailed {
			a.mailAccount(setupMail(st, user(c), u, role, link, page.Expires))
		} else {
			page.Link = link
		}
		return a.render(c, http.StatusOK, "account_invited", page)
	}
	switch {
	case errors.Is(err, store.ErrConflict):
		setFlash(c, "That person already has a role, or an invitation, in this study.")
	case err != nil:
		return err
	default:
		a.mailAccount(a.invitationMail(st, user(c), invitee, role))
		setFlash(c, "Invitation made: "+invitee.Name+" becomes a collaborator after accepting it, on their list of studies.")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/settings", st.ID))
}

// setMemberRole changes a collaborator's role or removes them (role
// "remove"). The owner's place is not a role that can be changed.
func (a *App) setMemberRole(c echo.Context) error {
	st := study(c)
	role := c.FormValue("role")
	switch role {
	case store.RoleCoordinator, store.RoleResearcher:
	case "remove":
		role = ""
	default:
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "choose the role coordinator or researcher, or remove")
	}
	uid := paramID(c, "uid")
	err := a.store.SetStudyMemberRole(c.Request().Context(), st.ID, user(c).ID, uid, role)
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "no such collaborator (the owner's role cannot be changed)")
	}
	if err != nil {
		return err
	}
	if uid == user(c).ID && role != store.RoleCoordinator {
		// Coordinators who removed themselves (or became researchers) can no
		// longer edit the study.
		setFlash(c, "Your role in the study changed.")
		return c.Redirect(http.StatusSeeOther, "/studies")
	}
	setFlash(c, "Collaborator updated.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/settings", st.ID))
}

type auditPage struct {
	basePage
	Entries []store.AuditEntry
}

func (a *App) showAuditPage(c echo.Context) error {
	es, err := a.store.AuditByStudy(c.Request().Context(), study(c).ID)
	if err != nil {
		return err
	}
	if researcher(c) {
		if err := a.pseudonymousAudit(c, es); err != nil {
			return err
		}
	}
	p := auditPage{basePage: a.base(c, "Audit log"), Entries: es}
	p.Tab = "audit"
	return a.render(c, http.StatusOK, "study_audit", p)
}
