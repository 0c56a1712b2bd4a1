package web

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// roundJSON is a round as the API shows it.
type roundJSON struct {
	ID           int64                `json:"id"`
	StudyID      int64                `json:"study_id"`
	Number       int                  `json:"number"`
	Status       string               `json:"status"`
	InviteScope  string               `json:"invite_scope"`
	Deadline     *time.Time           `json:"deadline"`
	ReminderDays string               `json:"reminder_days"`
	ShowGroups   bool                 `json:"show_groups"`
	OpenedAt     *time.Time           `json:"opened_at"`
	ClosedAt     *time.Time           `json:"closed_at"`
	Counts       map[string]int       `json:"counts"`
	Mail         map[string]int       `json:"mail"`
	Statements   []roundStatementJSON `json:"statements"`
	Questions    []roundQuestionJSON  `json:"questions"`
	Results      json.RawMessage      `json:"results,omitempty"`
	// LastRemindedAt: when the last reminders were queued (null: none);
	// another reminder within 24 hours needs {"confirm": true}.
	LastRemindedAt *time.Time `json:"last_reminded_at"`
	// Kind is what the round asks (rating, ranking, numeric); Ranking a
	// ranking round's options, Numeric a numeric round's (unit, min, max,
	// decimals, confidence).
	Kind    string                  `json:"kind"`
	Ranking *rounds.RankingSettings `json:"ranking,omitempty"`
	Numeric *rounds.NumericSettings `json:"numeric,omitempty"`
}

type roundStatementJSON struct {
	ID          int64           `json:"id"`
	StatementID int64           `json:"statement_id"`
	Text        string          `json:"text"`
	Section     string          `json:"section,omitempty"`
	Origin      string          `json:"origin"`
	PreviousID  *int64          `json:"previous_id"`
	Proposal    string          `json:"proposal,omitempty"`
	Decision    string          `json:"decision,omitempty"`
	Reason      string          `json:"reason,omitempty"`
	Feedback    json.RawMessage `json:"feedback,omitempty"`
}

// roundQuestionJSON is an open question of a round.
type roundQuestionJSON struct {
	ID          int64  `json:"id"`
	Position    int    `json:"position"`
	Text        string `json:"text"`
	ShowToPanel bool   `json:"show_to_panel"`
}

// openAnswerJSON is one answer to an open question, by pseudonym only.
type openAnswerJSON struct {
	QuestionID int64     `json:"question_id"`
	Expert     string    `json:"expert"` // pseudonym (E417)
	Text       string    `json:"text"`
	Submitted  bool      `json:"submitted"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// apiOpenAnswers lists the answers to a round's open questions, submitted
// or not, by question and pseudonym: GET /api/v1/rounds/{id}/open-answers.
func (a *App) apiOpenAnswers(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	if err := a.store.EnsurePseudonyms(ctx, r.StudyID); err != nil {
		return err
	}
	qs, err := a.store.RoundQuestions(ctx, r.ID)
	if err != nil {
		return err
	}
	answers, err := a.store.OpenAnswersByRound(ctx, r.ID, false)
	if err != nil {
		return err
	}
	out := struct {
		Questions []roundQuestionJSON `json:"questions"`
		Answers   []openAnswerJSON    `json:"answers"`
	}{Questions: questionsJSON(qs), Answers: []openAnswerJSON{}}
	for _, x := range answers {
		out.Answers = append(out.Answers, openAnswerJSON{QuestionID: x.QuestionID, Expert: x.Pseudonym(), Text: x.Text, Submitted: x.Submitted.Valid, UpdatedAt: x.UpdatedAt})
	}
	return c.JSON(http.StatusOK, out)
}

func questionsJSON(qs []store.RoundQuestion) []roundQuestionJSON {
	out := make([]roundQuestionJSON, len(qs))
	for i, q := range qs {
		out[i] = roundQuestionJSON{ID: q.ID, Position: q.Position, Text: q.Text, ShowToPanel: q.ShowToPanel}
	}
	return out
}

// timePtr is a nullable time for JSON (null when not set).
func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

// roundResults returns a closed round's stored results. A round whose
// close was interrupted (a crash between closing and storing them) has
// none yet: the close is finished first, as the jobs would.
func (a *App) roundResults(c echo.Context, r store.Round) (store.RoundResults, error) {
	ctx := c.Request().Context()
	rr, err := a.store.RoundResultsByID(ctx, r.ID)
	if !errors.Is(err, store.ErrNotFound) {
		return rr, err
	}
	st, err := a.store.StudyByID(ctx, r.StudyID)
	if err != nil {
		return rr, err
	}
	if err := a.flow.CloseRound(ctx, st, r.ID, 0); err != nil && !errors.Is(err, rounds.ErrRoundNotOpen) {
		return rr, err
	}
	return a.store.RoundResultsByID(ctx, r.ID)
}

func (a *App) roundJSON(c echo.Context, r store.Round) (roundJSON, error) {
	ctx := c.Request().Context()
	var results store.RoundResults
	if r.Status == rounds.Closed { // first: finishing a close adds the proposals
		var err error
		if results, err = a.roundResults(c, r); err != nil {
			return roundJSON{}, err
		}
	}
	j := roundJSON{ID: r.ID, StudyID: r.StudyID, Number: r.Number, Status: string(r.Status), InviteScope: r.InviteScope,
		Deadline: timePtr(r.Deadline), ReminderDays: r.ReminderDays, ShowGroups: r.ShowGroups,
		OpenedAt: timePtr(r.OpenedAt), ClosedAt: timePtr(r.ClosedAt), Counts: map[string]int{}, Mail: map[string]int{}, Kind: string(r.Kind)}
	if r.Kind == rounds.KindRanking {
		j.Ranking = new(workflow.RankingOf(r))
	}
	if n, ok := workflow.NumericSettingsOf(r); ok {
		j.Numeric = &n
	}
	rss, err := a.store.RoundStatements(ctx, r.ID)
	if err != nil {
		return j, err
	}
	qs, err := a.store.RoundQuestions(ctx, r.ID)
	if err != nil {
		return j, err
	}
	j.Questions = questionsJSON(qs)
	decisions, err := a.store.DecisionsByRound(ctx, r.ID)
	if err != nil {
		return j, err
	}
	for _, rs := range rss {
		sj := roundStatementJSON{ID: rs.ID, StatementID: rs.StatementID, Text: rs.Text, Section: rs.SectionTitle, Origin: rs.Origin}
		if rs.PreviousID.Valid {
			sj.PreviousID = &rs.PreviousID.Int64
		}
		if rs.Feedback != "" {
			sj.Feedback = json.RawMessage(rs.Feedback)
		}
		if d, ok := decisions[rs.ID]; ok {
			sj.Proposal, sj.Decision, sj.Reason = d.Proposed, d.Decision, d.Reason
		}
		j.Statements = append(j.Statements, sj)
	}
	if r.Status != rounds.Draft {
		statuses, err := a.store.RoundStatuses(ctx, r.ID)
		if err != nil {
			return j, err
		}
		j.Counts = store.StatusCounts(statuses)
		if j.Mail, err = a.store.OutboxCounts(ctx, r.ID); err != nil {
			return j, err
		}
		if last, ok, err := a.store.LastReminder(ctx, r.StudyID, r.ID); err != nil {
			return j, err
		} else if ok {
			j.LastRemindedAt = &last.At
		}
	}
	if r.Status == rounds.Closed {
		j.Results = json.RawMessage(results.Results)
	}
	return j, nil
}

// apiCreateRound creates the next round; its optional body is a
// workflow.RoundInput, as the draft's settings form and PATCH take.
func (a *App) apiCreateRound(c echo.Context) error {
	var in workflow.RoundInput
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	r, err := a.flow.CreateNextRound(c.Request().Context(), study(c), user(c).ID, in)
	if err != nil {
		return err
	}
	j, err := a.roundJSON(c, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, j)
}

// apiUpdateRound changes a draft round's options, or an open round's
// deadline and reminder days: the fields given, as the round's settings
// form does (workflow.UpdateRound).
func (a *App) apiUpdateRound(c echo.Context) error {
	var in workflow.RoundInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	return a.apiRoundAction(c, func(r store.Round) error {
		_, _, err := a.flow.UpdateRound(c.Request().Context(), study(c), r.ID, user(c).ID, in)
		return err
	})
}

func (a *App) apiGetRound(c echo.Context) error {
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	j, err := a.roundJSON(c, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, j)
}

// apiRoundAction runs one lifecycle action and answers the round.
func (a *App) apiRoundAction(c echo.Context, action func(store.Round) error) error {
	r, err := a.roundOf(c)
	if err != nil {
		return err
	}
	if err := action(r); err != nil {
		return err
	}
	if r, err = a.store.RoundByID(c.Request().Context(), r.ID); err != nil {
		return err
	}
	j, err := a.roundJSON(c, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, j)
}

func (a *App) apiLaunchRound(c echo.Context) error {
	return a.apiRoundAction(c, func(r store.Round) error {
		_, err := a.flow.LaunchRound(c.Request().Context(), study(c), r.ID, user(c).ID)
		return err
	})
}

// apiRemindRound reminds the round's experts who have not submitted;
// within a day of the last reminders it answers 409 unless the body is
// {"confirm": true}.
func (a *App) apiRemindRound(c echo.Context) error {
	confirm, err := apiRemindConfirm(c)
	if err != nil {
		return err
	}
	return a.apiRoundAction(c, func(r store.Round) error {
		_, err := a.flow.RemindRound(c.Request().Context(), study(c), r.ID, user(c).ID, confirm)
		return apiRecentReminder(err)
	})
}

// apiRemindConfirm reads the optional body {"confirm": true} of a
// reminder call.
func apiRemindConfirm(c echo.Context) (workflow.RemindConfirm, error) {
	var body struct {
		Confirm bool `json:"confirm"`
	}
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &body); err != nil {
			return workflow.RemindConfirm{}, err
		}
	}
	return workflow.RemindConfirm{Again: body.Confirm}, nil
}

// apiRecentReminder tells an API caller how to confirm a reminder
// refused because the last ones are less than a day old.
func apiRecentReminder(err error) error {
	var recent *workflow.RecentReminderError
	if errors.As(err, &recent) {
		return echo.NewHTTPError(http.StatusConflict, recent.Error()+`: send {"confirm": true} to remind again`)
	}
	return err
}

func (a *App) apiCloseRound(c echo.Context) error {
	return a.apiRoundAction(c, func(r store.Round) error {
		return a.flow.CloseRound(c.Request().Context(), study(c), r.ID, user(c).ID)
	})
}

// apiSetDecisions takes [{"round_statement_id": …, "decision": "in|out|carry|unresolved", "reason": …}].
func (a *App) apiSetDecisions(c echo.Context) error {
	var items []workflow.Decision
	if err := decodeJSON(c, &items); err != nil {
		return err
	}
	return a.apiRoundAction(c, func(r store.Round) error {
		return a.flow.SetDecisions(c.Request().Context(), study(c), r.ID, user(c).ID, items)
	})
}

// apiRewordStatement writes a new version of a statement for the next round.
func (a *App) apiRewordStatement(c echo.Context) error {
	var req struct {
		Text   string `json:"text"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	out, err := a.flow.ReplaceStatements(c.Request().Context(), study(c), user(c).ID,
		workflow.Replacement{Kind: rounds.OriginReworded, Statements: []int64{paramID(c, "sid")}, Texts: []string{req.Text}, Reason: req.Reason})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, statementJSON{ID: out[0].ID, Text: out[0].Text, Position: out[0].Position})
}
