package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/delphi-platform/delphi/rounds"
)

// Real-time mode (issue #8): the study's mode, every answer change with
// whether the expert had seen the group's figures, and snapshots of the
// analysis at chosen moments.

// Realtime tells whether the study runs in real-time mode.
func (st Study) Realtime() bool { return rounds.Mode(st.Mode) == rounds.ModeRealtime }

// SetStudyMode chooses classic or real-time mode. Like the consensus
// definition it is chosen before round 1; unlike it, it can never change
// afterwards (rounds.ErrModeLocked), since the data collected differ.
func (s *Store) SetStudyMode(ctx context.Context, studyID, userID int64, mode rounds.Mode) error {
	return wrap("set study mode", s.Transact(ctx, func(tx *Store) error {
		if err := tx.lockStudy(ctx, studyID); err != nil {
			return err
		}
		old, err := tx.StudyByID(ctx, studyID)
		if err != nil {
			return err
		}
		if old.Mode == string(mode) {
			return nil
		}
		if old.Locked() {
			return rounds.ErrModeLocked
		}
		if err := tx.execOne(ctx, `UPDATE studies SET mode = ?, updated_at = ? WHERE id = ?`, string(mode), tx.now(), studyID); err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, userID, "edit settings", "mode", old.Mode, string(mode), "")
	}))
}

// SaveRealtimeRating saves an answer in a real-time round as SaveRating
// does and, when the rating changed (not only the comment), records the
// revision: in the same transaction, with whether the group's figures were
// on the expert's page at the time (rounds.ShowsGroup).
func (s *Store) SaveRealtimeRating(ctx context.Context, invitationID, roundStatementID int64, rating *int, unable bool, comment string) error {
	return wrap("save realtime rating", s.Transact(ctx, func(tx *Store) error {
		// One expert's saves in turn, so each revision follows the one
		// before (SQLite's write transactions already are in turn).
		if tx.dialect == Postgres {
			var id int64
			if err := tx.get(ctx, &id, `SELECT id FROM invitations WHERE id = ? FOR UPDATE`, invitationID); err != nil {
				return err
			}
		}
		var prev Rating
		err := tx.get(ctx, &prev, `SELECT `+ratingColumns+` FROM ratings r WHERE invitation_id = ? AND round_statement_id = ?`, invitationID, roundStatementID)
		if err != nil && err != ErrNotFound {
			return err
		}
		var others int
		if err := tx.get(ctx, &others, `SELECT COUNT(*) FROM ratings WHERE round_statement_id = ? AND invitation_id <> ? AND rating IS NOT NULL`,
			roundStatementID, invitationID); err != nil {
			return err
		}
		if err := tx.SaveRating(ctx, invitationID, roundStatementID, rating, unable, comment, Extra{}); err != nil {
			return err
		}
		before := answerOfRating(prev)
		after := rounds.Answer{Unable: unable}
		if rating != nil && !unable {
			after.Rating = rating
		}
		if before.Same(after) {
			return nil
		}
		var r sql.NullInt64
		if after.Rating != nil {
			r = sql.NullInt64{Int64: int64(*after.Rating), Valid: true}
		}
		_, err = tx.exec(ctx, `INSERT INTO rating_revisions (invitation_id, round_statement_id, rating, unable, saw_group, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, invitationID, roundStatementID, r, after.Unable, rounds.ShowsGroup(before.Given(), others), tx.now())
		return err
	}))
}

func answerOfRating(r Rating) rounds.Answer {
	a := rounds.Answer{Unable: r.Unable}
	if r.Rating.Valid {
		x := int(r.Rating.Int64)
		a.Rating = &x
	}
	return a
}

// RevisionRow is one stored revision with its expert.
type RevisionRow struct {
	ID               int64         `db:"id"`
	InvitationID     int64         `db:"invitation_id"`
	RoundStatementID int64         `db:"round_statement_id"`
	Rating           sql.NullInt64 `db:"rating"`
	Unable           bool          `db:"unable"`
	SawGroup         bool          `db:"saw_group"`
	CreatedAt        time.Time     `db:"created_at"`
	ExpertID         int64         `db:"expert_id"`
}

// revisionColumns are the columns of rating_revisions that RevisionRow maps
// (expert_id comes from a join, not from the table), for a query that calls
// the table v (see "Column lists" in store.go).
const revisionColumns = "v.id, v.invitation_id, v.round_statement_id, v.rating, v.unable, v.saw_group, v.created_at"

// Domain converts the row for the rounds package.
func (r RevisionRow) Domain() rounds.Revision {
	return rounds.Revision{Expert: r.ExpertID, Statement: r.RoundStatementID, SawGroup: r.SawGroup, At: r.CreatedAt,
		Answer: answerOfRating(Rating{Rating: r.Rating, Unable: r.Unable})}
}

// RevisionsByRound returns every answer change of a round in time order.
func (s *Store) RevisionsByRound(ctx context.Context, roundID int64) ([]RevisionRow, error) {
	var rs []RevisionRow
	err := s.sel(ctx, &rs, `SELECT `+revisionColumns+`, i.expert_id FROM rating_revisions v JOIN invitations i ON i.id = v.invitation_id
		WHERE i.round_id = ? ORDER BY v.created_at, v.id`, roundID)
	return rs, wrap("revisions by round", err)
}

// Snapshot is the analysis of a real-time round at one moment.
type Snapshot struct {
	ID      int64     `db:"id"`
	RoundID int64     `db:"round_id"`
	Kind    string    `db:"kind"` // daily, close, manual
	Label   string    `db:"label"`
	TakenAt time.Time `db:"taken_at"`
	Results string    `db:"results"` // JSON: report.RoundReport
}

// snapshotColumns are the columns of realtime_snapshots that Snapshot maps,
// for a query that calls the table sn (see "Column lists" in store.go).
const snapshotColumns = "sn.id, sn.round_id, sn.kind, sn.label, sn.taken_at, sn.results"

// Snapshot kinds.
const (
	SnapshotDaily  = "daily"
	SnapshotClose  = "close"
	SnapshotManual = "manual"
)

// AddSnapshot stores a snapshot unless one with the same label exists
// (a daily snapshot taken by two instances is stored once); it tells
// whether it stored it.
func (s *Store) AddSnapshot(ctx context.Context, sn Snapshot) (bool, error) {
	switch sn.Kind {
	case SnapshotDaily, SnapshotClose, SnapshotManual:
	default:
		return false, fmt.Errorf("store: add snapshot: kind %q is not daily, close or manual", sn.Kind)
	}
	res, err := s.exec(ctx, `INSERT INTO realtime_snapshots (round_id, kind, label, taken_at, results) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (round_id, label) DO NOTHING`, sn.RoundID, sn.Kind, sn.Label, sn.TakenAt.UTC(), sn.Results)
	if err != nil {
		return false, wrap("add snapshot", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SnapshotsByRound lists a round's snapshots in time order.
func (s *Store) SnapshotsByRound(ctx context.Context, roundID int64) ([]Snapshot, error) {
	var ss []Snapshot
	err := s.sel(ctx, &ss, `SELECT `+snapshotColumns+` FROM realtime_snapshots sn WHERE round_id = ? ORDER BY taken_at, id`, roundID)
	return ss, wrap("snapshots by round", err)
}

// OpenRealtimeRounds lists the open rounds of real-time studies, for the
// daily snapshot job.
func (s *Store) OpenRealtimeRounds(ctx context.Context) ([]Round, error) {
	var rs []Round
	err := s.sel(ctx, &rs, `SELECT `+roundColumns+` FROM rounds r JOIN studies st ON st.id = r.study_id
		WHERE r.status = 'open' AND st.mode = 'realtime' ORDER BY r.id`)
	return rs, wrap("open realtime rounds", err)
}

// AnswerTally is how many experts gave one answer to one statement.
type AnswerTally struct {
	RoundStatementID int64
	Rating           sql.NullInt64
	Unable           bool
	N                int
}

// RoundAnswerTallies counts a round's current answers (ratings and
// "unable") per statement and answer: what the live figures need, in as
// many rows as answers on the scale, whatever the panel's size.
func (s *Store) RoundAnswerTallies(ctx context.Context, roundID int64) ([]AnswerTally, error) {
	return s.tallies(ctx, `SELECT x.round_statement_id, x.rating, x.unable, COUNT(*)
		FROM ratings x JOIN round_statements rs ON rs.id = x.round_statement_id
		WHERE rs.round_id = ? AND (x.rating IS NOT NULL OR x.unable) GROUP BY x.round_statement_id, x.rating, x.unable`, roundID)
}

// StatementAnswerTallies counts one round statement's current answers.
func (s *Store) StatementAnswerTallies(ctx context.Context, roundStatementID int64) ([]AnswerTally, error) {
	return s.tallies(ctx, `SELECT round_statement_id, rating, unable, COUNT(*) FROM ratings
		WHERE round_statement_id = ? AND (rating IS NOT NULL OR unable) GROUP BY round_statement_id, rating, unable`, roundStatementID)
}

func (s *Store) tallies(ctx context.Context, query string, id int64) ([]AnswerTally, error) {
	rows, err := s.q.QueryContext(ctx, s.rebind(query), id)
	if err != nil {
		return nil, wrap("round answer tallies", err)
	}
	defer rows.Close()
	var out []AnswerTally
	for rows.Next() {
		var t AnswerTally
		if err := rows.Scan(&t.RoundStatementID, &t.Rating, &t.Unable, &t.N); err != nil {
			return nil, wrap("round answer tallies", err)
		}
		out = append(out, t)
	}
	return out, wrap("round answer tallies", rows.Err())
}
