package store

import (
	"context"
	"database/sql"
	"time"
)

// OutboxMessage is an e-mail waiting to be sent, or the record of one sent.
type OutboxMessage struct {
	ID              int64         `db:"id"`
	StudyID         int64         `db:"study_id"`
	RoundID         sql.NullInt64 `db:"round_id"`
	ExpertID        sql.NullInt64 `db:"expert_id"`
	Kind            string        `db:"kind"`
	ToAddress       string        `db:"to_address"`
	ToName          string        `db:"to_name"`
	Subject         string        `db:"subject"`
	TextBody        string        `db:"text_body"`
	HTMLBody        string        `db:"html_body"`
	ListUnsubscribe string        `db:"list_unsubscribe"`
	Secret          string        `db:"secret"`
	Status          string        `db:"status"` // pending, sending, sent, failed, uncertain, cancelled
	Attempts        int           `db:"attempts"`
	NextAttemptAt   time.Time     `db:"next_attempt_at"`
	LockedUntil     sql.NullTime  `db:"locked_until"`
	LastError       string        `db:"last_error"`
	SentAt          sql.NullTime  `db:"sent_at"`
	CreatedAt       time.Time     `db:"created_at"`
}

// outboxColumns are the columns of outbox that OutboxMessage maps, for a
// query that calls the table o (see "Column lists" in store.go).
const outboxColumns = "o.id, o.study_id, o.round_id, o.expert_id, o.kind, o.to_address, o.to_name, o.subject, o.text_body, o.html_body, o.list_unsubscribe, o.secret, o.status, o.attempts, o.next_attempt_at, o.locked_until, o.last_error, o.sent_at, o.created_at"

// NewMessage is an e-mail to queue. Secret is the personal link inside the
// bodies, removed from them once the message is sent.
type NewMessage struct {
	StudyID, RoundID, ExpertID                                                    int64
	Kind, ToAddress, ToName, Subject, TextBody, HTMLBody, ListUnsubscribe, Secret string
}

// EnqueueMessages queues e-mails, in batches of multi-row INSERTs; it runs
// inside the caller's transaction when there is one (a round launch).
func (s *Store) EnqueueMessages(ctx context.Context, msgs []NewMessage) error {
	now := s.now()
	return wrap("enqueue messages", s.Transact(ctx, func(tx *Store) error {
		const cols = 14
		for i := 0; i < len(msgs); i += 200 {
			batch := msgs[i:min(i+200, len(msgs))]
			args := make([]any, 0, cols*len(batch))
			for _, m := range batch {
				args = append(args, m.StudyID, nullID(m.RoundID), nullID(m.ExpertID), m.Kind, m.ToAddress, m.ToName, m.Subject,
					m.TextBody, m.HTMLBody, m.ListUnsubscribe, m.Secret, "pending", now, now)
			}
			if _, err := tx.exec(ctx, `INSERT INTO outbox (study_id, round_id, expert_id, kind, to_address, to_name, subject,
				text_body, html_body, list_unsubscribe, secret, status, next_attempt_at, created_at) VALUES `+placeholders(len(batch), cols), args...); err != nil {
				return err
			}
		}
		return nil
	}))
}

// ClaimMessages takes up to limit due messages for sending: they become
// "sending" under a lease, so no other dispatcher takes them. On
// PostgreSQL, rows another dispatcher is claiming are skipped (SKIP
// LOCKED); SQLite serialises write transactions anyway. Messages to
// experts who declined are cancelled instead.
func (s *Store) ClaimMessages(ctx context.Context, limit int, lease time.Duration) ([]OutboxMessage, error) {
	var claimed []OutboxMessage
	err := s.Transact(ctx, func(tx *Store) error {
		now := tx.now()
		q := `SELECT o.id FROM outbox o WHERE o.status = 'pending' AND o.next_attempt_at <= ? ORDER BY o.id LIMIT ?`
		if tx.dialect == Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		var ids []int64
		if err := tx.sel(ctx, &ids, q, now, limit); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		in, arg := tx.idSet(ids)
		if _, err := tx.exec(ctx, `UPDATE outbox SET status = 'cancelled', last_error = 'the expert declined further e-mails'
			WHERE id IN (`+in+`) AND expert_id IN (SELECT id FROM experts WHERE status = 'declined')`, arg); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE outbox SET status = 'sending', attempts = attempts + 1, locked_until = ?
			WHERE id IN (`+in+`) AND status = 'pending'`, now.Add(lease), arg); err != nil {
			return err
		}
		return tx.sel(ctx, &claimed, `SELECT `+outboxColumns+` FROM outbox o WHERE id IN (`+in+`) AND status = 'sending' ORDER BY id`, arg)
	})
	return claimed, wrap("claim messages", err)
}

// MarkMessagesSent records that the server accepted messages, and
// removes the personal links from their stored bodies, in one statement.
func (s *Store) MarkMessagesSent(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	const gone = "[personal link removed after sending]"
	in, arg := s.idSet(ids)
	// REPLACE with an empty secret changes nothing, on both engines.
	_, err := s.exec(ctx, `UPDATE outbox SET status = 'sent', sent_at = ?, locked_until = NULL, last_error = '',
		text_body = REPLACE(text_body, secret, ?), html_body = REPLACE(html_body, secret, ?), secret = ''
		WHERE id IN (`+in+`)`, s.now(), gone, gone, arg)
	return wrap("mark sent", err)
}

// MarkMessageRetry puts a message back in the queue after a temporary failure.
func (s *Store) MarkMessageRetry(ctx context.Context, id int64, reply string, next time.Time) error {
	return wrap("mark retry", s.execOne(ctx, `UPDATE outbox SET status = 'pending', locked_until = NULL, last_error = ?, next_attempt_at = ?
		WHERE id = ? AND status = 'sending'`, reply, next.UTC(), id))
}

// ReleaseMessages puts claimed messages back in the queue, due at once,
// without counting the claim as an attempt: the server could not be
// reached, so it never saw them.
func (s *Store) ReleaseMessages(ctx context.Context, ids []int64, reply string) error {
	if len(ids) == 0 {
		return nil
	}
	in, arg := s.idSet(ids)
	_, err := s.exec(ctx, `UPDATE outbox SET status = 'pending', attempts = attempts - 1, locked_until = NULL, last_error = ?, next_attempt_at = ?
		WHERE status = 'sending' AND id IN (`+in+`)`, reply, s.now(), arg)
	return wrap("release messages", err)
}

// MarkMessageFailed records a permanent failure with the server's reply.
func (s *Store) MarkMessageFailed(ctx context.Context, id int64, reply string) error {
	return wrap("mark failed", s.execOne(ctx, `UPDATE outbox SET status = 'failed', locked_until = NULL, last_error = ? WHERE id = ?`, reply, id))
}

// MarkStaleMessagesUncertain handles messages whose dispatcher died while
// sending: the server may or may not have accepted them, so they are not
// resent automatically (that could send twice) but shown as uncertain.
func (s *Store) MarkStaleMessagesUncertain(ctx context.Context) (int64, error) {
	res, err := s.exec(ctx, `UPDATE outbox SET status = 'uncertain', locked_until = NULL,
		last_error = 'the sender stopped while sending; the message may or may not have been delivered'
		WHERE status = 'sending' AND locked_until < ?`, s.now())
	if err != nil {
		return 0, wrap("mark stale uncertain", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// ResendMessage queues a failed or uncertain message again, by hand.
func (s *Store) ResendMessage(ctx context.Context, studyID, id int64) error {
	return wrap("resend message", s.execOne(ctx, `UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ''
		WHERE id = ? AND study_id = ? AND status IN ('failed', 'uncertain')`, s.now(), id, studyID))
}

// OutboxByRound lists a round's e-mails, newest first.
func (s *Store) OutboxByRound(ctx context.Context, roundID int64) ([]OutboxMessage, error) {
	var ms []OutboxMessage
	err := s.sel(ctx, &ms, `SELECT `+outboxColumns+` FROM outbox o WHERE round_id = ? ORDER BY id DESC`, roundID)
	return ms, wrap("outbox by round", err)
}

// OutboxMessageByID returns one e-mail of a study.
func (s *Store) OutboxMessageByID(ctx context.Context, studyID, id int64) (OutboxMessage, error) {
	var m OutboxMessage
	err := s.get(ctx, &m, `SELECT `+outboxColumns+` FROM outbox o WHERE id = ? AND study_id = ?`, id, studyID)
	return m, wrap("outbox message", err)
}

// OutboxCounts counts a round's e-mails by status.
func (s *Store) OutboxCounts(ctx context.Context, roundID int64) (map[string]int, error) {
	var rows []Count
	err := s.sel(ctx, &rows, `SELECT status AS label, COUNT(*) AS n FROM outbox WHERE round_id = ? GROUP BY status`, roundID)
	m := map[string]int{}
	for _, r := range rows {
		m[r.Label] = r.N
	}
	return m, wrap("outbox counts", err)
}

// OldestDueMessage returns when the longest-waiting pending message became
// due (zero when none waits), for the readiness check.
func (s *Store) OldestDueMessage(ctx context.Context) (time.Time, error) {
	var t []time.Time
	err := s.sel(ctx, &t, `SELECT next_attempt_at FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 1`, s.now())
	if err != nil || len(t) == 0 {
		return time.Time{}, wrap("oldest due message", err)
	}
	return t[0], nil
}

// ReminderBatch is the newest batch of reminders queued for a round (or
// round 0): the id of its last message, when it was queued, and how many
// it held (the messages of one batch are queued in one transaction, at
// one time).
type ReminderBatch struct {
	MessageID int64
	At        time.Time
	Count     int
}

// LastReminder is the newest batch of reminders of round roundID, or,
// with roundID 0, of the study's round 0; ok is false when none was
// queued. The outbox is the record: every reminder, by hand or scheduled,
// is a row in it.
func (s *Store) LastReminder(ctx context.Context, studyID, roundID int64) (b ReminderBatch, ok bool, err error) {
	where, args := `round_id = ? AND kind = 'reminder'`, []any{roundID}
	if roundID == 0 {
		where, args = `study_id = ? AND round_id IS NULL AND kind = 'reminder'`, []any{studyID}
	}
	var last []struct {
		ID        int64     `db:"id"`
		CreatedAt time.Time `db:"created_at"`
	}
	if err := s.sel(ctx, &last, `SELECT id, created_at FROM outbox WHERE `+where+` ORDER BY id DESC LIMIT 1`, args...); err != nil || len(last) == 0 {
		return b, false, wrap("last reminder", err)
	}
	b.MessageID, b.At = last[0].ID, last[0].CreatedAt
	err = s.get(ctx, &b.Count, `SELECT COUNT(*) FROM outbox WHERE `+where+` AND created_at = ?`, append(args, b.At)...)
	return b, true, wrap("last reminder", err)
}

// RemindersByExpert lists when each expert of a round was sent a
// reminder, oldest first, by expert id.
func (s *Store) RemindersByExpert(ctx context.Context, roundID int64) (map[int64][]time.Time, error) {
	var rows []struct {
		ExpertID  int64     `db:"expert_id"`
		CreatedAt time.Time `db:"created_at"`
	}
	err := s.sel(ctx, &rows, `SELECT expert_id, created_at FROM outbox WHERE round_id = ? AND kind = 'reminder' AND expert_id IS NOT NULL ORDER BY id`, roundID)
	out := map[int64][]time.Time{}
	for _, r := range rows {
		out[r.ExpertID] = append(out[r.ExpertID], r.CreatedAt)
	}
	return out, wrap("reminders by expert", err)
}
