package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/delphi-platform/delphi/rounds"
)

// Invitation is one expert's personal link to one round.
type Invitation struct {
	ID          int64        `db:"id"`
	RoundID     int64        `db:"round_id"`
	ExpertID    int64        `db:"expert_id"`
	CreatedAt   time.Time    `db:"created_at"`
	RevokedAt   sql.NullTime `db:"revoked_at"`
	OpenedAt    sql.NullTime `db:"opened_at"`
	StartedAt   sql.NullTime `db:"started_at"`
	SubmittedAt sql.NullTime `db:"submitted_at"`
}

// invitationColumns are the columns of invitations that Invitation maps, for
// a query that calls the table i (see "Column lists" in store.go).
const invitationColumns = "i.id, i.round_id, i.expert_id, i.created_at, i.revoked_at, i.opened_at, i.started_at, i.submitted_at"

// InvitationByTokenHash finds an unrevoked invitation by the hash of one
// of its links. Whether its round still accepts ratings is the caller's question.
func (s *Store) InvitationByTokenHash(ctx context.Context, hash string) (Invitation, error) {
	var inv Invitation
	err := s.get(ctx, &inv, `SELECT `+invitationColumns+` FROM invitation_links l JOIN invitations i ON i.id = l.invitation_id
		WHERE l.token_hash = ? AND i.revoked_at IS NULL`, hash)
	return inv, wrap("invitation by token", err)
}

// AddInvitationLink adds a personal link (by its token's hash) to an
// invitation; reminders carry a new link because tokens are not kept.
func (s *Store) AddInvitationLink(ctx context.Context, invitationID int64, hash string) error {
	_, err := s.exec(ctx, `INSERT INTO invitation_links (token_hash, invitation_id, created_at) VALUES (?, ?, ?)`, hash, invitationID, s.now())
	return wrap("add invitation link", err)
}

// InvitationLink is one more personal link for an invitation.
type InvitationLink struct {
	InvitationID int64
	TokenHash    string
}

// AddInvitationLinks adds links to invitations, 200 to a statement (the
// earlier links keep working). Its statements are not kept prepared: their
// text changes with the batch's size.
func (s *Store) AddInvitationLinks(ctx context.Context, links []InvitationLink) error {
	now := s.now()
	for i := 0; i < len(links); i += 200 {
		batch := links[i:min(i+200, len(links))]
		args := make([]any, 0, 3*len(batch))
		for _, l := range batch {
			args = append(args, l.TokenHash, l.InvitationID, now)
		}
		if _, err := s.q.ExecContext(ctx, s.rebind(`INSERT INTO invitation_links (token_hash, invitation_id, created_at) VALUES `+placeholders(len(batch), 3)), args...); err != nil {
			return wrap("add invitation links", err)
		}
	}
	return nil
}

// InvitationByID returns one invitation.
func (s *Store) InvitationByID(ctx context.Context, id int64) (Invitation, error) {
	var inv Invitation
	err := s.get(ctx, &inv, `SELECT `+invitationColumns+` FROM invitations i WHERE id = ?`, id)
	return inv, wrap("invitation by id", err)
}

// InvitationFor returns an expert's invitation to a round.
func (s *Store) InvitationFor(ctx context.Context, roundID, expertID int64) (Invitation, error) {
	var inv Invitation
	err := s.get(ctx, &inv, `SELECT `+invitationColumns+` FROM invitations i WHERE round_id = ? AND expert_id = ?`, roundID, expertID)
	return inv, wrap("invitation for", err)
}

// MarkInvitationOpened records the first time a link was opened.
func (s *Store) MarkInvitationOpened(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, `UPDATE invitations SET opened_at = ? WHERE id = ? AND opened_at IS NULL`, s.now(), id)
	return wrap("mark opened", err)
}

// SubmitInvitation records that the expert submitted the round; they may
// still change answers until it closes. Like a save (SaveRating), the
// write checks that the round is open and before its deadline, and takes
// the same lock, so a submission racing the round's closing is either
// counted in its results or refused with rounds.ErrRoundClosed. Submitting
// again is a no-op.
func (s *Store) SubmitInvitation(ctx context.Context, id int64) error {
	now := s.now()
	res, err := s.exec(ctx, `UPDATE invitations SET submitted_at = ? WHERE id = ? AND submitted_at IS NULL
		AND EXISTS (SELECT 1 FROM rounds r WHERE r.id = invitations.round_id AND r.status = 'open'
			AND (r.deadline IS NULL OR r.deadline > ?)`+s.openRoundLock()+`)`, now, id, now)
	if err != nil {
		return wrap("submit invitation", err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return wrap("submit invitation", err)
	}
	inv, err := s.InvitationByID(ctx, id)
	switch {
	case err != nil:
		return wrap("submit invitation", err)
	case inv.SubmittedAt.Valid:
		return nil
	}
	return wrap("submit invitation", rounds.ErrRoundClosed)
}

// RevokeInvitation disables a personal link.
func (s *Store) RevokeInvitation(ctx context.Context, roundID, id int64) error {
	return wrap("revoke invitation", s.execOne(ctx, `UPDATE invitations SET revoked_at = ? WHERE id = ? AND round_id = ? AND revoked_at IS NULL`, s.now(), id, roundID))
}

// DeclineExpert records that an expert wants no more e-mails about the
// study: no further invitations or reminders are sent to them.
func (s *Store) DeclineExpert(ctx context.Context, expertID int64) error {
	return wrap("decline expert", s.Transact(ctx, func(tx *Store) error {
		var e Expert
		if err := tx.get(ctx, &e, `SELECT `+expertColumns+` FROM experts e WHERE id = ?`, expertID); err != nil {
			return err
		}
		if e.Status == "declined" {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE experts SET status = 'declined', declined_at = ? WHERE id = ?`, tx.now(), expertID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE outbox SET status = 'cancelled', last_error = 'the expert declined further e-mails'
			WHERE expert_id = ? AND status = 'pending'`, expertID); err != nil {
			return err
		}
		return tx.Audit(ctx, e.StudyID, 0, "expert declined", "", "", "expert "+itoa(expertID), "")
	}))
}

// ExpertStatus is one row of a round's per-expert status table.
type ExpertStatus struct {
	InvitationID    int64          `db:"invitation_id"`
	ExpertID        int64          `db:"expert_id"`
	Name            string         `db:"name"`
	Email           string         `db:"email"`
	Group           string         `db:"stakeholder_group"`
	Country         string         `db:"country"`
	Declined        bool           `db:"declined"`
	Revoked         bool           `db:"revoked"`
	MailStatus      sql.NullString `db:"mail_status"` // of the latest e-mail: pending, sending, sent, failed, uncertain, cancelled
	MailError       sql.NullString `db:"mail_error"`
	OpenedAt        sql.NullTime   `db:"opened_at"`
	StartedAt       sql.NullTime   `db:"started_at"`
	SubmittedAt     sql.NullTime   `db:"submitted_at"`
	Rated           int            `db:"rated"`
	PseudonymNumber int            `db:"pseudonym"`
}

// Pseudonym is what researchers see of the expert instead of their name.
func (e ExpertStatus) Pseudonym() string { return PseudonymCode(e.PseudonymNumber) }

// Status names the furthest step the expert reached, for the status table.
func (e ExpertStatus) Status() string {
	switch {
	case e.Declined:
		return "declined"
	case e.Revoked:
		return "link revoked"
	case e.SubmittedAt.Valid:
		return "submitted"
	case e.StartedAt.Valid:
		return "started"
	case e.OpenedAt.Valid:
		return "link opened"
	}
	switch e.MailStatus.String {
	case "sent":
		return "sent"
	case "failed", "uncertain", "cancelled":
		return e.MailStatus.String
	}
	return "queued"
}

// RoundStatuses lists every invited expert of a round with how far they got.
func (s *Store) RoundStatuses(ctx context.Context, roundID int64) ([]ExpertStatus, error) {
	var es []ExpertStatus
	err := s.sel(ctx, &es, `SELECT i.id AS invitation_id, e.id AS expert_id, e.name, e.email, e.stakeholder_group, e.country,
		e.status = 'declined' AS declined, i.revoked_at IS NOT NULL AS revoked,
		(SELECT o.status FROM outbox o WHERE o.round_id = i.round_id AND o.expert_id = e.id ORDER BY o.id DESC LIMIT 1) AS mail_status,
		(SELECT o.last_error FROM outbox o WHERE o.round_id = i.round_id AND o.expert_id = e.id ORDER BY o.id DESC LIMIT 1) AS mail_error,
		i.opened_at, i.started_at, i.submitted_at,
		(SELECT COUNT(*) FROM ratings r, rounds ro, studies s WHERE r.invitation_id = i.id AND ro.id = i.round_id AND s.id = ro.study_id
			AND `+answeredCondition+`) AS rated,
		COALESCE(e.pseudonym, 0) AS pseudonym
		FROM invitations i JOIN experts e ON e.id = i.expert_id WHERE i.round_id = ? ORDER BY e.name, e.id`, roundID)
	return es, wrap("round statuses", err)
}

// StatusCounts counts a round's experts by Status().
func StatusCounts(es []ExpertStatus) map[string]int {
	m := map[string]int{"invited": len(es)}
	for _, e := range es {
		m[e.Status()]++
	}
	return m
}

// ReminderRecipients are the invitations of an open round whose expert has
// neither submitted nor declined.
func (s *Store) ReminderRecipients(ctx context.Context, roundID int64) ([]Invitation, error) {
	var invs []Invitation
	err := s.sel(ctx, &invs, `SELECT `+invitationColumns+` FROM invitations i JOIN experts e ON e.id = i.expert_id
		WHERE i.round_id = ? AND i.submitted_at IS NULL AND i.revoked_at IS NULL AND e.status = 'active' ORDER BY i.id`, roundID)
	return invs, wrap("reminder recipients", err)
}

// DueReminders returns scheduled reminders whose time has come.
func (s *Store) DueReminders(ctx context.Context) ([]struct {
	ID      int64 `db:"id"`
	RoundID int64 `db:"round_id"`
}, error) {
	var rs []struct {
		ID      int64 `db:"id"`
		RoundID int64 `db:"round_id"`
	}
	err := s.sel(ctx, &rs, `SELECT m.id, m.round_id FROM reminders m JOIN rounds r ON r.id = m.round_id
		WHERE m.done_at IS NULL AND m.due_at <= ? AND r.status = 'open' ORDER BY m.due_at`, s.now())
	return rs, wrap("due reminders", err)
}

// MarkReminderDone marks a scheduled reminder as handled; it reports false
// when another instance got there first, so each reminder goes out once.
func (s *Store) MarkReminderDone(ctx context.Context, id int64) (bool, error) {
	return s.claimOnce(ctx, "mark reminder done", `UPDATE reminders SET done_at = ? WHERE id = ? AND done_at IS NULL`, id)
}

// claimOnce runs an UPDATE … SET done_at = ? WHERE id = ? AND done_at IS
// NULL and tells whether this call was the one that changed the row.
func (s *Store) claimOnce(ctx context.Context, what, query string, id int64) (bool, error) {
	res, err := s.exec(ctx, query, s.now(), id)
	if err != nil {
		return false, wrap(what, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func itoa(id int64) string { return fmt.Sprint(id) }

// AnswerCounts returns how many of a round's statements an invitation has
// answered (a rating or "unable"), and how many the round has.
func (s *Store) AnswerCounts(ctx context.Context, invitationID, roundID int64) (answered, total int, err error) {
	if answered, err = s.AnsweredCount(ctx, invitationID); err != nil {
		return 0, 0, err
	}
	total, err = s.StatementCount(ctx, roundID)
	return answered, total, err
}

// RejoinExpert undoes a decline at the expert's own explicit request ("I
// want to take part after all" on their page): the expert is active
// again and may be invited and reminded. The decline stays in the audit
// log, followed by the rejoining. Erased experts never come back.
func (s *Store) RejoinExpert(ctx context.Context, expertID int64) error {
	return wrap("rejoin expert", s.Transact(ctx, func(tx *Store) error {
		var e Expert
		if err := tx.get(ctx, &e, `SELECT `+expertColumns+` FROM experts e WHERE id = ? AND erased_at IS NULL`, expertID); err != nil {
			return err
		}
		if e.Status != "declined" {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE experts SET status = 'active', declined_at = NULL WHERE id = ?`, expertID); err != nil {
			return err
		}
		return tx.Audit(ctx, e.StudyID, 0, "expert rejoined", "", "", "expert "+itoa(expertID), "the expert chose to take part after all")
	}))
}
