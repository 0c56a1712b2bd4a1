package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// The "Prepare round" form's choice of kind and statements (issue 17):
// the round's kind (radios named kind: rating, ranking, numeric), the
// statements it asks about (checkboxes named statement; none ticked
// keeps the carry-over plan) and a ranking round's top k.

// prepareForm is what the "Prepare round" form was sent with, kept when
// it is refused.
type prepareForm struct {
	Kind           string
	TopK           string
	Chosen         map[int64]bool
	Questions      string
	QuestionsShown bool
	Numeric        *workflow.NumericInput // a numeric round's options as typed
}

// prepareChoice is one statement the coordinator may choose.
type prepareChoice struct {
	ID       int64
	Text     string
	Decision string // the last closed round's decision about it, if any
}

// readPrepareInput reads the form's kind, chosen statements and top k
// into in, as the API reads "kind", "statements" and "ranking".
func readPrepareInput(form map[string][]string, in *workflow.RoundInput) error {
	if v, ok := form["kind"]; ok {
		in.Kind = &v[0]
	}
	if v := form["statement"]; len(v) > 0 {
		ids := make([]int64, 0, len(v))
		for _, s := range v {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return rounds.FieldErrors{{Field: "statements", Message: "a chosen statement is not one of the list; choose again"}}
			}
			ids = append(ids, id)
		}
		in.Statements = &ids
	}
	if v, ok := form["top_k"]; ok {
		in.Ranking = &workflow.RankingInput{TopKText: &v[0]}
	}
	return nil
}

// fillPrepareChoices lists the study's current statements for the form,
// each with the last closed round's decision about it (such as "in":
// the statements that reached consensus, to rank).
func (a *App) fillPrepareChoices(ctx context.Context, st store.Study, all []store.Round, p *roundsPage) error {
	statements, err := a.store.StatementsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	decided := map[int64]string{}
	if n := len(all); n > 0 && all[n-1].Status == rounds.Closed {
		rss, err := a.store.RoundStatements(ctx, all[n-1].ID)
		if err != nil {
			return err
		}
		ds, err := a.store.DecisionsByRound(ctx, all[n-1].ID)
		if err != nil {
			return err
		}
		for _, rs := range rss {
			decided[rs.StatementID] = ds[rs.ID].Decision
		}
	}
	for _, s := range statements {
		if !s.Retired {
			p.Choices = append(p.Choices, prepareChoice{ID: s.ID, Text: s.Text, Decision: decided[s.ID]})
		}
	}
	if p.Form.Kind == "" {
		p.Form.Kind = string(rounds.KindRating)
		if n := len(all); n > 0 {
			p.Form.Kind = string(all[n-1].Kind)
		}
	}
	return nil
}

// refusedPrepare shows the rounds page again with the form as sent and
// its errors, when CreateNextRound refused it with field errors.
func (a *App) refusedPrepare(c echo.Context, err error) error {
	var fe rounds.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	form, ferr := c.FormParams()
	if ferr != nil {
		return ferr
	}
	pf := prepareForm{Chosen: map[int64]bool{}, QuestionsShown: slices.Contains(form["questions_shown"], "on")}
	if v := form["kind"]; len(v) > 0 {
		pf.Kind = v[0]
	}
	if v := form["top_k"]; len(v) > 0 {
		pf.TopK = v[0]
	}
	if v := form["questions"]; len(v) > 0 {
		pf.Questions = v[0]
	}
	for _, s := range form["statement"] {
		if id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			pf.Chosen[id] = true
		}
	}
	pf.Numeric = numericInput(form)
	return a.renderRoundsPage(c, http.StatusUnprocessableEntity, pf, fe)
}

// otherPrepareErrors is, as one sentence, the refused fields that the
// "Prepare round" form shows no field for (the API's deadline, reminder
// days and scope, which the form may also send).
func otherPrepareErrors(fe rounds.FieldErrors) string {
	var other []string
	for _, e := range fe {
		switch e.Field {
		case "kind", "statements", "ranking.top_k", "questions":
		default:
			if strings.HasPrefix(e.Field, "numeric.") {
				continue // beside its field
			}
			other = append(other, e.Message)
		}
	}
	return strings.Join(other, "; ")
}
