package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
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
	// The "Prepare round" form: as sent when refused, its errors, and the
	// statements to choose from (rounds_prepare.go); a numeric round's
	// options (expert_numeric.go).
	Form    prepareForm
	Numeric numericForm
	Errors  rounds.FieldErrors
	Choices []prepareChoice
	Other   string // the refused fields the form has no field for (deadline, …)
}

func (a *App) showRoundsPage(c echo.Context) error {
	return a.renderRoundsPage(c, http.StatusOK, prepareForm{}, nil)
}

func (a *App) renderRoundsPage(c echo.Context, status int, form prepareForm, fe rounds.FieldErrors) error {
	st := study(c)
	rs, err := a.store.RoundsByStudy(c.Request().Context(), st.ID)
	if err != nil {
		return err
	}
	p := roundsPage{basePage: a.base(c, "Rounds"), Rounds: rs, Next: len(rs) + 1, Form: form, Errors: fe, Other: otherPrepareErrors(fe)}
	var lastNumeric *rounds.NumericSettings
	if len(rs) > 0 { // the next numeric round asks as the last one did, unless told
		if n, ok := workflow.NumericSettingsOf(rs[len(rs)-1]); ok {
			lastNumeric = &n
		}
	}
	p.Numeric = numericFormOf(lastNumeric, form.Numeric)
	p.Tab = "rounds"
	if err := a.fillPrepareChoices(c.Request().Context(), st, rs, &p); err != nil {
		return err
	}
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
	return a.render(c, status, "rounds_list", p)
}

// roundInput reads a round's options from a form: the fields present, as
// the API reads the fields of its JSON. The "show groups" checkbox is
// followed by a hidden "off", so that an unticked box is told apart from
// a form without it.
func roundInput(c echo.Context) (workflow.RoundInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return workflow.RoundInput{}, err
	}
	var in workflow.RoundInput
	if v, ok := form["deadline"]; ok {
		in.Deadline = &v[0]
	}
	if v, ok := form["reminder_days"]; ok {
		in.ReminderDays = &v[0]
	}
	if v, ok := form["invite_scope"]; ok {
		in.Scope = &v[0]
	}
	if v, ok := form["show_groups"]; ok {
		in.ShowGroups = new(slices.Contains(v, "on"))
	}
	if v, ok := form["notify_experts"]; ok { // a checkbox followed by a hidden "off", as show_groups
		in.NotifyExperts = new(slices.Contains(v, "on"))
	}
	if v, ok := form["questions"]; ok { // one per line; the checkbox after it applies to them all
		shown := slices.Contains(form["questions_shown"], "on")
		qs := []store.NewRoundQuestion{}
		for line := range strings.SplitSeq(strings.ReplaceAll(v[0], "\r\n", "\n"), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				qs = append(qs, store.NewRoundQuestion{Text: line, ShowToPanel: shown})
			}
		}
		in.Questions = &qs
	}
	in.Numeric = numericInput(form)        // a numeric round's options (expert_numeric.go)
	return in, readPrepareInput(form, &in) // kind, statements, top k
}

func (a *App) createRound(c echo.Context) error {
	st := study(c)
	in, err := roundInput(c)
	if err != nil {
		return a.refusedPrepare(c, err)
	}
	r, err := a.flow.CreateNextRound(c.Request().Context(), st, user(c).ID, in)
	if err != nil { // the form again, as typed, with its errors
		return a.refusedPrepare(c, err)
	}
	setFlash(c, fmt.Sprintf("Round %d created as a draft with its statements. Check the deadline and reminders, then launch it.", r.Number))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID))
}

type roundPage struct {
	basePage
	Round      store.Round
	Statements []store.RoundStatement
	Statuses   []store.ExpertStatus
	Counts     map[string]int
	Form       roundForm          // a draft's settings form
	Errors     rounds.FieldErrors // its refused fields
	Invitees   int
	SMTP       bool
	Outbox     map[string]int
	Results    []carryRow
	Kendall    *report.KendallReport
	Error      string
	IsLast     bool
	NextExists bool
	Realtime   *realtimeView // real-time mode: snapshots and revisions (realtime.go)
	// CriteriaNames are the criteria of a study rated on several
	// (criteria_results.go), Combine their combination rule.
	CriteriaNames []string
	Combine       string
	// Languages: before launch, what falls back to the main language per
	// study language.
	Languages []workflow.LanguageFallbacks
	// Pseudonyms: a researcher sees experts by pseudonym, without names,
	// e-mail addresses or the outbox.
	Pseudonyms bool
	// The round's reminders: the last batch (when Reminded), and each
	// expert's, for the coordinator's "Reminders sent" table.
	Reminded         bool
	LastReminder     store.ReminderBatch
	Reminders        []expertReminders
	PlannedReminders []time.Time // an open round's scheduled reminders not yet sent
	// Numeric is a numeric round's options form (nil for another kind).
	Numeric   *numericForm
	Estimates []numericResultsView // a closed numeric round's results (results_numeric.go)
	// The round's open questions, and once launched the answers to each.
	Questions   []store.RoundQuestion
	OpenAnswers []openAnswersItem
	// A ranking round's options, and once closed its results (ranking.html).
	Ranking        *rounds.RankingSettings
	RankingResults *workflow.RankingResults
}

// openAnswersItem is one open question with its answers, each by the
// expert's pseudonym only: coordinators and researchers alike read them
// without names or addresses, as they read comments without either.
type openAnswersItem struct {
	Question store.RoundQuestion
	Answers  []store.OpenAnswer
}

// openAnswersView groups a round's answers (submitted or not) under its
// questions.
func (a *App) openAnswersView(ctx context.Context, r store.Round, qs []store.RoundQuestion) ([]openAnswersItem, error) {
	if len(qs) == 0 {
		return nil, nil
	}
	if err := a.store.EnsurePseudonyms(ctx, r.StudyID); err != nil {
		return nil, err
	}
	roundID := r.ID
	answers, err := a.store.OpenAnswersByRound(ctx, roundID, false)
	if err != nil {
		return nil, err
	}
	out := make([]openAnswersItem, len(qs))
	at := map[int64]int{}
	for i, q := range qs {
		out[i].Question, at[q.ID] = q, i
	}
	for _, x := range answers {
		out[at[x.QuestionID]].Answers = append(out[at[x.QuestionID]].Answers, x)
	}
	return out, nil
}

// expertReminders is one expert's reminders in a round.
type expertReminders struct {
	Name  string
	Times []time.Time
}

// ctxRefusedDecisions holds refused decisions (map[int64]refusedDecision
// by round statement id), so that the page shows them with their
// messages instead of losing what was chosen.
const ctxRefusedDecisions = "refused_decisions"

// refusedDecision is a decision as submitted, and why it was refused.
type refusedDecision struct {
	workflow.Decision
	Error string
}

// carryRow is one line of the carry-over table of a closed round.
type carryRow struct {
	RS       store.RoundStatement
	Stat     report.StatementReport
	Decision store.Decision
	Comments []commentView
	Error    string // why the submitted decision was refused
	// Criteria are each criterion's figures, Combined the combined
	// decision, when statements are rated on several criteria.
	Criteria []*report.StatementReport
	Combined string
	// Rank is the statement's mean and median rank in a ranking round,
	// which has no ratings to show (nil in another kind of round).
	Rank *workflow.RankingItem
}

type commentView struct {
	InvitationID int64
	Text         string
	Shown        bool
}

// roundForm is a draft's settings form as shown: the stored options, or
// the submitted ones when they were refused.
type roundForm struct {
	Deadline      string // for <input type=datetime-local>, in the study's time zone
	ReminderDays  string
	Scope         string
	ShowGroups    bool
	NotifyExperts bool // an open round's deadline change: tell who has not submitted
	// Questions are the open questions, one per line; QuestionsShown: their
	// answers are shown to the next round's panel.
	Questions      string
	QuestionsShown bool
}

func (a *App) showRoundPage(c echo.Context) error {
	return a.renderRound(c, http.StatusOK, "")
}

func (a *App) renderRound(c echo.Context, status int, errMsg string) error {
	return a.renderRoundForm(c, status, errMsg, workflow.RoundInput{}, nil)
}

// renderRoundForm shows a round's page; a draft's settings form shows
// the submitted fields of in with their errors fe.
func (a *App) renderRoundForm(c echo.Context, status int, errMsg string, in workflow.RoundInput, fe rounds.FieldErrors) error {
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
	p := roundPage{basePage: a.base(c, fmt.Sprintf("Round %d", r.Number)), Round: r, Statements: rss, SMTP: a.cfg.SMTPURL != "", Error: errMsg, IsLast: r.Number >= st.MaxRounds, Errors: fe}
	p.Tab = "rounds"
	if r.Kind == rounds.KindRanking {
		p.Ranking = new(workflow.RankingOf(r))
	}
	if r.Status == rounds.Draft && len(st.LanguageList()) > 1 { // before launch: what falls back (handlers_texts.go)
		if p.Languages, err = a.flow.TextFallbacks(ctx, st); err != nil {
			return err
		}
	}
	p.Form = roundForm{ReminderDays: r.ReminderDays, Scope: r.InviteScope, ShowGroups: r.ShowGroups}
	if r.Deadline.Valid {
		p.Form.Deadline = localInput(r.Deadline.Time, st)
	}
	if in.Deadline != nil {
		p.Form.Deadline = *in.Deadline
	}
	if in.ReminderDays != nil {
		p.Form.ReminderDays = *in.ReminderDays
	}
	if in.Scope != nil {
		p.Form.Scope = *in.Scope
	}
	if in.ShowGroups != nil {
		p.Form.ShowGroups = *in.ShowGroups
	}
	p.Form.NotifyExperts = in.NotifyExperts == nil || *in.NotifyExperts // ticked unless refused unticked
	if n, ok := workflow.NumericSettingsOf(r); ok {                     // a numeric round's options (expert_numeric.go)
		p.Numeric = new(numericFormOf(&n, in.Numeric))
	}
	if p.Questions, err = a.store.RoundQuestions(ctx, r.ID); err != nil {
		return err
	}
	var lines []string
	for _, q := range p.Questions {
		lines = append(lines, q.Text)
		p.Form.QuestionsShown = p.Form.QuestionsShown || q.ShowToPanel
	}
	p.Form.Questions = strings.Join(lines, "\n")
	if in.Questions != nil {
		lines, p.Form.QuestionsShown = nil, false
		for _, q := range *in.Questions {
			lines = append(lines, q.Text)
			p.Form.QuestionsShown = p.Form.QuestionsShown || q.ShowToPanel
		}
		p.Form.Questions = strings.Join(lines, "\n")
	}
	if r.Status != rounds.Draft {
		if p.OpenAnswers, err = a.openAnswersView(ctx, r, p.Questions); err != nil {
			return err
		}
	}
	switch r.Status {
	case rounds.Draft:
		invitees, err := a.store.Invitees(ctx, r)
		if err != nil {
			return err
		}
		p.Invitees = len(invitees)
	default:
		if p.Pseudonyms = researcher(c); p.Pseudonyms {
			if err := a.store.EnsurePseudonyms(ctx, st.ID); err != nil {
				return err
			}
		}
		if p.Statuses, err = a.store.RoundStatuses(ctx, r.ID); err != nil {
			return err
		}
		if p.Pseudonyms {
			pseudonymous(p.Statuses)
		}
		p.Counts = store.StatusCounts(p.Statuses)
		if p.Outbox, err = a.store.OutboxCounts(ctx, r.ID); err != nil {
			return err
		}
		if err := a.fillReminders(c, &p); err != nil {
			return err
		}
		if st.Realtime() {
			if p.Realtime, err = a.realtimeViewOf(ctx, st); err != nil {
				return err
			}
		}
		if r.Status == rounds.Open {
			if p.PlannedReminders, err = a.store.PendingReminders(ctx, r.ID); err != nil {
				return err
			}
		}
	}
	if r.Status == rounds.Closed {
		if err := a.fillCarryOver(c, &p); err != nil {
			return err
		}
	}
	return a.render(c, status, "round_show", p)
}

// fillReminders puts the round's last reminders on its page and, for
// those who may remind (coordinators), when each expert was reminded.
func (a *App) fillReminders(c echo.Context, p *roundPage) error {
	ctx := c.Request().Context()
	var err error
	if p.LastReminder, p.Reminded, err = a.store.LastReminder(ctx, p.Round.StudyID, p.Round.ID); err != nil || !p.Reminded || !p.CanEdit() {
		return err
	}
	byExpert, err := a.store.RemindersByExpert(ctx, p.Round.ID)
	if err != nil {
		return err
	}
	for _, st := range p.Statuses {
		if times := byExpert[st.ExpertID]; len(times) > 0 {
			p.Reminders = append(p.Reminders, expertReminders{Name: st.Name, Times: times})
		}
	}
	return nil
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
	if p.Round.Kind == rounds.KindRanking { // results of its own (workflow/ranking.go)
		rk, err := workflow.RankingResultsOf(rr)
		if err != nil {
			return fmt.Errorf("round %d ranking results: %w", p.Round.ID, err)
		}
		p.RankingResults = &rk
	} else if err := json.Unmarshal([]byte(rr.Results), &res); err != nil {
		return fmt.Errorf("round %d results: %w", p.Round.ID, err)
	} else {
		p.Kendall = &res.KendallW
	}
	p.Kendall = &res.KendallW
	if nr, ok, err := workflow.NumericResultsOf(rr.Results); err != nil {
		return err
	} else if ok {
		p.Estimates = []numericResultsView{numericView(p.Round.Number, nr)}
	}
	var head struct { // the settings a study rated on several criteria stores (workflow.closeCriteria)
		Combine string `json:"combine"`
	}
	if err := json.Unmarshal([]byte(rr.Settings), &head); err != nil {
		return fmt.Errorf("round %d settings: %w", p.Round.ID, err)
	}
	p.Combine = head.Combine
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
	keys, err := a.flow.RoundKeys(ctx, all, p.Round.Number)
	if err != nil {
		return err
	}
	byRS := map[int64]report.StatementReport{}
	for _, s := range res.Statements {
		byRS[keys[s.Statement]] = s
	}
	refused, _ := c.Get(ctxRefusedDecisions).(map[int64]refusedDecision)
	for _, rs := range p.Statements {
		row := carryRow{RS: rs, Stat: byRS[rs.ID], Decision: decisions[rs.ID], Comments: comments[rs.ID]}
		if p.RankingResults != nil {
			row.Rank = rankingItemOf(p.RankingResults, rs.ID)
		}
		if x, ok := refused[rs.ID]; ok { // the refused form shows what was chosen
			row.Decision.Decision, row.Decision.Reason, row.Error = x.Decision.Decision, x.Reason, x.Error
		}
		p.Results = append(p.Results, row)
	}
	if p.Combine != "" { // several criteria: the stored round has each one's figures
		if err := roundCriteria(p, rr.Results, keys); err != nil {
			return err
		}
	}
	p.NextExists = len(all) > p.Round.Number
	return nil
}

// updateRound saves a draft's settings form, or an open round's deadline
// form (workflow.UpdateRound, as PATCH /api/v1/rounds/{id} does).
func (a *App) updateRound(c echo.Context) error {
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	in, err := roundInput(c)
	if err != nil {
		return err
	}
	st := study(c)
	changed, told, err := a.flow.UpdateRound(c.Request().Context(), st, r.ID, user(c).ID, in)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		return a.renderRoundForm(c, http.StatusUnprocessableEntity, "The round settings were not saved; correct the fields marked below.", in, fe)
	}
	if status, msg, ok := userError(err); ok {
		return a.renderRound(c, status, msg)
	}
	if err != nil {
		return err
	}
	msg := "Round settings saved."
	if r.Status == rounds.Open {
		msg = fmt.Sprintf("The round now closes on %s; its reminders are planned from then.", inZone(changed.Deadline.Time, &st))
		if told > 0 {
			msg += fmt.Sprintf(" %d experts who have not submitted are told by e-mail.", told)
		}
	}
	setFlash(c, msg)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", r.StudyID, r.ID))
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
	n, err := a.flow.RemindRound(c.Request().Context(), st, r.ID, user(c).ID, remindConfirmOf(c))
	var recent *workflow.RecentReminderError
	if errors.As(err, &recent) {
		back := fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID)
		return a.askRemindAgain(c, recent, back+"/remind", back, fmt.Sprintf("who have not submitted round %d or declined", r.Number))
	}
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
	if !confirmed(c) && r.Status == rounds.Open {
		return a.askCloseRound(c, st, r)
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
	rsID := paramID(c, "rsid")
	// A row's Save button submits the carry-over form ("decision_<id>");
	// a form of one decision sends "decision".
	id := strconv.FormatInt(rsID, 10)
	item := workflow.Decision{RoundStatementID: rsID, Decision: c.FormValue("decision"), Reason: c.FormValue("reason")}
	if v, ok := c.Request().PostForm["decision_"+id]; ok {
		item.Decision, item.Reason = v[0], c.FormValue("reason_"+id)
	}
	err = a.flow.SetDecisions(c.Request().Context(), st, r.ID, user(c).ID, []workflow.Decision{item})
	var fe rounds.FieldErrors
	switch {
	case errors.As(err, &fe) && fe.For("[0].round_statement_id") != "":
		return store.ErrNotFound
	case errors.As(err, &fe): // one item: its messages without the item's place
		c.Set(ctxRefusedDecisions, map[int64]refusedDecision{rsID: {item, fieldMessages(fe)}})
		return a.renderRound(c, http.StatusUnprocessableEntity, fieldMessages(fe))
	}
	if status, msg, ok := userError(err); ok {
		return a.renderRound(c, status, msg)
	}
	if err != nil {
		return err
	}
	setFlash(c, "Decision saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d#rs%d", st.ID, r.ID, rsID))
}

// decideAll saves the decision of every statement of the carry-over
// form in one workflow call: each starts as the rule's proposal, so one
// press confirms all proposals, with the overrides chosen (and their
// reasons) on the rows. All or nothing: a refused row is marked and every
// choice is kept.
func (a *App) decideAll(c echo.Context) error {
	st := study(c)
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	rss, err := a.store.RoundStatements(c.Request().Context(), r.ID)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	var items []workflow.Decision
	for _, rs := range rss {
		id := strconv.FormatInt(rs.ID, 10)
		if v, ok := form["decision_"+id]; ok {
			items = append(items, workflow.Decision{RoundStatementID: rs.ID, Decision: v[0], Reason: form.Get("reason_" + id)})
		}
	}
	if len(items) == 0 {
		return a.renderRound(c, http.StatusUnprocessableEntity, "No decisions were sent; choose a decision for each statement.")
	}
	err = a.flow.SetDecisions(c.Request().Context(), st, r.ID, user(c).ID, items)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		refused, wrong := map[int64]refusedDecision{}, 0
		for i, it := range items {
			var mine rounds.FieldErrors
			for _, e := range fe {
				if strings.HasPrefix(e.Field, fmt.Sprintf("[%d].", i)) {
					mine = append(mine, e)
				}
			}
			refused[it.RoundStatementID] = refusedDecision{it, fieldMessages(mine)}
			if len(mine) > 0 {
				wrong++
			}
		}
		c.Set(ctxRefusedDecisions, refused)
		return a.renderRound(c, http.StatusUnprocessableEntity, fmt.Sprintf("No decision was saved: %d statement(s) need a correction, marked below.", wrong))
	}
	if status, msg, ok := userError(err); ok {
		return a.renderRound(c, status, msg)
	}
	if err != nil {
		return err
	}
	setFlash(c, fmt.Sprintf("%d decisions confirmed.", len(items)))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d#decisions", st.ID, r.ID))
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
	in := workflow.Replacement{Kind: rounds.Origin(c.FormValue("kind")), Reason: c.FormValue("reason"),
		Texts: strings.Split(strings.ReplaceAll(c.FormValue("text"), "\r\n", "\n"), "\n")}
	for _, v := range c.Request().Form["statement_id"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.Statements = append(in.Statements, id)
		}
	}
	_, err = a.flow.ReplaceStatements(c.Request().Context(), st, user(c).ID, in)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		return a.renderRound(c, http.StatusUnprocessableEntity, fieldMessages(fe))
	}
	if status, msg, ok := userError(err); ok && status != http.StatusNotFound {
		return a.renderRound(c, status, msg)
	}
	if err != nil {
		return err
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
	ctx := c.Request().Context()
	st := study(c)
	m, err := a.store.OutboxMessageByID(ctx, st.ID, paramID(c, "mid"))
	if err != nil {
		return err
	}
	// A message not sent yet still holds the expert's personal link: who
	// saw it is recorded, as anyone with the link can answer as them.
	if m.Secret != "" {
		if err := a.store.Audit(ctx, st.ID, user(c).ID, "view e-mail with link", "", "", fmt.Sprintf("message %d", m.ID), ""); err != nil {
			return err
		}
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
	if err := a.flow.RevokeLinks(c.Request().Context(), st, r, paramID(c, "iid"), user(c).ID); err != nil {
		return err
	}
	setFlash(c, "The expert's links to this round no longer work.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID))
}

// remindConfirmOf reads the "remind again" confirmation of a reminder
// form: the ticked box and the last reminder the page showed.
func remindConfirmOf(c echo.Context) workflow.RemindConfirm {
	seen, _ := strconv.ParseInt(c.FormValue("seen"), 10, 64)
	return workflow.RemindConfirm{Again: c.FormValue("again") == "yes" && seen > 0, Seen: seen}
}

// askRemindAgain answers a reminder refused because the experts were
// reminded less than a day ago: it says when, and asks to tick "Yes,
// remind again" (round N's page and round 0's alike).
func (a *App) askRemindAgain(c echo.Context, recent *workflow.RecentReminderError, action, back, who string) error {
	p := confirmPage{Heading: "Remind the experts again?", Action: action, Button: "Send the reminders", Cancel: back,
		Check: "Yes, remind again", CheckName: "again", Hidden: map[string]string{"seen": strconv.FormatInt(recent.Last.MessageID, 10)},
		Effects: []string{
			fmt.Sprintf("The experts were last reminded %s ago, at %s UTC: %d reminder(s).", workflow.Ago(recent.Now.Sub(recent.Last.At)), recent.Last.At.UTC().Format("2006-01-02 15:04"), recent.Last.Count),
			fmt.Sprintf("Reminding again now sends another e-mail, with a fresh link, to the %d expert(s) %s.", recent.Recipients, who),
		}}
	if c.FormValue("seen") != "" && c.FormValue("again") != "yes" {
		p.Error = "Tick \"Yes, remind again\" to send the reminders; nothing was sent."
	}
	return a.askConfirmation(c, http.StatusConflict, "rounds", p)
}

// askCloseRound says what closing the round now does, and asks to
// confirm: it cannot be undone.
func (a *App) askCloseRound(c echo.Context, st store.Study, r store.Round) error {
	statuses, err := a.store.RoundStatuses(c.Request().Context(), r.ID)
	if err != nil {
		return err
	}
	n := store.StatusCounts(statuses)
	back := fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID)
	p := confirmPage{Heading: fmt.Sprintf("Close round %d now?", r.Number), Action: back + "/close", Cancel: back, Danger: true,
		Button: fmt.Sprintf("Close round %d now", r.Number)}
	if r.Deadline.Valid {
		p.Effects = append(p.Effects, fmt.Sprintf("The round closes now instead of at its deadline, %s UTC. This cannot be undone: the round cannot be opened again.", r.Deadline.Time.UTC().Format("2006-01-02 15:04")))
	}
	p.Effects = append(p.Effects, "Experts can no longer save, change or submit answers; their links show their answers read-only.")
	if st.Realtime() {
		p.Effects = append(p.Effects, "Every answer given so far counts; the closing snapshot is taken.")
	} else {
		p.Effects = append(p.Effects, fmt.Sprintf("%d of %d invited experts have submitted; their answers are counted. The answers of the %d who started without submitting are not.", n["submitted"], n["invited"], n["started"]))
	}
	p.Effects = append(p.Effects, "The results are computed with the study's locked settings and frozen, and the rule proposes a decision for each statement.")
	return a.askConfirmation(c, http.StatusOK, "rounds", p)
}

// rankingItemOf is a round statement's line of a ranking round's results
// (nil if the stored results do not name it).
func rankingItemOf(res *workflow.RankingResults, rsID int64) *workflow.RankingItem {
	for i := range res.Per {
		if res.Per[i].RoundStatementID == rsID {
			return &res.Per[i]
		}
	}
	return nil
}
