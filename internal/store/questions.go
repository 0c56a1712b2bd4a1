package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/delphi-platform/delphi/rounds"
)

// RoundQuestion is an open question of a round ("What would change your
// rating?"), answered in free text after the statements. Text is in the
// study's main language; its translations are study texts named
// "question.<id>".
type RoundQuestion struct {
	ID          int64  `db:"id"`
	RoundID     int64  `db:"round_id"`
	Position    int    `db:"position"`
	Text        string `db:"text"`
	ShowToPanel bool   `db:"show_to_panel"` // answers shown, anonymised, to the next round's experts
}

// QuestionTextName is the study text holding a question's translations.
func QuestionTextName(questionID int64) string {
	return "question." + strconv.FormatInt(questionID, 10)
}

// NewRoundQuestion is an open question as a coordinator writes it.
type NewRoundQuestion struct {
	Text        string `json:"text"`
	ShowToPanel bool   `json:"show_to_panel"`
}

const roundQuestionColumns = "q.id, q.round_id, q.position, q.text, q.show_to_panel"

// RoundQuestions returns a round's open questions in order.
func (s *Store) RoundQuestions(ctx context.Context, roundID int64) ([]RoundQuestion, error) {
	var qs []RoundQuestion
	err := s.sel(ctx, &qs, `SELECT `+roundQuestionColumns+` FROM round_questions q WHERE q.round_id = ? ORDER BY q.position`, roundID)
	return qs, wrap("round questions", err)
}

// SetRoundQuestions replaces a draft round's open questions with qs, in
// order. A question keeps its id (and so its translations) where its
// position stays; those removed lose their translations too. A round that
// is not a draft is refused (rounds.ErrRoundNotDraft): its questions are
// fixed once experts may answer them.
func (s *Store) SetRoundQuestions(ctx context.Context, roundID int64, qs []NewRoundQuestion) error {
	return wrap("set round questions", s.Transact(ctx, func(tx *Store) error {
		var r struct {
			StudyID int64  `db:"study_id"`
			Status  string `db:"status"`
		}
		if err := tx.get(ctx, &r, `SELECT study_id, status FROM rounds WHERE id = ?`, roundID); err != nil {
			return err
		}
		if r.Status != string(rounds.Draft) {
			return rounds.ErrRoundNotDraft
		}
		old, err := tx.RoundQuestions(ctx, roundID)
		if err != nil {
			return err
		}
		for i, q := range qs {
			if i < len(old) {
				if _, err := tx.exec(ctx, `UPDATE round_questions SET text = ?, show_to_panel = ? WHERE id = ?`, q.Text, q.ShowToPanel, old[i].ID); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.insert(ctx, `INSERT INTO round_questions (round_id, position, text, show_to_panel) VALUES (?, ?, ?, ?)`,
				roundID, i+1, q.Text, q.ShowToPanel); err != nil {
				return err
			}
		}
		for _, q := range old[min(len(qs), len(old)):] {
			if _, err := tx.exec(ctx, `DELETE FROM study_texts WHERE study_id = ? AND name = ?`, r.StudyID, QuestionTextName(q.ID)); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `DELETE FROM round_questions WHERE id = ?`, q.ID); err != nil {
				return err
			}
		}
		return nil
	}))
}

// SaveQuestionAnswer stores an expert's answer to an open question,
// replacing any earlier one; an empty text removes it. Like SaveRating,
// the write checks in the same statement that the question belongs to the
// invitation's round and that the round accepts answers, and takes the
// same lock (openRoundLock), so an answer racing the close is either kept
// or refused (rounds.ErrRoundClosed), never acknowledged and then lost.
func (s *Store) SaveQuestionAnswer(ctx context.Context, invitationID, questionID int64, text string) error {
	now := s.now()
	var res sql.Result
	var err error
	if text == "" {
		res, err = s.exec(ctx, `DELETE FROM question_answers WHERE invitation_id = ? AND question_id = ?
			AND EXISTS (SELECT 1 FROM invitations i JOIN rounds r ON r.id = i.round_id
				WHERE i.id = question_answers.invitation_id AND i.revoked_at IS NULL AND r.status = 'open' AND (r.deadline IS NULL OR r.deadline > ?)`+s.openRoundLock()+`)`,
			invitationID, questionID, now)
	} else {
		res, err = s.exec(ctx, `INSERT INTO question_answers (invitation_id, question_id, text, updated_at)
			SELECT i.id, q.id, ?, ?
			FROM invitations i JOIN rounds r ON r.id = i.round_id JOIN round_questions q ON q.round_id = r.id
			WHERE i.id = ? AND q.id = ? AND i.revoked_at IS NULL AND r.status = 'open' AND (r.deadline IS NULL OR r.deadline > ?)`+
			s.openRoundLock()+`
			ON CONFLICT (invitation_id, question_id) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`,
			text, now, invitationID, questionID, now)
	}
	if err != nil {
		return wrap("save question answer", err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return wrap("save question answer", err)
	}
	// Nothing written: a question not of this round, a closed round, or
	// (removing) no answer to remove.
	var open struct {
		Known int `db:"known"`
		Open  int `db:"open"`
	}
	if err := s.get(ctx, &open, `SELECT COUNT(*) AS known, COALESCE(SUM(CASE WHEN r.status = 'open' AND (r.deadline IS NULL OR r.deadline > ?) THEN 1 ELSE 0 END), 0) AS open
		FROM invitations i JOIN rounds r ON r.id = i.round_id JOIN round_questions q ON q.round_id = i.round_id
		WHERE i.id = ? AND q.id = ? AND i.revoked_at IS NULL`, now, invitationID, questionID); err != nil {
		return wrap("save question answer", err)
	}
	switch {
	case open.Known == 0:
		return wrap("save question answer", ErrNotFound)
	case open.Open == 0:
		return wrap("save question answer", rounds.ErrRoundClosed)
	}
	return nil // removing an answer that was not there
}

// QuestionAnswersByInvitation returns one expert's answers in a round, by question id.
func (s *Store) QuestionAnswersByInvitation(ctx context.Context, invitationID int64) (map[int64]string, error) {
	var rows []struct {
		QuestionID int64  `db:"question_id"`
		Text       string `db:"text"`
	}
	err := s.sel(ctx, &rows, `SELECT question_id, text FROM question_answers WHERE invitation_id = ?`, invitationID)
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.QuestionID] = r.Text
	}
	return out, wrap("question answers by invitation", err)
}

// OpenAnswer is one answer to an open question with who gave it, by
// pseudonym only: nobody reading answers needs a name or an address.
type OpenAnswer struct {
	QuestionID      int64        `db:"question_id"`
	ExpertID        int64        `db:"expert_id"`
	PseudonymNumber int          `db:"pseudonym"`
	Text            string       `db:"text"`
	UpdatedAt       time.Time    `db:"updated_at"`
	Submitted       sql.NullTime `db:"submitted_at"`
}

// Pseudonym is the answering expert's code (E417).
func (a OpenAnswer) Pseudonym() string { return PseudonymCode(a.PseudonymNumber) }

// OpenAnswersByRound returns every answer to a round's open questions,
// submitted or not (submittedOnly: only of those who submitted), by
// question and pseudonym.
func (s *Store) OpenAnswersByRound(ctx context.Context, roundID int64, submittedOnly bool) ([]OpenAnswer, error) {
	q := `SELECT a.question_id, i.expert_id, COALESCE(e.pseudonym, 0) AS pseudonym, a.text, a.updated_at, i.submitted_at
		FROM question_answers a JOIN invitations i ON i.id = a.invitation_id JOIN experts e ON e.id = i.expert_id
		JOIN round_questions q ON q.id = a.question_id
		WHERE i.round_id = ?`
	if submittedOnly {
		q += ` AND i.submitted_at IS NOT NULL`
	}
	var out []OpenAnswer
	err := s.sel(ctx, &out, q+` ORDER BY q.position, e.pseudonym, i.expert_id`, roundID)
	return out, wrap("open answers by round", err)
}

// StudyQuestion is an open question with its round's number.
type StudyQuestion struct {
	RoundQuestion
	RoundNumber int `db:"round_number"`
}

// RoundQuestionsByStudy returns the open questions of every round of a
// study, by round and position: what the translation sheet lists.
func (s *Store) RoundQuestionsByStudy(ctx context.Context, studyID int64) ([]StudyQuestion, error) {
	var qs []StudyQuestion
	err := s.sel(ctx, &qs, `SELECT `+roundQuestionColumns+`, r.number AS round_number
		FROM round_questions q JOIN rounds r ON r.id = q.round_id WHERE r.study_id = ? ORDER BY r.number, q.position`, studyID)
	return qs, wrap("round questions by study", err)
}
