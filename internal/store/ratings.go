package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/delphi-platform/delphi/rounds"
	"github.com/lib/pq"
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
	Extra
}

// Extra is the part of an answer beyond criterion 1's rating (issue 17):
// criteria 2 and 3 of a study that has them, and a numeric round's
// estimate with the expert's confidence (1–5). In a ranking round Rating
// holds the rank (1 first) and Extra is empty.
type Extra struct {
	Rating2    sql.NullInt64   `db:"rating2"`
	Unable2    bool            `db:"unable2"`
	Rating3    sql.NullInt64   `db:"rating3"`
	Unable3    bool            `db:"unable3"`
	Estimate   sql.NullFloat64 `db:"estimate"`
	Confidence sql.NullInt64   `db:"confidence"`
}

// ratingColumns are the columns of ratings that Rating maps, for a query
// that calls the table r (see "Column lists" in store.go).
const ratingColumns = "r.invitation_id, r.round_statement_id, r.rating, r.unable, r.comment, r.comment_shown, r.updated_at, r.rating2, r.unable2, r.rating3, r.unable3, r.estimate, r.confidence"

// Answered tells whether the expert gave a rating or said unable to rate.
func (r Rating) Answered() bool { return r.Rating.Valid || r.Unable }

// SaveRating stores an expert's answer, replacing any earlier one for the
// statement (last write wins); the first answer marks the invitation as
// started (a trigger, migration 0007). A nil
// rating with unable false and an empty comment clears the answer.
//
// The write itself checks, in the same statement, that the statement
// belongs to the invitation's round and that the round is open and not
// past its deadline, so a save racing the round's closing either commits
// before the close does, and is in its results, or is refused
// (rounds.ErrRoundClosed); it is never acknowledged and then left out.
// How the two are kept in order on each engine: openRoundLock.
//
// extra holds the other criteria's ratings and a numeric round's estimate
// (the zero Extra for a plain rating); it replaces the stored one whole.
func (s *Store) SaveRating(ctx context.Context, invitationID, roundStatementID int64, rating *int, unable bool, comment string, extra Extra) error {
	written, err := s.upsertRating(ctx, newAnswer(invitationID, roundStatementID, rating, unable, comment, extra), s.now())
	if err != nil {
		return wrap("save rating", err)
	}
	if !written {
		return wrap("save rating", s.whyNotSaved(ctx, invitationID, roundStatementID))
	}
	return nil // the first answer marks the invitation started (trigger ratings_mark_started)
}

// answer is one answer to write: SaveRating's arguments.
type answer struct {
	invitationID, roundStatementID int64
	rating                         sql.NullInt64
	unable                         bool
	comment                        string
	extra                          Extra
}

func newAnswer(invitationID, roundStatementID int64, rating *int, unable bool, comment string, extra Extra) answer {
	a := answer{invitationID: invitationID, roundStatementID: roundStatementID, unable: unable, comment: comment, extra: extra}
	if rating != nil && !unable {
		a.rating = sql.NullInt64{Int64: int64(*rating), Valid: true}
	}
	return a
}

// upsertRating writes one answer if the rules allow it (see SaveRating)
// and tells whether they did.
func (s *Store) upsertRating(ctx context.Context, a answer, now time.Time) (bool, error) {
	// One statement, so no transaction of its own (inside one it joins it).
	x := a.extra
	res, err := s.exec(ctx, `INSERT INTO ratings (invitation_id, round_statement_id, rating, unable, comment, updated_at,
			rating2, unable2, rating3, unable3, estimate, confidence)
		SELECT i.id, rs.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
		FROM invitations i JOIN rounds r ON r.id = i.round_id JOIN round_statements rs ON rs.round_id = r.id
		WHERE i.id = ? AND rs.id = ? AND i.revoked_at IS NULL AND r.status = 'open' AND (r.deadline IS NULL OR r.deadline > ?)`+
		s.openRoundLock()+`
		ON CONFLICT (invitation_id, round_statement_id) DO UPDATE
		SET rating = excluded.rating, unable = excluded.unable, comment = excluded.comment, updated_at = excluded.updated_at,
			rating2 = excluded.rating2, unable2 = excluded.unable2, rating3 = excluded.rating3, unable3 = excluded.unable3,
			estimate = excluded.estimate, confidence = excluded.confidence`,
		a.rating, a.unable, a.comment, now, x.Rating2, x.Unable2, x.Rating3, x.Unable3, x.Estimate, x.Confidence,
		a.invitationID, a.roundStatementID, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// openRoundLock is what a write that requires an open round adds to the
// query that reads the round (aliased r), so that the write and the
// round's closing (CloseRound) happen one after the other, never
// interleaved: a write the close does not see must not be acknowledged.
//
// SQLite has one writer at a time, and a writer takes the lock before it
// reads anything (transactions begin IMMEDIATE, see Open; a lone writing
// statement locks at its first step), so its check reads the round as the
// last committed transaction left it, and a close that commits later
// finds the write already committed. Nothing to add.
//
// PostgreSQL runs writers at once, and under READ COMMITTED a statement
// reads a snapshot taken when it began: a save could find the round open,
// and commit after the close has read the answers. So the write takes a
// FOR KEY SHARE lock on the round's row, held until its transaction
// commits, and the close takes FOR UPDATE on it (lockRound), the one mode
// that conflicts: the close waits for every write that found the round
// open, and a write that reaches the row after the close locked it waits
// for the close to commit, then checks the row's new version (PostgreSQL
// re-evaluates the WHERE clause on it), finds the round closed and writes
// nothing. KEY SHARE, the weakest lock, leaves every other change to the
// round's row (a plain UPDATE takes FOR NO KEY UPDATE) unblocked, and
// concurrent writers do not block each other.
func (s *Store) openRoundLock() string {
	if s.dialect == Postgres {
		return " FOR KEY SHARE OF r"
	}
	return ""
}

// saveAnswers writes a batch of answers, at most one per invitation and
// statement, all or none, and tells which of them the rules allowed (the
// others: whyNotSaved). On PostgreSQL the batch is one statement, since
// every statement there is a round trip to the server; SQLite runs in the
// process, where one prepared statement per answer in one transaction
// costs about the same and is the code SaveRating runs.
func (s *Store) saveAnswers(ctx context.Context, as []answer) ([]bool, error) {
	written := make([]bool, len(as))
	now := s.now()
	if s.dialect != Postgres {
		err := s.Transact(ctx, func(tx *Store) error {
			for i, a := range as {
				var err error
				if written[i], err = tx.upsertRating(ctx, a, now); err != nil {
					return err
				}
			}
			return nil
		})
		return written, wrap("save answers", err)
	}
	invs, rss := make([]int64, len(as)), make([]int64, len(as))
	ratings, unables, comments := make([]sql.NullInt64, len(as)), make([]bool, len(as)), make([]string, len(as))
	ratings2, unables2, ratings3, unables3 := make([]sql.NullInt64, len(as)), make([]bool, len(as)), make([]sql.NullInt64, len(as)), make([]bool, len(as))
	estimates, confidences := make([]sql.NullFloat64, len(as)), make([]sql.NullInt64, len(as))
	at := make(map[[2]int64]int, len(as))
	for i, a := range as {
		invs[i], rss[i], ratings[i], unables[i], comments[i] = a.invitationID, a.roundStatementID, a.rating, a.unable, a.comment
		x := a.extra
		ratings2[i], unables2[i], ratings3[i], unables3[i], estimates[i], confidences[i] = x.Rating2, x.Unable2, x.Rating3, x.Unable3, x.Estimate, x.Confidence
		at[[2]int64{a.invitationID, a.roundStatementID}] = i
	}
	// The same checks and lock as upsertRating's, for every row of the arrays.
	var rows []struct {
		InvitationID     int64 `db:"invitation_id"`
		RoundStatementID int64 `db:"round_statement_id"`
	}
	err := s.sel(ctx, &rows, `INSERT INTO ratings (invitation_id, round_statement_id, rating, unable, comment, updated_at,
			rating2, unable2, rating3, unable3, estimate, confidence)
		SELECT i.id, rs.id, a.rating, a.unable, a.comment, CAST(? AS timestamptz),
			a.rating2, a.unable2, a.rating3, a.unable3, a.estimate, a.confidence
		FROM unnest(CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS integer[]), CAST(? AS boolean[]), CAST(? AS text[]),
			CAST(? AS integer[]), CAST(? AS boolean[]), CAST(? AS integer[]), CAST(? AS boolean[]), CAST(? AS double precision[]), CAST(? AS integer[]))
			AS a(invitation_id, round_statement_id, rating, unable, comment, rating2, unable2, rating3, unable3, estimate, confidence)
		JOIN invitations i ON i.id = a.invitation_id JOIN rounds r ON r.id = i.round_id
		JOIN round_statements rs ON rs.id = a.round_statement_id AND rs.round_id = r.id
		WHERE i.revoked_at IS NULL AND r.status = 'open' AND (r.deadline IS NULL OR r.deadline > ?)
		FOR KEY SHARE OF r
		ON CONFLICT (invitation_id, round_statement_id) DO UPDATE
		SET rating = excluded.rating, unable = excluded.unable, comment = excluded.comment, updated_at = excluded.updated_at,
			rating2 = excluded.rating2, unable2 = excluded.unable2, rating3 = excluded.rating3, unable3 = excluded.unable3,
			estimate = excluded.estimate, confidence = excluded.confidence
		RETURNING invitation_id, round_statement_id`,
		now, pq.Array(invs), pq.Array(rss), pq.Array(ratings), pq.Array(unables), pq.Array(comments),
		pq.Array(ratings2), pq.Array(unables2), pq.Array(ratings3), pq.Array(unables3), pq.Array(estimates), pq.Array(confidences), now)
	for _, r := range rows {
		written[at[[2]int64{r.InvitationID, r.RoundStatementID}]] = true
	}
	return written, wrap("save answers", err)
}

// whyNotSaved tells a refused save's reason: the round no longer accepts
// ratings, or the statement is not part of it.
func (s *Store) whyNotSaved(ctx context.Context, invitationID, roundStatementID int64) error {
	var n int
	err := s.get(ctx, &n, `SELECT COUNT(*) FROM invitations i JOIN round_statements rs ON rs.round_id = i.round_id
		WHERE i.id = ? AND rs.id = ? AND i.revoked_at IS NULL`, invitationID, roundStatementID)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return rounds.ErrRoundClosed
}

// PreviousRatings returns an expert's answers to the statements that the
// given round's statements continue (previous_id), keyed by that earlier
// round statement: what the expert rated before, for the feedback.
func (s *Store) PreviousRatings(ctx context.Context, expertID, roundID int64) (map[int64]Rating, error) {
	var rs []Rating
	err := s.sel(ctx, &rs, `SELECT `+ratingColumns+` FROM ratings r JOIN invitations i ON i.id = r.invitation_id
		WHERE i.expert_id = ? AND r.round_statement_id IN
			(SELECT previous_id FROM round_statements WHERE round_id = ? AND previous_id IS NOT NULL)`, expertID, roundID)
	out := make(map[int64]Rating, len(rs))
	for _, r := range rs {
		out[r.RoundStatementID] = r
	}
	return out, wrap("previous ratings", err)
}

// RatingsByInvitation returns one expert's answers in a round, by round statement.
func (s *Store) RatingsByInvitation(ctx context.Context, invitationID int64) (map[int64]Rating, error) {
	var rs []Rating
	err := s.sel(ctx, &rs, `SELECT `+ratingColumns+` FROM ratings r WHERE invitation_id = ?`, invitationID)
	out := make(map[int64]Rating, len(rs))
	for _, r := range rs {
		out[r.RoundStatementID] = r
	}
	return out, wrap("ratings by invitation", err)
}

// CommentsByRound returns the answers of a round that carry a comment,
// with who gave them: in a large round most answers have none, so this
// reads far fewer rows than RatingsByRound.
func (s *Store) CommentsByRound(ctx context.Context, roundID int64) ([]RoundRating, error) {
	var rs []RoundRating
	err := s.sel(ctx, &rs, `SELECT `+ratingColumns+`, i.expert_id, e.stakeholder_group, e.country, i.submitted_at
		FROM ratings r JOIN invitations i ON i.id = r.invitation_id JOIN experts e ON e.id = i.expert_id
		WHERE i.round_id = ? AND r.comment <> '' ORDER BY r.round_statement_id, i.expert_id`, roundID)
	return rs, wrap("comments by round", err)
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
	err := s.sel(ctx, &rs, `SELECT `+ratingColumns+`, i.expert_id, e.stakeholder_group, e.country, i.submitted_at
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

// AnsweredCounts returns, for each invitation, how many statements it has
// answered (a rating or "unable"): one query for a batch of saves.
func (s *Store) AnsweredCounts(ctx context.Context, invitationIDs []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(invitationIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		InvitationID int64 `db:"invitation_id"`
		N            int   `db:"n"`
	}
	ids, arg := s.idSet(invitationIDs)
	err := s.sel(ctx, &rows, `SELECT r.invitation_id, COUNT(*) AS n FROM ratings r
		JOIN invitations i ON i.id = r.invitation_id JOIN rounds ro ON ro.id = i.round_id JOIN studies s ON s.id = ro.study_id
		WHERE r.invitation_id IN (`+ids+`) AND `+answeredCondition+` GROUP BY r.invitation_id`, arg)
	for _, r := range rows {
		out[r.InvitationID] = r.N
	}
	return out, wrap("answered counts", err)
}

// AnsweredCount returns how many statements an invitation has answered.
func (s *Store) AnsweredCount(ctx context.Context, invitationID int64) (int, error) {
	counts, err := s.AnsweredCounts(ctx, []int64{invitationID})
	return counts[invitationID], err
}

// StatementCount returns how many statements a round presents (fixed once
// the round is created).
func (s *Store) StatementCount(ctx context.Context, roundID int64) (int, error) {
	var n int
	err := s.get(ctx, &n, `SELECT COUNT(*) FROM round_statements WHERE round_id = ?`, roundID)
	return n, wrap("statement count", err)
}
