package store

import (
	"context"
	"database/sql"
	"time"
)

// Rating is one expert's answer to one statement in one round.
type Rating struct {
	InvitationID     int64         `db:"invitation_id"`
	RoundStatementID int64         `db:"round_statement_id"`
	Rating           sql.NullInt64 `db:"rating"`
	Unable           bool          `db:"unable"`
	Comment          string        `db:"comment"`
	CommentShown     bool          `db:"comment_shown"`
	UpdatedAt        time.Time     `db:"updated_at"`
}

// Answered tells whether the expert gave a rating or said unable to rate.
func (r Rating) Answered() bool { return r.Rating.Valid || r.Unable }

// SaveRating stores an expert's answer, replacing any earlier one for the
// statement (last write wins), and marks the invitation as started. A nil
// rating with unable false and an empty comment clears the answer.
func (s *Store) SaveRating(ctx context.Context, invitationID, roundStatementID int64, rating *int, unable bool, comment string) error {
	var r sql.NullInt64
	if rating != nil && !unable {
		r = sql.NullInt64{Int64: int64(*rating), Valid: true}
	}
	now := s.now()
	return wrap("save rating", s.Transact(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, `INSERT INTO ratings (invitation_id, round_statement_id, rating, unable, comment, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (invitation_id, round_statement_id) DO UPDATE
			SET rating = excluded.rating, unable = excluded.unable, comment = excluded.comment, updated_at = excluded.updated_at`,
			invitationID, roundStatementID, r, unable, comment, now); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE invitations SET started_at = ? WHERE id = ? AND started_at IS NULL`, now, invitationID)
		return err
	}))
}

// RatingsByInvitation returns one expert's answers in a round, by round statement.
func (s *Store) RatingsByInvitation(ctx context.Context, invitationID int64) (map[int64]Rating, error) {
	var rs []Rating
	err := s.sel(ctx, &rs, `SELECT * FROM ratings WHERE invitation_id = ?`, invitationID)
	out := make(map[int64]Rating, len(rs))
	for _, r := range rs {
		out[r.RoundStatementID] = r
	}
	return out, wrap("ratings by invitation", err)
}

// RoundRating is a rating with who gave it, for analysis and exports.
// Expert ids never leave the server except as pseudonyms.
type RoundRating struct {
	Rating
	ExpertID  int64        `db:"expert_id"`
	Group     string       `db:"stakeholder_group"`
	Country   string       `db:"country"`
	Submitted sql.NullTime `db:"submitted_at"`
}

// RatingsByRound returns every answer of a round with the expert's group
// and country.
func (s *Store) RatingsByRound(ctx context.Context, roundID int64) ([]RoundRating, error) {
	var rs []RoundRating
	err := s.sel(ctx, &rs, `SELECT r.*, i.expert_id, e.stakeholder_group, e.country, i.submitted_at
		FROM ratings r JOIN invitations i ON i.id = r.invitation_id JOIN experts e ON e.id = i.expert_id
		WHERE i.round_id = ? ORDER BY r.round_statement_id, i.expert_id`, roundID)
	return rs, wrap("ratings by round", err)
}

// SetCommentShown chooses whether a comment is shown, anonymised, in the
// next round's feedback.
func (s *Store) SetCommentShown(ctx context.Context, invitationID, roundStatementID int64, shown bool) error {
	return wrap("set comment shown", s.execOne(ctx, `UPDATE ratings SET comment_shown = ? WHERE invitation_id = ? AND round_statement_id = ? AND comment <> ''`,
		shown, invitationID, roundStatementID))
}

// Respondents returns the experts who submitted a round.
func (s *Store) Respondents(ctx context.Context, roundID int64) ([]int64, error) {
	var ids []int64
	err := s.sel(ctx, &ids, `SELECT expert_id FROM invitations WHERE round_id = ? AND submitted_at IS NOT NULL ORDER BY expert_id`, roundID)
	return ids, wrap("respondents", err)
}
