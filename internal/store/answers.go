package store

import (
	"context"
	"database/sql"
	"strings"
)

// Answer is one submitted answer, as the results and exports read it.
type Answer struct {
	ExpertID         int64
	RoundStatementID int64
	Rating           sql.NullInt64
	Unable           bool
	Comment          string
	CommentShown     bool // chosen for the next round's feedback
	Extra                 // criteria 2 and 3, a numeric round's estimate
}

// ForEachAnswer calls fn with every answer of the experts who submitted a
// round, without holding them all in memory: the results of a large study
// read millions of rows. With ordered, answers come by round statement and
// expert pseudonym (the questionnaire's order, for exports); otherwise in whatever
// order is fastest. An error from fn stops the loop and is returned.
func (s *Store) ForEachAnswer(ctx context.Context, roundID int64, ordered bool, fn func(Answer) error) error {
	return s.forEachAnswer(ctx, roundID, true, ordered, fn)
}

// ForEachCurrentAnswer is ForEachAnswer over every answer given, submitted
// or not: the state of a real-time round, where nobody submits.
func (s *Store) ForEachCurrentAnswer(ctx context.Context, roundID int64, ordered bool, fn func(Answer) error) error {
	return s.forEachAnswer(ctx, roundID, false, ordered, fn)
}

func (s *Store) forEachAnswer(ctx context.Context, roundID int64, submittedOnly, ordered bool, fn func(Answer) error) error {
	q := `SELECT i.expert_id, r.round_statement_id, r.rating, r.unable, r.comment, r.comment_shown,
		r.rating2, r.unable2, r.rating3, r.unable3, r.estimate, r.confidence
		FROM invitations i JOIN ratings r ON r.invitation_id = i.id
		WHERE i.round_id = ?`
	if submittedOnly {
		q += ` AND i.submitted_at IS NOT NULL`
	}
	if ordered {
		// By pseudonym, not by id: the rows' order must not tell the order
		// in which experts joined the panel either.
		q = strings.Replace(q, "WHERE i.round_id", "JOIN experts e ON e.id = i.expert_id WHERE i.round_id", 1) +
			` ORDER BY r.round_statement_id, e.pseudonym, i.expert_id`
	}
	rows, err := s.q.QueryContext(ctx, s.rebind(q), roundID)
	if err != nil {
		return wrap("answers", err)
	}
	defer rows.Close()
	var a Answer
	for rows.Next() {
		if err := rows.Scan(&a.ExpertID, &a.RoundStatementID, &a.Rating, &a.Unable, &a.Comment, &a.CommentShown,
			&a.Rating2, &a.Unable2, &a.Rating3, &a.Unable3, &a.Estimate, &a.Confidence); err != nil {
			return wrap("answers", err)
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return wrap("answers", rows.Err())
}
