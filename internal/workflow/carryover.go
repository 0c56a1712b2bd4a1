package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Decision is a coordinator's decision on one statement of a closed round:
// the rule's proposal confirmed, or overridden with a reason.
type Decision struct {
	RoundStatementID int64  `json:"round_statement_id"`
	Decision         string `json:"decision"`
	Reason           string `json:"reason"`
}

// ErrDecideBeforeClose refuses decisions on a round that is not closed.
var ErrDecideBeforeClose = fault.New(fault.Conflict, "decisions are made once the round is closed")

// SetDecisions records decisions on statements of a closed round, all or
// none: every item is checked first, and each refused one is named by its
// place ("[1].reason") in the field errors. The carry-over page sends
// every statement's (its "Confirm all" button) or one (a row's Save), the
// API a list. The last planned round's statements cannot be carried.
func (w *Service) SetDecisions(ctx context.Context, st store.Study, roundID, userID int64, items []Decision) error {
	return w.store.Transact(ctx, func(tx *store.Store) error {
		r, err := tx.RoundByID(ctx, roundID)
		if err != nil {
			return err
		}
		if r.StudyID != st.ID {
			return store.ErrNotFound
		}
		if r.Status != rounds.Closed {
			return ErrDecideBeforeClose
		}
		rss, err := tx.RoundStatements(ctx, r.ID)
		if err != nil {
			return err
		}
		var fe rounds.FieldErrors
		ds := make([]rounds.Proposal, len(items))
		for i, it := range items {
			d, err := rounds.ParseProposal(it.Decision)
			if err != nil {
				fe = append(fe, rounds.FieldError{Field: fmt.Sprintf("[%d].decision", i), Message: err.Error()})
			}
			if err == nil && d == rounds.ProposeCarry && r.Number >= st.MaxRounds {
				fe = append(fe, rounds.FieldError{Field: fmt.Sprintf("[%d].decision", i), Message: fmt.Sprintf(
					"round %d is the study's last planned round, so nothing can be carried: decide in, out or unresolved (or plan more rounds in the settings)", r.Number)})
			}
			ds[i] = d
			if !slices.ContainsFunc(rss, func(rs store.RoundStatement) bool { return rs.ID == it.RoundStatementID }) {
				fe = append(fe, rounds.FieldError{Field: fmt.Sprintf("[%d].round_statement_id", i), Message: "not a statement of this round"})
			}
		}
		if len(fe) > 0 {
			return fe
		}
		for i, it := range items {
			err := tx.SetDecision(ctx, it.RoundStatementID, userID, ds[i], it.Reason)
			if errors.Is(err, store.ErrOverrideNeedsReason) {
				fe = append(fe, rounds.FieldError{Field: fmt.Sprintf("[%d].reason", i), Message: store.ErrOverrideNeedsReason.Message})
			} else if err != nil {
				return err
			}
		}
		if len(fe) > 0 {
			return fe // rolls back the decisions stored before
		}
		return nil
	})
}

// Replacement is a new version of statements for the next round: a
// rewording (one statement, one text), a merge (several statements, one
// text) or a split (one statement, several texts), with the reason that
// goes into the statement lineage.
type Replacement struct {
	Kind       rounds.Origin
	Statements []int64
	Texts      []string
	Reason     string
}

// ReplaceStatements checks a replacement (field errors say what is
// missing) and writes it: the new statements replace the old ones in the
// next round, the lineage keeps the link and the reason. The carry-over
// page (reword, merge, split) and the API's reword call it.
func (w *Service) ReplaceStatements(ctx context.Context, st store.Study, userID int64, in Replacement) ([]store.Statement, error) {
	var texts []string
	for _, t := range in.Texts {
		if t = strings.TrimSpace(t); t != "" {
			texts = append(texts, t)
		}
	}
	var fe rounds.FieldErrors
	switch {
	case in.Kind != rounds.OriginReworded && in.Kind != rounds.OriginMerged && in.Kind != rounds.OriginSplit:
		fe = append(fe, rounds.FieldError{Field: "kind", Message: "choose reword, merge or split"})
	case in.Kind == rounds.OriginReworded && len(in.Statements) != 1:
		fe = append(fe, rounds.FieldError{Field: "statement_id", Message: "reword one statement at a time"})
	case in.Kind == rounds.OriginMerged && len(in.Statements) < 2:
		fe = append(fe, rounds.FieldError{Field: "statement_id", Message: "choose two or more statements to merge"})
	case in.Kind == rounds.OriginSplit && len(in.Statements) != 1:
		fe = append(fe, rounds.FieldError{Field: "statement_id", Message: "split one statement at a time"})
	}
	switch {
	case len(texts) == 0:
		fe = append(fe, rounds.FieldError{Field: "text", Message: "write the new text"})
	case in.Kind == rounds.OriginSplit && len(texts) < 2:
		fe = append(fe, rounds.FieldError{Field: "text", Message: "a split needs two or more new statements, one per line"})
	case in.Kind != rounds.OriginSplit:
		texts = []string{strings.Join(texts, " ")}
	}
	if strings.TrimSpace(in.Reason) == "" {
		fe = append(fe, rounds.FieldError{Field: "reason", Message: "say why the statement changes; the reason goes into the statement lineage"})
	}
	if len(fe) > 0 {
		return nil, fe
	}
	return w.store.ReplaceStatements(ctx, st.ID, userID, in.Kind, in.Statements, texts, in.Reason)
}
