package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/delphi-platform/delphi/internal/fault"

	"github.com/delphi-platform/delphi/rounds"
)

// Round is one round of a study.
type Round struct {
	ID           int64         `db:"id"`
	StudyID      int64         `db:"study_id"`
	Number       int           `db:"number"`
	Status       rounds.Status `db:"status"`
	InviteScope  string        `db:"invite_scope"`
	Deadline     sql.NullTime  `db:"deadline"`
	ReminderDays string        `db:"reminder_days"` // "3,1": days before the deadline
	ShowGroups   bool          `db:"show_groups"`   // feedback per stakeholder group
	Kind         rounds.Kind   `db:"kind"`          // rating, ranking or numeric
	KindSettings string        `db:"kind_settings"` // the kind's options, JSON ('' for rating)
	OpenedAt     sql.NullTime  `db:"opened_at"`
	ClosedAt     sql.NullTime  `db:"closed_at"`
	CreatedAt    time.Time     `db:"created_at"`
}

// roundColumns are the columns of rounds that Round maps, for a query that
// calls the table r (see "Column lists" in store.go).
const roundColumns = "r.id, r.study_id, r.number, r.status, r.invite_scope, r.deadline, r.reminder_days, r.show_groups, r.kind, r.kind_settings, r.opened_at, r.closed_at, r.created_at"

// Domain returns the lifecycle state for the rounds package.
func (r Round) Domain() rounds.Round {
	return rounds.Round{Number: r.Number, Status: r.Status, Deadline: r.Deadline.Time, OpenedAt: r.OpenedAt.Time, ClosedAt: r.ClosedAt.Time}
}

// reminderTimes returns when reminders the given days before a deadline
// fall, leaving out those already past at now.
func reminderTimes(deadline time.Time, days []int, now time.Time) []time.Time {
	var out []time.Time
	for _, d := range days {
		if due := deadline.Add(-time.Duration(d) * 24 * time.Hour); due.After(now) {
			out = append(out, due)
		}
	}
	return out
}

// Reminders parses ReminderDays.
func (r Round) Reminders() []int {
	var days []int
	for _, f := range strings.Split(r.ReminderDays, ",") {
		if d, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			days = append(days, d)
		}
	}
	return days
}

// RoundStatement is a statement as one round presents it.
type RoundStatement struct {
	ID           int64         `db:"id"`
	RoundID      int64         `db:"round_id"`
	StatementID  int64         `db:"statement_id"`
	Position     int           `db:"position"`
	SectionTitle string        `db:"section_title"`
	Text         string        `db:"text"`
	Origin       string        `db:"origin"`
	PreviousID   sql.NullInt64 `db:"previous_id"` // the round statement it continues
	Feedback     string        `db:"feedback"`    // JSON frozen at creation; "" for none
}

// roundStatementColumns are the columns of round_statements that
// RoundStatement maps, for a query that calls the table rs (see "Column
// lists" in store.go).
const roundStatementColumns = "rs.id, rs.round_id, rs.statement_id, rs.position, rs.section_title, rs.text, rs.origin, rs.previous_id, rs.feedback"

// RoundsByStudy lists a study's rounds in order.
func (s *Store) RoundsByStudy(ctx context.Context, studyID int64) ([]Round, error) {
	var rs []Round
	err := s.sel(ctx, &rs, `SELECT `+roundColumns+` FROM rounds r WHERE study_id = ? ORDER BY number`, studyID)
	return rs, wrap("rounds by study", err)
}

// RoundByID returns one round.
func (s *Store) RoundByID(ctx context.Context, id int64) (Round, error) {
	var r Round
	err := s.get(ctx, &r, `SELECT `+roundColumns+` FROM rounds r WHERE id = ?`, id)
	return r, wrap("round by id", err)
}

// RoundStatements lists what a round presents, in order.
func (s *Store) RoundStatements(ctx context.Context, roundID int64) ([]RoundStatement, error) {
	var rs []RoundStatement
	err := s.sel(ctx, &rs, `SELECT `+roundStatementColumns+` FROM round_statements rs WHERE round_id = ? ORDER BY position`, roundID)
	return rs, wrap("round statements", err)
}

// NewRound is a round to create, with the statements it presents.
type NewRound struct {
	Scope        rounds.InviteScope
	Deadline     time.Time // may be zero in a draft
	ReminderDays string
	ShowGroups   bool
	Kind         rounds.Kind // "" is a rating round
	KindSettings string      // JSON, as Round.KindSettings
	Statements   []NewRoundStatement
	Questions    []NewRoundQuestion // open questions, after the statements
}

// NewRoundStatement is one statement of a new round.
type NewRoundStatement struct {
	StatementID  int64
	SectionTitle string
	Text         string
	Origin       rounds.Origin
	PreviousID   int64  // 0: none
	Feedback     string // JSON
}

// CreateRound adds the study's next round as a draft, if the previous one
// is closed and the planned maximum allows it.
func (s *Store) CreateRound(ctx context.Context, studyID, userID int64, nr NewRound) (Round, error) {
	var r Round
	err := s.Transact(ctx, func(tx *Store) error {
		if err := tx.lockStudy(ctx, studyID); err != nil {
			return err
		}
		st, err := tx.StudyByID(ctx, studyID)
		if err != nil {
			return err
		}
		all, err := tx.RoundsByStudy(ctx, studyID)
		if err != nil {
			return err
		}
		var prev *rounds.Round
		if len(all) > 0 {
			d := all[len(all)-1].Domain()
			prev = &d
		}
		if err := rounds.CanCreateNext(prev, st.MaxRounds); err != nil {
			return err
		}
		r = Round{StudyID: studyID, Number: len(all) + 1, Status: rounds.Draft, InviteScope: string(nr.Scope),
			ReminderDays: nr.ReminderDays, ShowGroups: nr.ShowGroups, Kind: nr.Kind, KindSettings: nr.KindSettings, CreatedAt: tx.now()}
		if r.Kind == "" {
			r.Kind = rounds.KindRating
		}
		if !nr.Deadline.IsZero() {
			r.Deadline = sql.NullTime{Time: nr.Deadline.UTC(), Valid: true}
		}
		r.ID, err = tx.insert(ctx, `INSERT INTO rounds (study_id, number, status, invite_scope, deadline, reminder_days, show_groups, kind, kind_settings, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.StudyID, r.Number, r.Status, r.InviteScope, r.Deadline, r.ReminderDays, r.ShowGroups, r.Kind, r.KindSettings, r.CreatedAt)
		if err != nil {
			return err
		}
		for i, rs := range nr.Statements {
			if _, err := tx.insert(ctx, `INSERT INTO round_statements (round_id, statement_id, position, section_title, text, origin, previous_id, feedback)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, rs.StatementID, i+1, rs.SectionTitle, rs.Text, string(rs.Origin), nullID(rs.PreviousID), rs.Feedback); err != nil {
				return err
			}
		}
		for i, q := range nr.Questions {
			if _, err := tx.insert(ctx, `INSERT INTO round_questions (round_id, position, text, show_to_panel) VALUES (?, ?, ?, ?)`,
				r.ID, i+1, q.Text, q.ShowToPanel); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, studyID, userID, "create round", "", "", fmt.Sprintf("round %d, %d statements", r.Number, len(nr.Statements)), "")
	})
	return r, wrap("create round", err)
}

// DraftChange is what may change in a draft round: its options and the
// frozen feedback of its statements.
type DraftChange struct {
	Scope        rounds.InviteScope
	Deadline     time.Time // may be zero
	ReminderDays string
	ShowGroups   bool
	// Feedback is the new frozen feedback (JSON) by round statement id;
	// the statements not in it keep theirs.
	Feedback map[int64]string
	// KindSettings, when not nil, replaces the round's kind options (JSON).
	KindSettings *string
}

// UpdateDraftRound changes a draft's options and feedback in one transaction.
func (s *Store) UpdateDraftRound(ctx context.Context, roundID int64, ch DraftChange) error {
	var dl sql.NullTime
	if !ch.Deadline.IsZero() {
		dl = sql.NullTime{Time: ch.Deadline.UTC(), Valid: true}
	}
	return wrap("update draft round", s.Transact(ctx, func(tx *Store) error {
		res, err := tx.exec(ctx, `UPDATE rounds SET invite_scope = ?, deadline = ?, reminder_days = ?, show_groups = ? WHERE id = ? AND status = 'draft'`,
			string(ch.Scope), dl, ch.ReminderDays, ch.ShowGroups, roundID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return rounds.ErrRoundNotDraft
		}
		if ch.KindSettings != nil {
			if err := tx.execOne(ctx, `UPDATE rounds SET kind_settings = ? WHERE id = ?`, *ch.KindSettings, roundID); err != nil {
				return err
			}
		}
		for _, id := range slices.Sorted(maps.Keys(ch.Feedback)) {
			if err := tx.execOne(ctx, `UPDATE round_statements SET feedback = ? WHERE id = ? AND round_id = ?`, ch.Feedback[id], id, roundID); err != nil {
				return err
			}
		}
		return nil
	}))
}

// Invitees returns who a round would invite: the whole active panel, or
// those who submitted the previous round; never anyone who declined.
func (s *Store) Invitees(ctx context.Context, r Round) ([]Expert, error) {
	var es []Expert
	var err error
	if r.Number == 1 || rounds.InviteScope(r.InviteScope) == rounds.InvitePanel {
		err = s.sel(ctx, &es, `SELECT `+expertColumns+` FROM experts e WHERE study_id = ? AND status = 'active' ORDER BY id`, r.StudyID)
	} else {
		err = s.sel(ctx, &es, `SELECT `+expertColumns+` FROM experts e JOIN invitations i ON i.expert_id = e.id JOIN rounds r ON r.id = i.round_id
			WHERE r.study_id = ? AND r.number = ? AND i.submitted_at IS NOT NULL AND e.status = 'active' ORDER BY e.id`, r.StudyID, r.Number-1)
	}
	return es, wrap("invitees", err)
}

// NewInvitation is one expert's personal link to a round, with its e-mail.
type NewInvitation struct {
	ExpertID  int64
	TokenHash string
	Message   NewMessage
}

// LaunchRound opens a draft round in one transaction: the state change,
// the lock of the study's settings (round 1), one invitation and one
// outbox e-mail per expert, and the scheduled reminders. The caller builds
// the invitations from Invitees inside the same transaction.
func (s *Store) LaunchRound(ctx context.Context, roundID, userID int64, invites []NewInvitation) error {
	return wrap("launch round", s.Transact(ctx, func(tx *Store) error {
		r, err := tx.RoundByID(ctx, roundID)
		if err != nil {
			return err
		}
		if err := tx.lockStudy(ctx, r.StudyID); err != nil {
			return err
		}
		var statements, open int
		if err := tx.get(ctx, &statements, `SELECT COUNT(*) FROM round_statements WHERE round_id = ?`, roundID); err != nil {
			return err
		}
		if err := tx.get(ctx, &open, `SELECT COUNT(*) FROM rounds WHERE study_id = ? AND status = 'open'`, r.StudyID); err != nil {
			return err
		}
		d := r.Domain()
		now := tx.now()
		if err := d.Launch(now, statements, len(invites), open > 0); err != nil {
			return err
		}
		if err := tx.execOne(ctx, `UPDATE rounds SET status = 'open', opened_at = ? WHERE id = ? AND status = 'draft'`, now, roundID); err != nil {
			return err
		}
		if r.Number == 1 {
			if err := tx.LockStudySettings(ctx, r.StudyID, userID); err != nil {
				return err
			}
		}
		msgs := make([]NewMessage, 0, len(invites))
		for i := 0; i < len(invites); i += 200 {
			batch := invites[i:min(i+200, len(invites))]
			ids, err := tx.insertInvitations(ctx, roundID, batch, now)
			if err != nil {
				return err
			}
			args := make([]any, 0, 3*len(batch))
			for _, inv := range batch {
				args = append(args, inv.TokenHash, ids[inv.ExpertID], now)
				msgs = append(msgs, inv.Message)
			}
			if _, err := tx.exec(ctx, `INSERT INTO invitation_links (token_hash, invitation_id, created_at) VALUES `+placeholders(len(batch), 3), args...); err != nil {
				return err
			}
		}
		if err := tx.EnqueueMessages(ctx, msgs); err != nil {
			return err
		}
		for _, due := range reminderTimes(r.Deadline.Time, r.Reminders(), now) {
			if _, err := tx.exec(ctx, `INSERT INTO reminders (round_id, due_at, created_at) VALUES (?, ?, ?)`, roundID, due, now); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, r.StudyID, userID, "launch round", "", "", fmt.Sprintf("round %d, %d invitations", r.Number, len(invites)), "")
	}))
}

// insertInvitations adds a batch of invitations with one statement and
// returns their ids by expert.
func (s *Store) insertInvitations(ctx context.Context, roundID int64, batch []NewInvitation, now time.Time) (map[int64]int64, error) {
	args := make([]any, 0, 3*len(batch))
	for _, inv := range batch {
		args = append(args, roundID, inv.ExpertID, now)
	}
	rows, err := s.q.QueryxContext(ctx, s.rebind(`INSERT INTO invitations (round_id, expert_id, created_at) VALUES `+
		placeholders(len(batch), 3)+` RETURNING id, expert_id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make(map[int64]int64, len(batch))
	for rows.Next() {
		var id, expertID int64
		if err := rows.Scan(&id, &expertID); err != nil {
			return nil, err
		}
		ids[expertID] = id
	}
	return ids, rows.Err()
}

// placeholders returns "(?, ?), (?, ?)" for rows × cols.
func placeholders(rows, cols int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}

// CloseRound closes an open round and returns it closed. From its commit
// on, no answer and no submission is accepted (SaveRating,
// SubmitInvitation), and every one acknowledged before is committed, so
// the answers stored are exactly those the round's results must count:
// the caller computes them next and stores them with SaveRoundResults.
// Closing twice fails with rounds.ErrRoundNotOpen.
func (s *Store) CloseRound(ctx context.Context, roundID, userID int64) (Round, error) {
	var r Round
	err := s.Transact(ctx, func(tx *Store) error {
		var err error
		if r, err = tx.RoundByID(ctx, roundID); err != nil {
			return err
		}
		// The study first, as every transaction that locks both does
		// (LaunchRound), then the round: waiting here for the writes that
		// found the round open to commit (openRoundLock).
		if err := tx.lockStudy(ctx, r.StudyID); err != nil {
			return err
		}
		if err := tx.lockRound(ctx, roundID); err != nil {
			return err
		}
		if r, err = tx.RoundByID(ctx, roundID); err != nil { // as the lock found it
			return err
		}
		d := r.Domain()
		now := tx.now()
		if err := d.Close(now); err != nil {
			return err
		}
		if err := tx.execOne(ctx, `UPDATE rounds SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'`, now, roundID); err != nil {
			return err
		}
		r.Status, r.ClosedAt = rounds.Closed, sql.NullTime{Time: now, Valid: true}
		if _, err := tx.exec(ctx, `UPDATE reminders SET done_at = ? WHERE round_id = ? AND done_at IS NULL`, now, roundID); err != nil {
			return err
		}
		return tx.Audit(ctx, r.StudyID, userID, "close round", "", "", fmt.Sprintf("round %d", r.Number), "")
	})
	return r, wrap("close round", err)
}

// lockRound takes the lock on a round's row that the writes requiring it
// open wait for, and wait for (openRoundLock); on SQLite the transaction's
// write lock already keeps them out.
func (s *Store) lockRound(ctx context.Context, roundID int64) error {
	if s.dialect != Postgres {
		return nil
	}
	var id int64
	return s.get(ctx, &id, `SELECT id FROM rounds WHERE id = ? FOR UPDATE`, roundID)
}

// SaveRoundResults stores a closed round's results snapshot and the rule's
// proposal for every statement, once: it reports false, and writes
// nothing, when they are already stored (another instance finished the
// same close first). The snapshot is then never changed by later edits.
func (s *Store) SaveRoundResults(ctx context.Context, roundID int64, settingsJSON, resultsJSON string, proposals map[int64]rounds.Proposal) (bool, error) {
	stored := false
	err := s.Transact(ctx, func(tx *Store) error {
		now := tx.now()
		res, err := tx.exec(ctx, `INSERT INTO round_results (round_id, computed_at, settings, results)
			SELECT id, ?, ?, ? FROM rounds WHERE id = ? AND status = 'closed'
			ON CONFLICT (round_id) DO NOTHING`, now, settingsJSON, resultsJSON, roundID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		stored = true
		for rsID, p := range proposals {
			if _, err := tx.exec(ctx, `INSERT INTO decisions (round_statement_id, proposed, decision, decided_at) VALUES (?, ?, ?, ?)`, rsID, string(p), string(p), now); err != nil {
				return err
			}
		}
		return nil
	})
	return stored, wrap("save round results", err)
}

// ClosedRoundsWithoutResults lists the rounds closed longer than grace
// ago whose results were never stored: a close interrupted between
// CloseRound and SaveRoundResults (a crash), for the jobs to finish.
func (s *Store) ClosedRoundsWithoutResults(ctx context.Context, grace time.Duration) ([]Round, error) {
	var rs []Round
	err := s.sel(ctx, &rs, `SELECT r.id, r.study_id, r.number, r.status, r.invite_scope, r.deadline, r.reminder_days, r.show_groups,
		r.opened_at, r.closed_at, r.created_at FROM rounds r WHERE r.status = 'closed' AND r.closed_at < ?
		AND NOT EXISTS (SELECT 1 FROM round_results x WHERE x.round_id = r.id) ORDER BY r.id`, s.now().Add(-grace))
	return rs, wrap("closed rounds without results", err)
}

// DueRounds lists open rounds whose deadline has passed.
func (s *Store) DueRounds(ctx context.Context) ([]Round, error) {
	var rs []Round
	err := s.sel(ctx, &rs, `SELECT `+roundColumns+` FROM rounds r WHERE status = 'open' AND deadline IS NOT NULL AND deadline <= ?`, s.now())
	return rs, wrap("due rounds", err)
}

// RoundResults is the snapshot stored when a round closed.
type RoundResults struct {
	RoundID    int64     `db:"round_id"`
	ComputedAt time.Time `db:"computed_at"`
	Settings   string    `db:"settings"`
	Results    string    `db:"results"`
}

// roundResultsColumns are the columns of round_results that RoundResults
// maps, for a query that calls the table rr (see "Column lists" in
// store.go).
const roundResultsColumns = "rr.round_id, rr.computed_at, rr.settings, rr.results"

// RoundResultsByID returns a closed round's snapshot.
func (s *Store) RoundResultsByID(ctx context.Context, roundID int64) (RoundResults, error) {
	var rr RoundResults
	err := s.get(ctx, &rr, `SELECT `+roundResultsColumns+` FROM round_results rr WHERE round_id = ?`, roundID)
	return rr, wrap("round results", err)
}

// Decision is the proposal and the coordinator's decision for a statement.
type Decision struct {
	RoundStatementID int64         `db:"round_statement_id"`
	Proposed         string        `db:"proposed"`
	Decision         string        `db:"decision"`
	Reason           string        `db:"reason"`
	DecidedBy        sql.NullInt64 `db:"decided_by"`
	DecidedAt        time.Time     `db:"decided_at"`
}

// decisionColumns are the columns of decisions that Decision maps, for a
// query that calls the table d (see "Column lists" in store.go).
const decisionColumns = "d.round_statement_id, d.proposed, d.decision, d.reason, d.decided_by, d.decided_at"

// DecisionsByRound returns the decisions keyed by round statement.
func (s *Store) DecisionsByRound(ctx context.Context, roundID int64) (map[int64]Decision, error) {
	var ds []Decision
	err := s.sel(ctx, &ds, `SELECT `+decisionColumns+` FROM decisions d JOIN round_statements rs ON rs.id = d.round_statement_id WHERE rs.round_id = ?`, roundID)
	out := map[int64]Decision{}
	for _, d := range ds {
		out[d.RoundStatementID] = d
	}
	return out, wrap("decisions by round", err)
}

// ErrOverrideNeedsReason is returned when a decision departs from the
// rule's proposal without a reason.
var ErrOverrideNeedsReason = fault.New(fault.Invalid, "a decision that departs from the rule's proposal needs a reason")

// ErrDecisionsFinal is returned for a decision on a round whose next round
// exists: that round was built from the decisions.
var ErrDecisionsFinal = fault.New(fault.Conflict, "the next round already exists; decisions of this round are final")

// SetDecision records the coordinator's decision for a statement of a
// closed round; departing from the proposal needs a reason, and both are
// written to the audit log. Decisions are fixed once the next round exists.
func (s *Store) SetDecision(ctx context.Context, roundStatementID, userID int64, decision rounds.Proposal, reason string) error {
	return wrap("set decision", s.Transact(ctx, func(tx *Store) error {
		var d Decision
		if err := tx.get(ctx, &d, `SELECT `+decisionColumns+` FROM decisions d WHERE round_statement_id = ?`, roundStatementID); err != nil {
			return err
		}
		var rs struct {
			StudyID int64  `db:"study_id"`
			Number  int    `db:"number"`
			Text    string `db:"text"`
		}
		if err := tx.get(ctx, &rs, `SELECT r.study_id, r.number, x.text FROM round_statements x JOIN rounds r ON r.id = x.round_id WHERE x.id = ?`, roundStatementID); err != nil {
			return err
		}
		var later int
		if err := tx.get(ctx, &later, `SELECT COUNT(*) FROM rounds WHERE study_id = ? AND number > ?`, rs.StudyID, rs.Number); err != nil {
			return err
		}
		if later > 0 {
			return ErrDecisionsFinal
		}
		reason = strings.TrimSpace(reason)
		if string(decision) != d.Proposed && reason == "" {
			return ErrOverrideNeedsReason
		}
		if err := tx.execOne(ctx, `UPDATE decisions SET decision = ?, reason = ?, decided_by = ?, decided_at = ? WHERE round_statement_id = ?`,
			string(decision), reason, userID, tx.now(), roundStatementID); err != nil {
			return err
		}
		return tx.Audit(ctx, rs.StudyID, userID, "decide statement", fmt.Sprintf("round %d: %s", rs.Number, rs.Text), d.Decision, string(decision), reason)
	}))
}

// deadlineTables names a kind of round's tables: the rounds' own
// (rounds, reminders) or round 0's (idea_rounds, idea_reminders).
type deadlineTables struct{ rounds, reminders, roundID string }

var (
	roundDeadlineTables = deadlineTables{"rounds", "reminders", "round_id"}
	ideaDeadlineTables  = deadlineTables{"idea_rounds", "idea_reminders", "idea_round_id"}
)

// ChangeOpenDeadline moves an open round's deadline (later or earlier;
// the caller checks it is ahead) and sets its reminder days, in one
// transaction: the scheduled reminders not yet sent are planned again
// from the new deadline (those already past are left out, as at launch),
// and the change is audit-logged with the old and new deadline. A round
// that is not open is rounds.ErrRoundNotOpen.
func (s *Store) ChangeOpenDeadline(ctx context.Context, roundID, userID int64, deadline time.Time, reminderDays string) error {
	r, err := s.RoundByID(ctx, roundID)
	if err != nil {
		return wrap("change deadline", err)
	}
	return wrap("change deadline", s.changeOpenDeadline(ctx, roundDeadlineTables, r.StudyID, roundID, userID, fmt.Sprintf("round %d", r.Number), deadline, reminderDays))
}

// ChangeOpenIdeaDeadline is ChangeOpenDeadline for an open round 0.
func (s *Store) ChangeOpenIdeaDeadline(ctx context.Context, ideaRoundID, userID int64, deadline time.Time, reminderDays string) error {
	r, err := s.IdeaRoundByID(ctx, ideaRoundID)
	if err != nil {
		return wrap("change round 0 deadline", err)
	}
	return wrap("change round 0 deadline", s.changeOpenDeadline(ctx, ideaDeadlineTables, r.StudyID, ideaRoundID, userID, "round 0", deadline, reminderDays))
}

func (s *Store) changeOpenDeadline(ctx context.Context, t deadlineTables, studyID, roundID, userID int64, name string, deadline time.Time, reminderDays string) error {
	return s.Transact(ctx, func(tx *Store) error {
		if err := tx.lockStudy(ctx, studyID); err != nil {
			return err
		}
		var old struct {
			Deadline     sql.NullTime `db:"deadline"`
			ReminderDays string       `db:"reminder_days"`
		}
		if err := tx.get(ctx, &old, `SELECT deadline, reminder_days FROM `+t.rounds+` WHERE id = ? AND status = 'open'`, roundID); errors.Is(err, ErrNotFound) {
			return rounds.ErrRoundNotOpen
		} else if err != nil {
			return err
		}
		deadline = deadline.UTC()
		if err := tx.execOne(ctx, `UPDATE `+t.rounds+` SET deadline = ?, reminder_days = ? WHERE id = ? AND status = 'open'`, deadline, reminderDays, roundID); err != nil {
			return err
		}
		now := tx.now()
		if _, err := tx.exec(ctx, `DELETE FROM `+t.reminders+` WHERE `+t.roundID+` = ? AND done_at IS NULL`, roundID); err != nil {
			return err
		}
		for _, due := range reminderTimes(deadline, Round{ReminderDays: reminderDays}.Reminders(), now) {
			if _, err := tx.exec(ctx, `INSERT INTO `+t.reminders+` (`+t.roundID+`, due_at, created_at) VALUES (?, ?, ?)`, roundID, due, now); err != nil {
				return err
			}
		}
		oldText := ""
		if old.Deadline.Valid {
			oldText = old.Deadline.Time.UTC().Format(time.RFC3339)
		}
		if newText := deadline.Format(time.RFC3339); newText != oldText {
			if err := tx.Audit(ctx, studyID, userID, "change deadline", name+" deadline", oldText, newText, ""); err != nil {
				return err
			}
		}
		if old.ReminderDays != reminderDays {
			return tx.Audit(ctx, studyID, userID, "change deadline", name+" reminder days", old.ReminderDays, reminderDays, "")
		}
		return nil
	})
}

// PendingReminders lists when an open round's scheduled reminders not yet
// sent fall, in order (the round's page shows them).
func (s *Store) PendingReminders(ctx context.Context, roundID int64) ([]time.Time, error) {
	var ts []time.Time
	err := s.sel(ctx, &ts, `SELECT due_at FROM reminders WHERE round_id = ? AND done_at IS NULL ORDER BY due_at`, roundID)
	return ts, wrap("pending reminders", err)
}

// PendingIdeaReminders is PendingReminders for round 0.
func (s *Store) PendingIdeaReminders(ctx context.Context, ideaRoundID int64) ([]time.Time, error) {
	var ts []time.Time
	err := s.sel(ctx, &ts, `SELECT due_at FROM idea_reminders WHERE idea_round_id = ? AND done_at IS NULL ORDER BY due_at`, ideaRoundID)
	return ts, wrap("pending round 0 reminders", err)
}
