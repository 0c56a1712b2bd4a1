package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// Round 0, idea generation (issue #8). The coordinator asks open questions
// per topic; experts, with a personal link of their own (/i/<token>),
// write proposals, several per question, editable until round 0 closes;
// the coordinator sees them grouped by question (never who wrote them),
// tags themes, merges duplicates and writes draft statements from them,
// each linked to the proposals it came from.

const ideasCookie = "delphi_ideas"

// ideaQuestionView is a question with its proposals, for the coordinator.
type ideaQuestionView struct {
	Question     store.IdeaQuestion
	Translations map[string]string // language → text
	Proposals    []proposalView
}

type proposalView struct {
	store.Proposal
	Statements []int64 // statements written from it
}

// ideasPage is the coordinator's page of round 0.
type ideasPage struct {
	basePage
	Round      *store.IdeaRound
	Questions  []ideaQuestionView
	Deadline   string
	Messages   []store.OutboxMessage
	Statements []ideaStatementView
	Error      string
	CanCreate  bool     // round 1 not launched yet
	Languages  []string // the study's languages other than the main one
	// Round 0's last reminders, when Reminded (each one is in Messages).
	Reminded     bool
	LastReminder store.ReminderBatch
}

type ideaStatementView struct {
	Statement store.Statement
	Sources   []int64
}

// ideasData loads round 0 with its questions, proposals and statements.
func (a *App) ideasData(ctx context.Context, st store.Study) (*store.IdeaRound, []ideaQuestionView, []ideaStatementView, error) {
	r, err := a.store.IdeaRoundByStudy(ctx, st.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	qs, err := a.store.IdeaQuestions(ctx, r.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	ps, err := a.store.ProposalsByRound(ctx, r.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	links, err := a.store.ProposalLinks(ctx, st.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	statements, err := a.store.StatementsByStudy(ctx, st.ID) // once, not per linked statement
	if err != nil {
		return nil, nil, nil, err
	}
	byID := make(map[int64]store.Statement, len(statements))
	for _, s := range statements {
		byID[s.ID] = s
	}
	from := map[int64][]int64{}
	var stmts []ideaStatementView
	index := map[int64]int{}
	for _, l := range links {
		from[l.ProposalID] = append(from[l.ProposalID], l.StatementID)
		i, ok := index[l.StatementID]
		if !ok {
			s, ok := byID[l.StatementID]
			if !ok {
				return nil, nil, nil, fmt.Errorf("round 0: statement %d is not the study's", l.StatementID)
			}
			i = len(stmts)
			index[l.StatementID] = i
			stmts = append(stmts, ideaStatementView{Statement: s})
		}
		stmts[i].Sources = append(stmts[i].Sources, l.ProposalID)
	}
	trs, err := a.store.IdeaQuestionTranslations(ctx, r.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	views := make([]ideaQuestionView, len(qs))
	byQ := map[int64]int{}
	for i, q := range qs {
		views[i].Question, views[i].Translations = q, trs[q.ID]
		byQ[q.ID] = i
	}
	for _, p := range ps {
		i := byQ[p.QuestionID]
		views[i].Proposals = append(views[i].Proposals, proposalView{Proposal: p, Statements: from[p.ID]})
	}
	return &r, views, stmts, nil
}

func (a *App) showIdeasPage(c echo.Context) error { return a.renderIdeas(c, http.StatusOK, "") }

func (a *App) renderIdeas(c echo.Context, status int, errMsg string) error {
	ctx := c.Request().Context()
	st := study(c)
	r, qs, stmts, err := a.ideasData(ctx, st)
	if err != nil {
		return err
	}
	p := ideasPage{basePage: a.base(c, "Round 0: ideas"), Round: r, Questions: qs, Statements: stmts, Error: errMsg, CanCreate: !st.Locked(),
		Languages: st.LanguageList()[1:]}
	p.Tab = "rounds"
	p.Deadline = localInput(time.Now().Add(7*24*time.Hour).Truncate(time.Hour), st)
	if r != nil {
		if r.Deadline.Valid {
			p.Deadline = localInput(r.Deadline.Time, st)
		}
		if refused, ok := c.Get(ctxRefusedDeadline).(string); ok { // the refused value stays in its field
			p.Deadline = refused
		}
		if r.Status != rounds.Draft && p.CanEdit() { // names and addresses: not for researchers
			if p.Messages, err = a.store.IdeaOutbox(ctx, st.ID); err != nil {
				return err
			}
			if p.LastReminder, p.Reminded, err = a.store.LastReminder(ctx, st.ID, 0); err != nil {
				return err
			}
		}
	}
	return a.render(c, status, "ideas_show", p)
}

// questionsFromForm reads one question per line, all in one topic.
func questionsFromForm(c echo.Context) []store.NewIdeaQuestion {
	var qs []store.NewIdeaQuestion
	section := strings.TrimSpace(c.FormValue("section"))
	for _, line := range strings.Split(c.FormValue("questions"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			qs = append(qs, store.NewIdeaQuestion{Text: line, Section: section})
		}
	}
	return qs
}

func (a *App) addIdeaQuestions(c echo.Context) error {
	deadline, days := c.FormValue("deadline"), c.FormValue("reminder_days")
	in := workflow.IdeaRoundInput{Deadline: &deadline, ReminderDays: &days, Questions: questionsFromForm(c)}
	_, err := a.flow.CreateIdeaRound(c.Request().Context(), study(c), user(c).ID, in)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		return a.renderIdeas(c, http.StatusUnprocessableEntity, fieldMessages(fe))
	}
	if status, msg, ok := userError(err); ok {
		return a.renderIdeas(c, status, msg)
	}
	if err != nil {
		return err
	}
	setFlash(c, "Questions saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/ideas", study(c).ID))
}

// editIdeaQuestion rewrites (or, with "delete", removes) a question of
// the draft round 0.
func (a *App) editIdeaQuestion(c echo.Context) error {
	text := strings.TrimSpace(c.FormValue("text"))
	if c.FormValue("action") == "delete" {
		text = ""
	} else if text == "" {
		return a.renderIdeas(c, http.StatusUnprocessableEntity, "A question needs a text; to remove it, choose Delete.")
	}
	ctx := c.Request().Context()
	st, qid := study(c), paramID(c, "qid")
	trs := map[string]string{}
	if text != "" {
		for _, lang := range st.LanguageList()[1:] {
			trs[lang] = c.FormValue("tr_" + lang)
		}
		if fe := workflow.CheckTranslations(st, trs, workflow.MaxStatementLength); len(fe) > 0 {
			return a.renderIdeas(c, http.StatusUnprocessableEntity, "The question in "+strings.TrimPrefix(fe[0].Field, "translations.")+" is "+fe[0].Message+".")
		}
	}
	err := a.store.Transact(ctx, func(tx *store.Store) error {
		if err := tx.UpdateIdeaQuestion(ctx, st.ID, qid, text); err != nil {
			return err
		}
		for _, lang := range slices.Sorted(maps.Keys(trs)) {
			if err := tx.SetIdeaQuestionTranslation(ctx, st.ID, qid, lang, trs[lang]); err != nil {
				return err
			}
		}
		return nil
	})
	if status, msg, ok := userError(err); ok {
		return a.renderIdeas(c, status, msg)
	}
	if err != nil {
		return err
	}
	setFlash(c, "Question saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/ideas", study(c).ID))
}

// ctxRefusedDeadline holds a refused deadline for round 0's page.
const ctxRefusedDeadline = "refused_deadline"

// changeIdeasDeadline moves an open round 0's deadline from its page
// (workflow.ChangeIdeaDeadline, as PATCH /api/v1/studies/{id}/ideas does).
func (a *App) changeIdeasDeadline(c echo.Context) error {
	st := study(c)
	deadline, days := c.FormValue("deadline"), c.FormValue("reminder_days")
	notify := c.FormValue("notify_experts") == "on"
	in := workflow.IdeaRoundInput{Deadline: &deadline, ReminderDays: &days, NotifyExperts: &notify}
	r, told, err := a.flow.ChangeIdeaDeadline(c.Request().Context(), st, user(c).ID, in)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		c.Set(ctxRefusedDeadline, deadline)
		return a.renderIdeas(c, http.StatusUnprocessableEntity, "The deadline was not changed. "+fieldMessages(fe))
	}
	if status, msg, ok := userError(err); ok {
		return a.renderIdeas(c, status, msg)
	}
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Round 0 now closes on %s; its reminders are planned from then.", inZone(r.Deadline.Time, &st))
	if told > 0 {
		msg += fmt.Sprintf(" %d experts who have proposed nothing are told by e-mail.", told)
	}
	setFlash(c, msg)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/ideas", st.ID))
}

// apiChangeIdeasDeadline: PATCH /api/v1/studies/{id}/ideas with deadline,
// reminder_days and notify_experts (workflow.ChangeIdeaDeadline).
func (a *App) apiChangeIdeasDeadline(c echo.Context) error {
	var in workflow.IdeaRoundInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, _, err := a.flow.ChangeIdeaDeadline(ctx, study(c), user(c).ID, in); err != nil {
		return err
	}
	out, err := a.ideasJSONOf(ctx, study(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (a *App) launchIdeasAction(c echo.Context) error {
	n, err := a.flow.LaunchIdeaRound(c.Request().Context(), study(c), user(c).ID)
	if status, msg, ok := userError(err); ok {
		return a.renderIdeas(c, status, msg)
	}
	if err != nil {
		return err
	}
	setFlash(c, fmt.Sprintf("Round 0 launched: %d experts invited.", n))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/ideas", study(c).ID))
}

func (a *App) remindIdeasAction(c echo.Context) error {
	n, err := a.flow.RemindIdeaRound(c.Request().Context(), study(c), user(c).ID, remindConfirmOf(c))
	var recent *workflow.RecentReminderError
	if errors.As(err, &recent) {
		back := fmt.Sprintf("/studies/%d/ideas", study(c).ID)
		return a.askRemindAgain(c, recent, back+"/remind", back, "who have proposed nothing yet")
	}
	if status, msg, ok := userError(err); ok {
		return a.renderIdeas(c, status, msg)
	}
	if err != nil {
		return err
	}
	setFlash(c, fmt.Sprintf("%d reminders queued, each with a fresh link.", n))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/ideas", study(c).ID))
}

func (a *App) apiRemindIdeas(c echo.Context) error {
	confirm, err := apiRemindConfirm(c)
	if err != nil {
		return err
	}
	n, err := a.flow.RemindIdeaRound(c.Request().Context(), study(c), user(c).ID, confirm)
	err = apiRecentReminder(err)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"reminded": n})
}

func (a *App) closeIdeasAction(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := a.store.IdeaRoundByStudy(ctx, study(c).ID)
	if err != nil {
		return err
	}
	if !confirmed(c) && r.Status == rounds.Open {
		back := fmt.Sprintf("/studies/%d/ideas", study(c).ID)
		return a.askConfirmation(c, http.StatusOK, "rounds", confirmPage{Heading: "Close round 0 now?", Action: back + "/close", Cancel: back,
			Danger: true, Button: "Close round 0 now", Effects: []string{
				"Round 0 closes now. This cannot be undone: it cannot be opened again.",
				"Experts can no longer add or change proposals; no more reminders go out.",
				"The proposals stay here for you to tag, merge and turn into statements.",
			}})
	}
	if err := a.store.CloseIdeaRound(ctx, r.ID, user(c).ID); err != nil {
		if status, msg, ok := userError(err); ok {
			return a.renderIdeas(c, status, msg)
		}
		return err
	}
	setFlash(c, "Round 0 closed.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/ideas", study(c).ID))
}

// chosenProposals reads the checked proposals of the coordinator's form.
func chosenProposals(c echo.Context) ([]int64, error) {
	form, err := c.FormParams()
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, v := range form["proposal"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("proposal: %q is not a proposal id", v)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// editProposals is the coordinator's proposal form: save themes, merge
// the chosen proposals into the first chosen, or write a statement from
// the chosen ones.
func (a *App) editProposals(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	ids, err := chosenProposals(c)
	if err != nil {
		return a.renderIdeas(c, http.StatusUnprocessableEntity, err.Error())
	}
	var flash string
	switch c.FormValue("action") {
	case "themes":
		form, _ := c.FormParams()
		err = a.store.Transact(ctx, func(tx *store.Store) error {
			for k, v := range form {
				if !strings.HasPrefix(k, "theme") {
					continue
				}
				id, err := strconv.ParseInt(strings.TrimPrefix(k, "theme"), 10, 64)
				if err != nil {
					return rounds.FieldErrors{{Field: k, Message: "not a proposal"}}
				}
				theme := strings.TrimSpace(v[0])
				if len([]rune(theme)) > 100 {
					return rounds.FieldErrors{{Field: "theme", Message: "a theme is longer than 100 characters"}}
				}
				if err := tx.SetProposalTheme(ctx, st.ID, id, theme); err != nil {
					return err
				}
			}
			return nil
		})
		flash = "Themes saved."
	case "merge":
		if len(ids) < 2 {
			return a.renderIdeas(c, http.StatusUnprocessableEntity, "Choose two or more proposals to merge: the first chosen keeps its text, the others are marked as its duplicates.")
		}
		err = a.store.MergeProposals(ctx, st.ID, user(c).ID, ids[0], ids[1:])
		flash = fmt.Sprintf("Merged into proposal #%d: %v.", ids[0], ids[1:])
	case "statement":
		text, terr := rounds.CheckText("statement", c.FormValue("text"))
		if terr != nil {
			return a.renderIdeas(c, http.StatusUnprocessableEntity, terr.Error())
		}
		_, err = a.store.StatementFromProposals(ctx, st.ID, user(c).ID, text, ids)
		flash = "Statement written; it will be in the next round you prepare."
	default:
		return a.renderIdeas(c, http.StatusUnprocessableEntity, "Choose what to do: save themes, merge, or write a statement.")
	}
	if status, msg, ok := userError(err); ok {
		return a.renderIdeas(c, status, msg)
	}
	if errors.Is(err, store.ErrNotFound) {
		return a.renderIdeas(c, http.StatusNotFound, "A chosen proposal does not belong to this study.")
	}
	if err != nil {
		return err
	}
	setFlash(c, flash)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/ideas", st.ID))
}

// ---- The expert's side ----

// ideaLinks are round 0's personal links: tables of their own (the
// round precedes the numbered rounds), the same handlers as the rounds'
// links (handlers_expert.go).
func ideaLinks(s *store.Store) linkKind {
	return linkKind{prefix: "/i/", cookie: ideasCookie, home: "/ideas", lookup: s.IdeaVisitByTokenHash}
}

// expertIdeasPage is round 0 as the expert sees it.
type expertIdeasPage struct {
	visitPage
	Open     bool
	Deadline string
	Topics   []ideaTopic
	Count    int
}

type ideaTopic struct {
	Title     string // in the expert's language
	key       string // as the question keeps it
	Questions []ideaQuestionForm
}

type ideaQuestionForm struct {
	ID   int64
	Text string
	Mine []store.Proposal
}

func (a *App) expertIdeasPage(c echo.Context, errMsg string) (expertIdeasPage, error) {
	ctx := c.Request().Context()
	v := c.Get(ctxInvitation).(expertVisit)
	vp, err := a.visitBase(c, v, errMsg)
	if err != nil {
		return expertIdeasPage{}, err
	}
	p := expertIdeasPage{visitPage: vp, Open: v.IdeaRound.Domain().AcceptsRatings(time.Now()) == nil}
	p.Title = p.L.T("ideas.title")
	if v.IdeaRound.Deadline.Valid {
		p.Deadline = p.L.T("deadline", "Date", i18n.DateTimeIn(v.IdeaRound.Deadline.Time, v.Study.Location(), p.L.Lang))
	}
	qs, err := a.store.IdeaQuestions(ctx, v.IdeaRound.ID)
	if err != nil {
		return p, err
	}
	mine, err := a.store.ProposalsByInvitation(ctx, v.IdeaInvitation.ID)
	if err != nil {
		return p, err
	}
	byQ := map[int64][]store.Proposal{}
	for _, m := range mine {
		byQ[m.QuestionID] = append(byQ[m.QuestionID], m)
	}
	tr, err := a.translator(ctx, v)
	if err != nil {
		return p, err
	}
	var qtr map[int64]map[string]string
	if tr.by != nil { // the expert reads another language than the main one
		if qtr, err = a.store.IdeaQuestionTranslations(ctx, v.IdeaRound.ID); err != nil {
			return p, err
		}
	}
	for _, q := range qs {
		if n := len(p.Topics); n == 0 || p.Topics[n-1].key != q.SectionTitle {
			title, _ := tr.topic(q.SectionTitle)
			p.Topics = append(p.Topics, ideaTopic{Title: title, key: q.SectionTitle})
		}
		t := &p.Topics[len(p.Topics)-1]
		text := q.Text
		if x, ok := qtr[q.ID][tr.lang]; ok {
			text = x
		}
		t.Questions = append(t.Questions, ideaQuestionForm{ID: q.ID, Text: text, Mine: byQ[q.ID]})
	}
	p.Count = len(mine)
	return p, nil
}

func (a *App) showExpertIdeasPage(c echo.Context) error {
	v := c.Get(ctxInvitation).(expertVisit)
	if !v.Expert.ConsentedAt.Valid || v.Expert.Status == "declined" {
		return a.renderConsent(c, a.ideaLink, v, http.StatusOK, "", nil)
	}
	if ok, err := a.backgroundFirst(c, a.ideaLink, v); !ok {
		return err
	}
	return a.renderExpertIdeas(c, http.StatusOK, "")
}

func (a *App) renderExpertIdeas(c echo.Context, status int, errMsg string) error {
	p, err := a.expertIdeasPage(c, errMsg)
	if err != nil {
		return err
	}
	return a.render(c, status, "expert_ideas", p)
}

// saveExpertIdeas saves the expert's proposals form: a changed box is an
// edit, an emptied one a deletion, the empty box under each question a
// new proposal. Boxes not on the page (a proposal added meanwhile on
// another device) are left alone. All or nothing.
func (a *App) saveExpertIdeas(c echo.Context) error {
	ctx := c.Request().Context()
	v := c.Get(ctxInvitation).(expertVisit)
	l := a.expertLocalizer(v)
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	mine, err := a.store.ProposalsByInvitation(ctx, v.IdeaInvitation.ID)
	if err != nil {
		return err
	}
	qs, err := a.store.IdeaQuestions(ctx, v.IdeaRound.ID)
	if err != nil {
		return err
	}
	var edits []store.ProposalEdit
	for _, p := range mine {
		vals, ok := form["p"+strconv.FormatInt(p.ID, 10)]
		if !ok {
			continue
		}
		if text := strings.TrimSpace(vals[0]); text != p.Text {
			edits = append(edits, store.ProposalEdit{ID: p.ID, Text: text})
		}
	}
	for _, q := range qs {
		if text := strings.TrimSpace(form.Get("n" + strconv.FormatInt(q.ID, 10))); text != "" {
			edits = append(edits, store.ProposalEdit{QuestionID: q.ID, Text: text})
		}
	}
	for _, e := range edits {
		if len([]rune(e.Text)) > rounds.MaxProposal {
			return a.renderExpertIdeas(c, http.StatusUnprocessableEntity, l.T("ideas.error"))
		}
	}
	err = a.store.SaveProposals(ctx, v.IdeaInvitation.ID, edits)
	if errors.Is(err, rounds.ErrRoundClosed) || errors.Is(err, rounds.ErrRoundNotOpen) {
		return a.renderExpertIdeas(c, http.StatusConflict, l.T("ideas.closed"))
	}
	if err != nil {
		return err
	}
	setFlash(c, l.T("ideas.saved"))
	return c.Redirect(http.StatusSeeOther, "/ideas")
}

// ---- The JSON API ----

type ideasJSON struct {
	ID           int64              `json:"id"`
	Status       string             `json:"status"`
	Deadline     *time.Time         `json:"deadline"`
	ReminderDays string             `json:"reminder_days"`
	OpenedAt     *time.Time         `json:"opened_at"`
	ClosedAt     *time.Time         `json:"closed_at"`
	Questions    []ideaQuestionJSON `json:"questions"`
}

type ideaQuestionJSON struct {
	ID           int64             `json:"id"`
	Section      string            `json:"section"`
	Text         string            `json:"text"`
	Translations map[string]string `json:"translations,omitempty"`
	Proposals    []proposalJSON    `json:"proposals"`
}

// proposalJSON is a proposal without its author: round 0 is anonymous.
type proposalJSON struct {
	ID           int64   `json:"id"`
	Text         string  `json:"text"`
	Theme        string  `json:"theme"`
	MergedInto   *int64  `json:"merged_into"`
	StatementIDs []int64 `json:"statement_ids"`
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

func (a *App) ideasJSONOf(ctx context.Context, st store.Study) (ideasJSON, error) {
	r, qs, _, err := a.ideasData(ctx, st)
	if err != nil {
		return ideasJSON{}, err
	}
	if r == nil {
		return ideasJSON{}, fmt.Errorf("round 0: %w", store.ErrNotFound)
	}
	out := ideasJSON{ID: r.ID, Status: string(r.Status), Deadline: nullTime(r.Deadline), ReminderDays: r.ReminderDays, OpenedAt: nullTime(r.OpenedAt), ClosedAt: nullTime(r.ClosedAt),
		Questions: []ideaQuestionJSON{}}
	for _, q := range qs {
		qj := ideaQuestionJSON{ID: q.Question.ID, Section: q.Question.SectionTitle, Text: q.Question.Text, Translations: q.Translations, Proposals: []proposalJSON{}}
		for _, p := range q.Proposals {
			pj := proposalJSON{ID: p.ID, Text: p.Text, Theme: p.Theme, StatementIDs: p.Statements}
			if pj.StatementIDs == nil {
				pj.StatementIDs = []int64{}
			}
			if p.MergedInto.Valid {
				pj.MergedInto = &p.MergedInto.Int64
			}
			qj.Proposals = append(qj.Proposals, pj)
		}
		out.Questions = append(out.Questions, qj)
	}
	return out, nil
}

func (a *App) apiGetIdeas(c echo.Context) error {
	out, err := a.ideasJSONOf(c.Request().Context(), study(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (a *App) apiCreateIdeas(c echo.Context) error {
	var in workflow.IdeaRoundInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := a.flow.CreateIdeaRound(ctx, study(c), user(c).ID, in); err != nil {
		return err
	}
	out, err := a.ideasJSONOf(ctx, study(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (a *App) apiLaunchIdeas(c echo.Context) error {
	n, err := a.flow.LaunchIdeaRound(c.Request().Context(), study(c), user(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"invited": n})
}

func (a *App) apiCloseIdeas(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := a.store.IdeaRoundByStudy(ctx, study(c).ID)
	if err != nil {
		return err
	}
	if err := a.store.CloseIdeaRound(ctx, r.ID, user(c).ID); err != nil {
		return err
	}
	out, err := a.ideasJSONOf(ctx, study(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (a *App) apiSetTheme(c echo.Context) error {
	var in struct {
		Theme string `json:"theme"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	theme := strings.TrimSpace(in.Theme)
	if len([]rune(theme)) > 100 {
		return rounds.FieldErrors{{Field: "theme", Message: "a theme is longer than 100 characters"}}
	}
	if err := a.store.SetProposalTheme(c.Request().Context(), study(c).ID, paramID(c, "pid"), theme); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *App) apiMergeProposals(c echo.Context) error {
	var in struct {
		Into      int64   `json:"into"`
		Proposals []int64 `json:"proposals"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := a.store.MergeProposals(c.Request().Context(), study(c).ID, user(c).ID, in.Into, in.Proposals); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *App) apiStatementFromProposals(c echo.Context) error {
	var in struct {
		Text      string  `json:"text"`
		Proposals []int64 `json:"proposals"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	text, err := rounds.CheckText("text", in.Text)
	if err != nil {
		return rounds.FieldErrors{{Field: "text", Message: err.Error()}}
	}
	s, err := a.store.StatementFromProposals(c.Request().Context(), study(c).ID, user(c).ID, text, in.Proposals)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": s.ID, "text": s.Text, "proposals": in.Proposals})
}

// apiProposalLinks is the lineage of statements back to round 0, for the exports.
func (a *App) apiProposalLinks(c echo.Context) error {
	ls, err := a.store.ProposalLinks(c.Request().Context(), study(c).ID)
	if err != nil {
		return err
	}
	if ls == nil {
		ls = []store.ProposalLink{}
	}
	return c.JSON(http.StatusOK, ls)
}
