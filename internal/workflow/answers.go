package workflow

import (
	"context"
	"time"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Answer is an expert's answer to one statement, as their page sends it:
// a rating, "unable to rate", or neither, and a comment.
type Answer struct {
	RoundStatementID int64
	Rating           *int
	Unable           bool
	Comment          string
	// Extra: criteria 2 and 3, a numeric round's estimate (issue 17).
	Extra store.Extra
}

// AnswerChange is an answer from the page without JavaScript, with which
// of its two parts the page changed (the form carries the values it was
// shown with).
type AnswerChange struct {
	Answer
	Rated, Commented bool
	// Rated2, Rated3: the page changed the rating on criterion 2 or 3.
	Rated2, Rated3 bool
}

// SaveAnswer stores one answer; in a real-time study it records the
// revision too. (The classic autosave goes through the store's rating
// writer instead, which commits many experts' saves together.)
func (w *Service) SaveAnswer(ctx context.Context, v store.Visit, x Answer) error {
	return saveAnswer(ctx, w.store, v, x)
}

func saveAnswer(ctx context.Context, tx *store.Store, v store.Visit, x Answer) error {
	if err := CheckCriteria(v, x); err != nil {
		return err
	}
	if v.Study.Realtime() {
		return tx.SaveRealtimeRating(ctx, v.Invitation.ID, x.RoundStatementID, x.Rating, x.Unable, x.Comment)
	}
	return tx.SaveRating(ctx, v.Invitation.ID, x.RoundStatementID, x.Rating, x.Unable, x.Comment, x.Extra)
}

// QuestionAnswer is an expert's free-text answer to an open question of
// the round ("" removes it).
type QuestionAnswer struct {
	QuestionID int64
	Text       string
}

// SaveQuestionAnswer stores one answer to an open question: the page's
// autosave. The caller has checked its length (as a comment's).
func (w *Service) SaveQuestionAnswer(ctx context.Context, v store.Visit, q QuestionAnswer) error {
	return w.store.SaveQuestionAnswer(ctx, v.Invitation.ID, q.QuestionID, q.Text)
}

// SaveAnswerChanges saves what a whole form changed, in one transaction:
// only the parts the page changed are written, so a page left open on one
// device cannot wipe answers given meanwhile on another. The answers to
// open questions the page changed (questions) are saved with them.
func (w *Service) SaveAnswerChanges(ctx context.Context, v store.Visit, changes []AnswerChange, questions ...QuestionAnswer) error {
	return w.store.Transact(ctx, func(tx *store.Store) error {
		for _, q := range questions {
			if err := tx.SaveQuestionAnswer(ctx, v.Invitation.ID, q.QuestionID, q.Text); err != nil {
				return err
			}
		}
		stored, err := tx.RatingsByInvitation(ctx, v.Invitation.ID)
		if err != nil {
			return err
		}
		for _, ch := range changes {
			x, old := ch.Answer, stored[ch.RoundStatementID]
			if !ch.Rated { // keep the stored rating or estimate (criteria 2 and 3 below), change the comment
				x.Rating, x.Unable = nil, old.Unable
				x.Extra.Estimate, x.Extra.Confidence = old.Estimate, old.Confidence
				if old.Rating.Valid {
					r := int(old.Rating.Int64)
					x.Rating = &r
				}
			}
			if !ch.Commented {
				x.Comment = old.Comment
			}
			// Criteria 2 and 3, each kept as stored unless the page changed it.
			if !ch.Rated2 {
				x.Extra.Rating2, x.Extra.Unable2 = old.Rating2, old.Unable2
			}
			if !ch.Rated3 {
				x.Extra.Rating3, x.Extra.Unable3 = old.Rating3, old.Unable3
			}
			if err := saveAnswer(ctx, tx, v, x); err != nil {
				return err
			}
		}
		return nil
	})
}

// IncompleteError refuses a submission with statements unanswered in a
// study that requires every answer.
type IncompleteError struct{ Missing int }

func (e IncompleteError) Error() string {
	return "answer every statement before you submit; some are not answered yet"
}

// FaultKind makes it invalid input (package fault).
func (e IncompleteError) FaultKind() fault.Kind { return fault.Invalid }

// UnansweredError holds back a submission with statements unanswered
// until the expert confirms it (the page asks how many, and whether to
// submit anyway); a study that requires every answer refuses it instead
// (IncompleteError).
type UnansweredError struct{ Missing int }

func (e UnansweredError) Error() string {
	return "some statements are not answered yet; confirm to submit anyway"
}

// FaultKind makes it a conflict to resolve, not bad input (package fault).
func (e UnansweredError) FaultKind() fault.Kind { return fault.Conflict }

// SubmitAnswers submits an expert's answers to the round: refused once
// the round stopped accepting answers; with statements unanswered,
// refused when the study requires every answer (IncompleteError) and
// otherwise held back until the expert confirms (UnansweredError).
func (w *Service) SubmitAnswers(ctx context.Context, v store.Visit, now time.Time, confirmedUnanswered bool) error {
	if err := v.Round.Domain().AcceptsRatings(now); err != nil {
		return err
	}
	if v.Round.Kind == rounds.KindRanking {
		return w.submitRanking(ctx, v)
	}
	answered, total, err := w.store.AnswerCounts(ctx, v.Invitation.ID, v.Round.ID)
	if err != nil {
		return err
	}
	switch {
	case answered >= total:
	case v.Study.RequireAll:
		return IncompleteError{Missing: total - answered}
	case !confirmedUnanswered:
		return UnansweredError{Missing: total - answered}
	}
	return w.store.SubmitInvitation(ctx, v.Invitation.ID)
}
