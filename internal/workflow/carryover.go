package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"

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
// place ("[1].reason") in the field errors. The carry-over page sends one,
// the API a list.
func (w *Service) SetDecisions(ctx context.Context, st store.Study, roundID, userID int64, items []Decision) error {
	return w.store.Transact(ctx, func(tx *store.Store) error {
		r, err := tx.RoundByID(ctx, roundID)
		if err != nil {
			return err
		}
		if r.StudyID != st.ID {
			return store.ErrNotFound
		}
		if r.Status != string(rounds.Closed) {
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
