package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// roundOf loads the :rid round and checks it belongs to the study.
func (a *App) roundOf(c echo.Context) (store.Round, error) {
	r, err := a.store.RoundByID(c.Request().Context(), paramID(c, "rid"))
	if err != nil {
		return r, err
	}
	if r.StudyID != study(c).ID {
		return r, store.ErrNotFound
	}
	return r, nil
}

type roundsPage struct {
	basePage
	Rounds  []store.Round
	CanNext bool
	NextErr string
	Next    int
}

func (a *App) showRoundsPage(c echo.Context) error {
	st := study(c)
	rs, err := a.store.RoundsByStudy(c.Request().Context(), st.ID)
	if err != nil {
		return err
	}
	p := roundsPage{basePage: a.base(c, "Rounds"), Rounds: rs, Next: len(rs) + 1}
	p.Tab = "rounds"
	var prev *rounds.Round
	if len(rs) > 0 {
		d := rs[len(rs)-1].Domain()
		prev = &d
	}
	if st.Realtime() && len(rs) > 0 {
		p.NextErr = rounds.ErrRealtimeSingle.Error()
	} else if err := rounds.CanCreateNext(prev, st.MaxRounds); err != nil {
		p.NextErr = err.Error()
	} else {
		p.CanNext = true
	}
	return a.render(c, http.StatusOK, "rounds_list", p)
}

func (a *App) createRound(c echo.Context) error {
	st := study(c)
	r, err := a.flow.CreateNextRound(c.Request().Context(), st, user(c).ID, workflow.RoundOptions{Deadline: time.Now().UTC().Add(14 * 24 * time.Hour).Truncate(time.Hour), ReminderDays: "3"})
	if err != nil {
		return err
	}
	setFlash(c, fmt.Sprintf("Round %d created as a draft with %s. Check the deadline and reminders, then launch it.", r.Number, "its statements"))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID))
}

type roundPage struct {
	basePage
	Round      store.Round
	Statements []store.RoundStatement
	Statuses   []store.ExpertStatus
	Counts     map[string]int
	Deadline   string // for <input type=datetime-local>, UTC
	Invitees   int
	SMTP       bool
	Outbox     map[string]int
	Results    []carryRow
	Kendall    *report.KendallReport
	Error      string
	IsLast     bool
	NextExists bool
	Realtime   *realtimeView // real-time mode: snapshots and revisions (realtime.go)
}

// carryRow is one line of the carry-over table of a closed round.
type carryRow struct {
	RS       store.RoundStatement
	Stat     report.StatementReport
	Decision store.Decision
	Comments []commentView
}

type commentView struct {
	InvitationID int64
	Text         string
	Shown        bool
}

func (a *App) showRoundPage(c echo.Context) error {
	return a.renderRound(c, http.StatusOK, "")
}

func (a *App) renderRound(c echo.Context, status int, errMsg string) error {
	ctx := c.Request().Context()
	st := study(c)
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	rss, err := a.store.RoundStatements(ctx, r.ID)
	if err != nil {
		return err
	}
	p := roundPage{basePage: a.base(c, fmt.Sprintf("Round %d", r.Number)), Round: r, Statements: rss, SMTP: a.cfg.SMTPURL != "", Error: errMsg, IsLast: r.Number >= st.MaxRounds}
	p.Tab = "rounds"
	if r.Deadline.Valid {
		p.Deadline = r.Deadline.Time.UTC().Format("2006-01-02T15:04")
	}
	switch rounds.Status(r.Status) {
	case rounds.Draft:
		invitees, err := a.store.Invitees(ctx, r)
		if err != nil {
			return err
		}
		p.Invitees = len(invitees)
	default:
		if p.Statuses, err = a.store.RoundStatuses(ctx, r.ID); err != nil {
			return err
		}
		p.Counts = store.StatusCounts(p.Statuses)
		if p.Outbox, err = a.store.OutboxCounts(ctx, r.ID); err != nil {
			return err
		}
		if st.Realtime() {
			if p.Realtime, err = a.realtimeViewOf(ctx, st); err != nil {
				return err
			}
		}
	}
	if rounds.Status(r.Status) == rounds.Closed {
		if err := a.fillCarryOver(c, &p); err != nil {
			return err
		}
	}
	return a.render(c, status, "round_show", p)
}

// fillCarryOver puts the frozen results, the proposals and decisions and
// the comments of a closed round on its page.
func (a *App) fillCarryOver(c echo.Context, p *roundPage) error {
	ctx := c.Request().Context()
	rr, err := a.roundResults(c, p.Round)
	if err != nil {
		return err
	}
	var res report.RoundReport
	if err := json.Unmarshal([]byte(rr.Results), &res); err != nil {
		return fmt.Errorf("round %d results: %w", p.Round.ID, err)
	}
	p.Kendall = &res.KendallW
	decisions, err := a.store.DecisionsByRound(ctx, p.Round.ID)
	if err != nil {
		return err
	}
	withComments, err := a.store.CommentsByRound(ctx, p.Round.ID)
	if err != nil {
		return err
	}
	comments := map[int64][]commentView{}
	for _, r := range withComments {
		comments[r.RoundStatementID] = append(comments[r.RoundStatementID], commentView{r.InvitationID, r.Comment, r.CommentShown})
	}
	// The snapshot is keyed by lineage; map it back to this round's statements.
	all, err := a.store.RoundsByStudy(ctx, p.Round.StudyID)
	if err != nil {
		return err
	}
	keys, err := a.flow.RoundKeys(ctx, p.Round.StudyID, p.Round.Number)
	if err != nil {
		return err
	}
	byRS := map[int64]report.StatementReport{}
	for _, s := range res.Statements {
		byRS[keys[s.Statement]] = s
	}
	for _, rs := range p.Statements {
		p.Results = append(p.Results, carryRow{RS: rs, Stat: byRS[rs.ID], Decision: decisions[rs.ID], Comments: comments[rs.ID]})
	}
	p.NextExists = len(all) > p.Round.Number
	return nil
}

func (a *App) updateRound(c echo.Context) error {
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	deadline, err := time.Parse("2006-01-02T15:04", c.FormValue("deadline"))
	if err != nil {
		return a.renderRound(c, http.StatusUnprocessableEntity, "Give the deadline as a date and time (UTC).")
	}
	days, err := parseReminderDays(c.FormValue("reminder_days"))
	if err != nil {
		return a.renderRound(c, http.StatusUnprocessableEntity, err.Error())
	}
	scope := rounds.InviteScope(c.FormValue("scope"))
	if scope != rounds.InvitePanel && scope != rounds.InviteRespondents {
		scope = rounds.DefaultScope(r.Number)
	}
	if err := a.store.UpdateDraftRound(c.Request().Context(), r.ID, scope, deadline, days, c.FormValue("show_groups") == "on"); err != nil {
		return err
	}
	setFlash(c, "Round settings saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", r.StudyID, r.ID))
}

// parseReminderDays reads "3, 1" (days before the deadline) and writes "3,1".
func parseReminderDays(s string) (string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		d, err := strconv.Atoi(f)
		if err != nil || d < 1 || d > 60 {
			return "", fmt.Errorf("reminders: %q is not a number of days between 1 and 60", f)
		}
		out = append(out, strconv.Itoa(d))
	}
	return strings.Join(out, ","), nil
}

func (a *App) launchRoundAction(c echo.Context) error {
	st := study(c)
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	n, err := a.flow.LaunchRound(c.Request().Context(), st, r.ID, user(c).ID)
	if status, msg, ok := userError(err); ok {
		return a.renderRound(c, status, msg)
	}
	if err != nil {
		return err
	}
	setFlash(c, fmt.Sprintf("Round %d launched: %d invitations queued.", r.Number, n))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID))
}

func (a *App) remindRoundAction(c echo.Context) error {
	st := study(c)
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	n, err := a.flow.RemindRound(c.Request().Context(), st, r.ID, user(c).ID)
	if status, msg, ok := userError(err); ok {
		return a.renderRound(c, status, msg)
	}
	if err != nil {
		return err
	}
	setFlash(c, fmt.Sprintf("%d reminder(s) queued (to experts who have not submitted or declined).", n))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID))
}

func (a *App) closeRoundAction(c echo.Context) error {
	st := study(c)
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	err = a.flow.CloseRound(c.Request().Context(), st, r.ID, user(c).ID)
	if status, msg, ok := userError(err); ok {
		return a.renderRound(c, status, msg)
	}
	if err != nil {
		return err
	}
	setFlash(c, fmt.Sprintf("Round %d closed; results computed. Review the proposals below.", r.Number))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID))
}

func (a *App) decideStatement(c echo.Context) error {
	st := study(c)
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	d, err := rounds.ParseProposal(c.FormValue("decision"))
	if err != nil {
		return a.renderRound(c, http.StatusUnprocessableEntity, err.Error())
	}
	rsID := paramID(c, "rsid")
	if err := a.checkRoundStatement(c, r.ID, rsID); err != nil {
		return err
	}
	err = a.store.SetDecision(c.Request().Context(), rsID, user(c).ID, d, c.FormValue("reason"))
	if status, msg, ok := userError(err); ok {
		return a.renderRound(c, status, msg)
	}
	if err != nil {
		return err
	}
	setFlash(c, "Decision saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d#rs%d", st.ID, r.ID, rsID))
}

func (a *App) checkRoundStatement(c echo.Context, roundID, rsID int64) error {
	rss, err := a.store.RoundStatements(c.Request().Context(), roundID)
	if err != nil {
		return err
	}
	for _, rs := range rss {
		if rs.ID == rsID {
			return nil
		}
	}
	return store.ErrNotFound
}

// rewordStatement, mergeStatements and splitStatement write new versions
// of carried statements for the next round.
func (a *App) replaceStatement(c echo.Context) error {
	st := study(c)
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	kind := rounds.Origin(c.FormValue("kind"))
	var parents []int64
	for _, v := range c.Request().Form["statement_id"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			parents = append(parents, id)
		}
	}
	var texts []string
	for _, line := range strings.Split(strings.ReplaceAll(c.FormValue("text"), "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) != "" {
			texts = append(texts, strings.TrimSpace(line))
		}
	}
	if kind == rounds.OriginReworded || kind == rounds.OriginMerged {
		texts = []string{strings.Join(texts, " ")}
	}
	if strings.TrimSpace(c.FormValue("reason")) == "" {
		return a.renderRound(c, http.StatusUnprocessableEntity, "Say why the statement changes; the reason goes into the statement lineage.")
	}
	if _, err := a.store.ReplaceStatements(c.Request().Context(), st.ID, user(c).ID, kind, parents, texts, c.FormValue("reason")); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return err
		}
		return a.renderRound(c, http.StatusUnprocessableEntity, err.Error())
	}
	setFlash(c, "New version saved; it replaces the old one in the next round.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID))
}

// addStatementFromComments adds a new statement for the next round with
// links to the comments that prompted it.
func (a *App) addStatementFromComments(c echo.Context) error {
	st := study(c)
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	text := strings.TrimSpace(c.FormValue("text"))
	if text == "" {
		return a.renderRound(c, http.StatusUnprocessableEntity, "Write the new statement.")
	}
	var refs []store.CommentRef
	for _, v := range c.Request().Form["comment"] { // "invitationID:roundStatementID"
		inv, rs, ok := strings.Cut(v, ":")
		i, err1 := strconv.ParseInt(inv, 10, 64)
		s, err2 := strconv.ParseInt(rs, 10, 64)
		if ok && err1 == nil && err2 == nil {
			if err := a.checkRoundStatement(c, r.ID, s); err != nil {
				return err
			}
			refs = append(refs, store.CommentRef{InvitationID: i, RoundStatementID: s})
		}
	}
	if _, err := a.store.AddStatementFromComments(c.Request().Context(), st.ID, user(c).ID, text, c.FormValue("section"), refs); err != nil {
		return err
	}
	setFlash(c, "Statement added for the next round.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID))
}

// showComment chooses whether a comment appears, anonymised, in the next
// round's feedback.
func (a *App) showComment(c echo.Context) error {
	st := study(c)
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	rsID := paramID(c, "rsid")
	if err := a.checkRoundStatement(c, r.ID, rsID); err != nil {
		return err
	}
	inv, _ := strconv.ParseInt(c.FormValue("invitation_id"), 10, 64)
	if err := a.store.SetCommentShown(c.Request().Context(), inv, rsID, c.FormValue("shown") == "on"); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d#rs%d", st.ID, r.ID, rsID))
}

type outboxPage struct {
	basePage
	Round    store.Round
	Messages []store.OutboxMessage
	SMTP     bool
}

func (a *App) showOutboxPage(c echo.Context) error {
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	ms, err := a.store.OutboxByRound(c.Request().Context(), r.ID)
	if err != nil {
		return err
	}
	p := outboxPage{basePage: a.base(c, fmt.Sprintf("Round %d e-mails", r.Number)), Round: r, Messages: ms, SMTP: a.cfg.SMTPURL != ""}
	p.Tab = "rounds"
	return a.render(c, http.StatusOK, "round_outbox", p)
}

type messagePage struct {
	basePage
	Message store.OutboxMessage
	SMTP    bool
}

func (a *App) showMessagePage(c echo.Context) error {
	m, err := a.store.OutboxMessageByID(c.Request().Context(), study(c).ID, paramID(c, "mid"))
	if err != nil {
		return err
	}
	p := messagePage{basePage: a.base(c, "E-mail to "+m.ToName), Message: m, SMTP: a.cfg.SMTPURL != ""}
	p.Tab = "rounds"
	return a.render(c, http.StatusOK, "outbox_message", p)
}

func (a *App) resendMessage(c echo.Context) error {
	st := study(c)
	m, err := a.store.OutboxMessageByID(c.Request().Context(), st.ID, paramID(c, "mid"))
	if err != nil {
		return err
	}
	if err := a.store.ResendMessage(c.Request().Context(), st.ID, m.ID); err != nil {
		return err
	}
	a.notifyMail()
	setFlash(c, "The message will be sent again, to "+m.ToAddress+".")
	if !m.RoundID.Valid { // round 0's e-mails have no round
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/ideas", st.ID))
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d/outbox", st.ID, m.RoundID.Int64))
}

// sendNewLinkAction e-mails one expert a fresh link to the open round.
func (a *App) sendNewLinkAction(c echo.Context) error {
	st := study(c)
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	e, err := a.flow.SendNewLink(c.Request().Context(), st, r.ID, paramID(c, "iid"), user(c).ID)
	if errors.Is(err, workflow.ErrNoNewLink) {
		return echo.NewHTTPError(http.StatusConflict, workflow.ErrNoNewLink.Error())
	}
	if err != nil {
		return err
	}
	setFlash(c, "A new link is on its way to "+e.Email+"; the earlier ones still work.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID))
}

// revokeInvitation stops an expert's personal links for this round, e.g.
// when an invitation went to a wrong or shared address.
func (a *App) revokeInvitation(c echo.Context) error {
	st := study(c)
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	if err := a.store.RevokeInvitation(c.Request().Context(), r.ID, paramID(c, "iid")); err != nil {
		return err
	}
	if err := a.store.Audit(c.Request().Context(), st.ID, user(c).ID, "revoke link", "", "", fmt.Sprintf("round %d, invitation %d", r.Number, paramID(c, "iid")), ""); err != nil {
		return err
	}
	setFlash(c, "The expert's links to this round no longer work.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID))
}
