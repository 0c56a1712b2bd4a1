package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/delphi-platform/delphi/rounds"
)

// ExpertUpdate is new details for an expert already in a panel. Its
// Attributes, when not nil, replace the expert's.
type ExpertUpdate struct {
	ID int64
	NewExpert
}

// ApplyPanelImport adds the new experts and updates the existing ones in
// one transaction, or changes nothing: an e-mail address that is already
// someone else's (also one added meanwhile) fails it with ErrConflict, an
// expert erased or removed meanwhile with ErrNotFound. Undelivered e-mails
// to an updated expert go to their new address, as with UpdateExpert.
func (s *Store) ApplyPanelImport(ctx context.Context, studyID, userID int64, add []NewExpert, update []ExpertUpdate) error {
	return wrap("apply panel import", s.Transact(ctx, func(tx *Store) error {
		if err := tx.lockStudy(ctx, studyID); err != nil {
			return err
		}
		// Updates first: an address given up by one expert can then be
		// taken by a new one in the same file.
		for _, u := range update {
			if err := tx.setExpertDetails(ctx, studyID, u.ID, u.NewExpert); err != nil {
				return fmt.Errorf("expert %d: %w", u.ID, err)
			}
		}
		numbers, err := tx.drawPseudonyms(ctx, studyID, len(add))
		if err != nil {
			return err
		}
		for i, e := range add {
			if _, err := tx.addExpert(ctx, studyID, e, numbers[i]); err != nil {
				return fmt.Errorf("%s: %w", e.Email, err)
			}
		}
		return tx.Audit(ctx, studyID, userID, "import panel", "", "",
			fmt.Sprintf("%s added, %s updated", pluralCount(len(add), "expert"), pluralCount(len(update), "expert")), "")
	}))
}

// PanelInvitation is how far one expert got in one round, for the panel
// export.
type PanelInvitation struct {
	ExpertID    int64         `db:"expert_id"`
	RoundNumber int           `db:"round_number"`
	RoundStatus rounds.Status `db:"round_status"`
	OpenedAt    sql.NullTime  `db:"opened_at"`
	SubmittedAt sql.NullTime  `db:"submitted_at"`
	Revoked     bool          `db:"revoked"`
}

// PanelInvitations lists every invitation of a study's rating rounds.
func (s *Store) PanelInvitations(ctx context.Context, studyID int64) ([]PanelInvitation, error) {
	var out []PanelInvitation
	err := s.sel(ctx, &out, `SELECT i.expert_id, r.number AS round_number, r.status AS round_status, i.opened_at, i.submitted_at,
		i.revoked_at IS NOT NULL AS revoked
		FROM invitations i JOIN rounds r ON r.id = i.round_id WHERE r.study_id = ? ORDER BY i.expert_id, r.number`, studyID)
	return out, wrap("panel invitations", err)
}

// InviteExpert invites one more expert to an open round, in one
// transaction: the invitation, its personal link and its e-mail, audited.
// A round no longer open fails with rounds.ErrRoundNotOpen, an expert
// already invited with ErrConflict.
func (s *Store) InviteExpert(ctx context.Context, roundID, userID int64, inv NewInvitation) (int64, error) {
	var id int64
	err := s.Transact(ctx, func(tx *Store) error {
		r, err := tx.RoundByID(ctx, roundID)
		if err != nil {
			return err
		}
		if err := tx.lockStudy(ctx, r.StudyID); err != nil {
			return err
		}
		if r, err = tx.RoundByID(ctx, roundID); err != nil { // as it is under the lock
			return err
		}
		if r.Status != rounds.Open {
			return rounds.ErrRoundNotOpen
		}
		now := tx.now()
		ids, err := tx.insertInvitations(ctx, roundID, []NewInvitation{inv}, now)
		if err != nil {
			return err
		}
		id = ids[inv.ExpertID]
		if err := tx.AddInvitationLink(ctx, id, inv.TokenHash); err != nil {
			return err
		}
		if err := tx.EnqueueMessages(ctx, []NewMessage{inv.Message}); err != nil {
			return err
		}
		return tx.Audit(ctx, r.StudyID, userID, "invite expert", "", "", fmt.Sprintf("round %d, expert %d", r.Number, inv.ExpertID), "")
	})
	return id, wrap("invite expert", err)
}
