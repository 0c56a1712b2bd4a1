package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/delphi-platform/delphi/rounds"
)

// Round 0 (idea generation, issue #8). It precedes the numbered rounds and
// has tables of its own (migration 0006): questions per topic, personal
// links, the experts' proposals with the coordinator's themes and merges,
// and the links from statements to the proposals they were written from.

// IdeaRound is a study's round 0.
type IdeaRound struct {
	ID        int64         `db:"id"`
	StudyID   int64         `db:"study_id"`
	Status    rounds.Status `db:"status"`
	Deadline  sql.NullTime  `db:"deadline"`
	OpenedAt  sql.NullTime  `db:"opened_at"`
	ClosedAt  sql.NullTime  `db:"closed_at"`
	CreatedAt time.Time     `db:"created_at"`
	// ReminderDays: reminders this many days before the deadline ("7,2").
	ReminderDays string `db:"reminder_days"`
}

// ideaRoundColumns are the columns of idea_rounds that IdeaRound maps, for a
// query that calls the table r (see "Column lists" in store.go).
const ideaRoundColumns = "r.id, r.study_id, r.status, r.deadline, r.opened_at, r.closed_at, r.created_at, r.reminder_days"

// Reminders parses ReminderDays.
func (r IdeaRound) Reminders() []int { return Round{ReminderDays: r.ReminderDays}.Reminders() }

// Domain returns the lifecycle state; round 0 follows the rules of any round.
func (r IdeaRound) Domain() rounds.Round {
	return rounds.Round{Number: 0, Status: r.Status, Deadline: r.Deadline.Time, OpenedAt: r.OpenedAt.Time, ClosedAt: r.ClosedAt.Time}
}

// IdeaQuestion is an open question of round 0.
type IdeaQuestion struct {
	ID           int64         `db:"id"`
	IdeaRoundID  int64         `db:"idea_round_id"`
	SectionID    sql.NullInt64 `db:"section_id"`
	Text         string        `db:"text"`
	Position     int           `db:"position"`
	CreatedAt    time.Time     `db:"created_at"`
	SectionTitle string        `db:"section_title"`
}

// ideaQuestionColumns are the columns of idea_questions that IdeaQuestion
// maps (section_title comes from a join, not from the table), for a query
// that calls the table q (see "Column lists" in store.go).
const ideaQuestionColumns = "q.id, q.idea_round_id, q.section_id, q.text, q.position, q.created_at"

// IdeaInvitation is one expert's invitation to round 0.
type IdeaInvitation struct {
	ID          int64        `db:"id"`
	IdeaRoundID int64        `db:"idea_round_id"`
	ExpertID    int64        `db:"expert_id"`
	CreatedAt   time.Time    `db:"created_at"`
	RevokedAt   sql.NullTime `db:"revoked_at"` // erased (erasure.go)
}

// ideaInvitationColumns are the columns of idea_invitations that
// IdeaInvitation maps, for a query that calls the table i (see "Column
// lists" in store.go).
const ideaInvitationColumns = "i.id, i.idea_round_id, i.expert_id, i.created_at, i.revoked_at"

// Proposal is an expert's answer to a question.
type Proposal struct {
	ID               int64         `db:"id"`
	QuestionID       int64         `db:"question_id"`
	IdeaInvitationID int64         `db:"idea_invitation_id"`
	Text             string        `db:"text"`
	Theme            string        `db:"theme"`
	MergedInto       sql.NullInt64 `db:"merged_into"`
	CreatedAt        time.Time     `db:"created_at"`
	UpdatedAt        time.Time     `db:"updated_at"`
}

// proposalColumns are the columns of idea_proposals that Proposal maps, for
// a query that calls the table p (see "Column lists" in store.go).
const proposalColumns = "p.id, p.question_id, p.idea_invitation_id, p.text, p.theme, p.merged_into, p.created_at, p.updated_at"

// NewIdeaQuestion is a question to add; Section is a topic title ("": none),
// created when new.
type NewIdeaQuestion struct {
	Text         string            `json:"text"`
	Section      string            `json:"section"`
	Translations map[string]string `json:"translations,omitempty"` // language → text; the caller checks the languages
}

// IdeaRoundByStudy returns the study's round 0.
func (s *Store) IdeaRoundByStudy(ctx context.Context, studyID int64) (IdeaRound, error) {
	var r IdeaRound
	err := s.get(ctx, &r, `SELECT `+ideaRoundColumns+` FROM idea_rounds r WHERE study_id = ?`, studyID)
	return r, wrap("idea round by study", err)
}

// IdeaRoundByID returns a round 0.
func (s *Store) IdeaRoundByID(ctx context.Context, id int64) (IdeaRound, error) {
	var r IdeaRound
	err := s.get(ctx, &r, `SELECT `+ideaRoundColumns+` FROM idea_rounds r WHERE id = ?`, id)
	return r, wrap("idea round by id", err)
}

// CreateIdeaRound adds the study's round 0 as a draft with its questions.
// It must come before round 1 is launched, and there is one per study.
func (s *Store) CreateIdeaRound(ctx context.Context, studyID, userID int64, deadline time.Time, questions []NewIdeaQuestion) (IdeaRound, error) {
	r := IdeaRound{StudyID: studyID, Status: rounds.Draft}
	err := s.Transact(ctx, func(tx *Store) error {
		if err := tx.lockStudy(ctx, studyID); err != nil {
			return err
		}
		var launched, existing int
		if err := tx.get(ctx, &launched, `SELECT COUNT(*) FROM rounds WHERE study_id = ? AND status <> 'draft'`, studyID); err != nil {
			return err
		}
		if launched > 0 {
			return rounds.ErrIdeasAfterRound1
		}
		if err := tx.get(ctx, &existing, `SELECT COUNT(*) FROM idea_rounds WHERE study_id = ?`, studyID); err != nil {
			return err
		}
		if existing > 0 {
			return rounds.ErrIdeasExist
		}
		r.CreatedAt = tx.now()
		if !deadline.IsZero() {
			r.Deadline = sql.NullTime{Time: deadline.UTC(), Valid: true}
		}
		var err error
		if r.ID, err = tx.insert(ctx, `INSERT INTO idea_rounds (study_id, status, deadline, created_at) VALUES (?, ?, ?, ?)`,
			studyID, r.Status, r.Deadline, r.CreatedAt); err != nil {
			return err
		}
		if err := tx.AddIdeaQuestions(ctx, r.ID, questions); err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, userID, "create round 0", "", "", fmt.Sprintf("%d questions", len(questions)), "")
	})
	return r, wrap("create idea round", err)
}

// AddIdeaQuestions appends questions to a draft round 0, all or none.
func (s *Store) AddIdeaQuestions(ctx context.Context, ideaRoundID int64, questions []NewIdeaQuestion) error {
	if len(questions) == 0 {
		return rounds.ErrNoQuestions
	}
	return wrap("add idea questions", s.Transact(ctx, func(tx *Store) error {
		r, err := tx.IdeaRoundByID(ctx, ideaRoundID)
		if err != nil {
			return err
		}
		if r.Status != rounds.Draft {
			return rounds.ErrRoundNotDraft
		}
		var pos int
		if err := tx.get(ctx, &pos, `SELECT COALESCE(MAX(position), 0) FROM idea_questions WHERE idea_round_id = ?`, ideaRoundID); err != nil {
			return err
		}
		secs, err := tx.SectionsByStudy(ctx, r.StudyID)
		if err != nil {
			return err
		}
		for i, q := range questions {
			text, err := rounds.CheckText(fmt.Sprintf("question %d", i+1), q.Text)
			if err != nil {
				return rounds.FieldErrors{{Field: "questions", Message: err.Error()}}
			}
			var section sql.NullInt64
			if q.Section != "" {
				for _, sec := range secs {
					if sec.Title == q.Section {
						section = sql.NullInt64{Int64: sec.ID, Valid: true}
					}
				}
				if !section.Valid {
					sec, err := tx.CreateSection(ctx, r.StudyID, q.Section)
					if err != nil {
						return err
					}
					secs = append(secs, sec)
					section = sql.NullInt64{Int64: sec.ID, Valid: true}
				}
			}
			pos++
			id, err := tx.insert(ctx, `INSERT INTO idea_questions (idea_round_id, section_id, text, position, created_at) VALUES (?, ?, ?, ?, ?)`,
				ideaRoundID, section, text, pos, tx.now())
			if err != nil {
				return err
			}
			for _, lang := range slices.Sorted(maps.Keys(q.Translations)) {
				if err := tx.putIdeaQuestionTranslation(ctx, id, lang, q.Translations[lang]); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// IdeaQuestions lists a round 0's questions in order, with their topic.
func (s *Store) IdeaQuestions(ctx context.Context, ideaRoundID int64) ([]IdeaQuestion, error) {
	var qs []IdeaQuestion
	err := s.sel(ctx, &qs, `SELECT `+ideaQuestionColumns+`, COALESCE(sec.title, '') AS section_title FROM idea_questions q
		LEFT JOIN sections sec ON sec.id = q.section_id WHERE q.idea_round_id = ? ORDER BY q.position`, ideaRoundID)
	return qs, wrap("idea questions", err)
}

// IdeaInvitees are the active panel: round 0 invites everyone.
func (s *Store) IdeaInvitees(ctx context.Context, studyID int64) ([]Expert, error) {
	var es []Expert
	err := s.sel(ctx, &es, `SELECT `+expertColumns+` FROM experts e WHERE study_id = ? AND status = 'active' ORDER BY id`, studyID)
	return es, wrap("idea invitees", err)
}

// LaunchIdeaRound opens a draft round 0 in one transaction: the state
// change, one invitation, personal link and e-mail per expert.
func (s *Store) LaunchIdeaRound(ctx context.Context, ideaRoundID, userID int64, invites []NewInvitation) error {
	return wrap("launch idea round", s.Transact(ctx, func(tx *Store) error {
		r, err := tx.IdeaRoundByID(ctx, ideaRoundID)
		if err != nil {
			return err
		}
		if err := tx.lockStudy(ctx, r.StudyID); err != nil {
			return err
		}
		var questions, launched int
		if err := tx.get(ctx, &questions, `SELECT COUNT(*) FROM idea_questions WHERE idea_round_id = ?`, ideaRoundID); err != nil {
			return err
		}
		if err := tx.get(ctx, &launched, `SELECT COUNT(*) FROM rounds WHERE study_id = ? AND status <> 'draft'`, r.StudyID); err != nil {
			return err
		}
		if launched > 0 {
			return rounds.ErrIdeasAfterRound1
		}
		d := r.Domain()
		now := tx.now()
		if err := d.Launch(now, questions, len(invites), false); err != nil {
			if err == rounds.ErrNoStatements {
				return rounds.ErrNoQuestions
			}
			return err
		}
		if err := tx.execOne(ctx, `UPDATE idea_rounds SET status = 'open', opened_at = ? WHERE id = ? AND status = 'draft'`, now, ideaRoundID); err != nil {
			return err
		}
		msgs := make([]NewMessage, 0, len(invites))
		for _, inv := range invites {
			id, err := tx.insert(ctx, `INSERT INTO idea_invitations (idea_round_id, expert_id, created_at) VALUES (?, ?, ?)`, ideaRoundID, inv.ExpertID, now)
			if err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO idea_links (token_hash, idea_invitation_id, created_at) VALUES (?, ?, ?)`, inv.TokenHash, id, now); err != nil {
				return err
			}
			msgs = append(msgs, inv.Message)
		}
		if err := tx.EnqueueMessages(ctx, msgs); err != nil {
			return err
		}
		if r.Deadline.Valid {
			for _, due := range reminderTimes(r.Deadline.Time, r.Reminders(), now) {
				if _, err := tx.exec(ctx, `INSERT INTO idea_reminders (idea_round_id, due_at, created_at) VALUES (?, ?, ?)`, ideaRoundID, due, now); err != nil {
					return err
				}
			}
		}
		return tx.Audit(ctx, r.StudyID, userID, "launch round 0", "", "", fmt.Sprintf("%d invitations", len(invites)), "")
	}))
}

// CloseIdeaRound closes an open round 0; proposals are then fixed.
func (s *Store) CloseIdeaRound(ctx context.Context, ideaRoundID, userID int64) error {
	return wrap("close idea round", s.Transact(ctx, func(tx *Store) error {
		r, err := tx.IdeaRoundByID(ctx, ideaRoundID)
		if err != nil {
			return err
		}
		d := r.Domain()
		now := tx.now()
		if err := d.Close(now); err != nil {
			return err
		}
		if err := tx.execOne(ctx, `UPDATE idea_rounds SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'`, now, ideaRoundID); err != nil {
			return err
		}
		return tx.Audit(ctx, r.StudyID, userID, "close round 0", "", "", "", "")
	}))
}

// ProposalsByInvitation lists one expert's proposals.
func (s *Store) ProposalsByInvitation(ctx context.Context, invitationID int64) ([]Proposal, error) {
	var ps []Proposal
	err := s.sel(ctx, &ps, `SELECT `+proposalColumns+` FROM idea_proposals p WHERE idea_invitation_id = ? ORDER BY id`, invitationID)
	return ps, wrap("proposals by invitation", err)
}

// ProposalEdit is one change an expert makes: a new proposal (ID 0) to a
// question, a new text for one of their proposals, or its deletion (Text "").
type ProposalEdit struct {
	ID         int64
	QuestionID int64
	Text       string
}

// SaveProposals applies an expert's edits in one transaction while round
// 0 is open: all or none. Experts change only their own proposals, and
// none once their invitation is revoked (an erasure since the page was
// loaded): ErrNotFound.
func (s *Store) SaveProposals(ctx context.Context, invitationID int64, edits []ProposalEdit) error {
	return wrap("save proposals", s.Transact(ctx, func(tx *Store) error {
		var r IdeaRound
		if err := tx.get(ctx, &r, `SELECT `+ideaRoundColumns+` FROM idea_rounds r JOIN idea_invitations i ON i.idea_round_id = r.id
			WHERE i.id = ? AND i.revoked_at IS NULL`, invitationID); err != nil {
			return err
		}
		now := tx.now()
		if err := r.Domain().AcceptsRatings(now); err != nil {
			return err
		}
		for _, e := range edits {
			if e.Text != "" {
				t, err := rounds.CheckText("proposal", e.Text)
				if err != nil {
					return err
				}
				e.Text = t
			}
			switch {
			case e.ID == 0:
				res, err := tx.exec(ctx, `INSERT INTO idea_proposals (question_id, idea_invitation_id, text, created_at, updated_at)
					SELECT q.id, ?, ?, ?, ? FROM idea_questions q WHERE q.id = ? AND q.idea_round_id = ?`, invitationID, e.Text, now, now, e.QuestionID, r.ID)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					return ErrNotFound
				}
			case e.Text == "":
				if err := tx.execOne(ctx, `DELETE FROM idea_proposals WHERE id = ? AND idea_invitation_id = ?`, e.ID, invitationID); err != nil {
					return err
				}
			default:
				if err := tx.execOne(ctx, `UPDATE idea_proposals SET text = ?, updated_at = ? WHERE id = ? AND idea_invitation_id = ?`, e.Text, now, e.ID, invitationID); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// ProposalsByRound lists every proposal of a round 0, by question order.
func (s *Store) ProposalsByRound(ctx context.Context, ideaRoundID int64) ([]Proposal, error) {
	var ps []Proposal
	err := s.sel(ctx, &ps, `SELECT `+proposalColumns+` FROM idea_proposals p JOIN idea_questions q ON q.id = p.question_id
		WHERE q.idea_round_id = ? ORDER BY q.position, p.id`, ideaRoundID)
	return ps, wrap("proposals by round", err)
}

// proposalOfStudy checks that a proposal belongs to the study's round 0.
func (s *Store) proposalOfStudy(ctx context.Context, studyID, proposalID int64) (Proposal, error) {
	var p Proposal
	err := s.get(ctx, &p, `SELECT `+proposalColumns+` FROM idea_proposals p JOIN idea_questions q ON q.id = p.question_id
		JOIN idea_rounds r ON r.id = q.idea_round_id WHERE p.id = ? AND r.study_id = ?`, proposalID, studyID)
	return p, err
}

// SetProposalTheme tags a proposal with a theme ("" removes it).
func (s *Store) SetProposalTheme(ctx context.Context, studyID, proposalID int64, theme string) error {
	return wrap("set proposal theme", s.Transact(ctx, func(tx *Store) error {
		if _, err := tx.proposalOfStudy(ctx, studyID, proposalID); err != nil {
			return err
		}
		return tx.execOne(ctx, `UPDATE idea_proposals SET theme = ? WHERE id = ?`, theme, proposalID)
	}))
}

// MergeProposals marks duplicates as merged into one proposal; proposals
// merged into a duplicate follow it. All or none.
func (s *Store) MergeProposals(ctx context.Context, studyID, userID, into int64, dups []int64) error {
	return wrap("merge proposals", s.Transact(ctx, func(tx *Store) error {
		target, err := tx.proposalOfStudy(ctx, studyID, into)
		if err != nil {
			return err
		}
		merged := map[int64]int64{into: target.MergedInto.Int64}
		for _, d := range dups {
			if _, err := tx.proposalOfStudy(ctx, studyID, d); err != nil {
				return err
			}
		}
		if err := rounds.CheckMerge(into, dups, merged); err != nil {
			return err
		}
		for _, d := range dups {
			if _, err := tx.exec(ctx, `UPDATE idea_proposals SET merged_into = ? WHERE id = ? OR merged_into = ?`, into, d, d); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, studyID, userID, "merge proposals", "", "", fmt.Sprintf("%v into %d", dups, into), "")
	}))
}

// StatementFromProposals writes a draft statement (for the next round to
// be prepared) from proposals, in the topic of the first one's question,
// and links it to each of them, in one transaction.
func (s *Store) StatementFromProposals(ctx context.Context, studyID, userID int64, text string, proposalIDs []int64) (Statement, error) {
	var st Statement
	if len(proposalIDs) == 0 {
		return st, wrap("statement from proposals", rounds.ErrNoProposals)
	}
	err := s.Transact(ctx, func(tx *Store) error {
		var section string
		for i, id := range proposalIDs {
			p, err := tx.proposalOfStudy(ctx, studyID, id)
			if err != nil {
				return err
			}
			if i == 0 {
				if err := tx.get(ctx, &section, `SELECT COALESCE(sec.title, '') FROM idea_questions q LEFT JOIN sections sec ON sec.id = q.section_id WHERE q.id = ?`, p.QuestionID); err != nil {
					return err
				}
			}
		}
		added, err := tx.AddStatements(ctx, studyID, userID, []NewStatement{{Text: text, Section: section}})
		if err != nil {
			return err
		}
		st = added[0]
		for _, id := range proposalIDs {
			if _, err := tx.exec(ctx, `INSERT INTO statement_proposals (statement_id, proposal_id) VALUES (?, ?)`, st.ID, id); err != nil {
				return err
			}
		}
		return nil
	})
	return st, wrap("statement from proposals", err)
}

// ProposalLink says a statement was written from a proposal: the lineage
// of a statement back to round 0.
type ProposalLink struct {
	StatementID  int64  `db:"statement_id" json:"statement_id"`
	ProposalID   int64  `db:"proposal_id" json:"proposal_id"`
	QuestionID   int64  `db:"question_id" json:"question_id"`
	ProposalText string `db:"proposal_text" json:"proposal_text"`
	Theme        string `db:"theme" json:"theme"`
}

// ProposalLinks lists every statement → proposal link of a study.
func (s *Store) ProposalLinks(ctx context.Context, studyID int64) ([]ProposalLink, error) {
	var ls []ProposalLink
	err := s.sel(ctx, &ls, `SELECT sp.statement_id, sp.proposal_id, p.question_id, p.text AS proposal_text, p.theme
		FROM statement_proposals sp JOIN statements st ON st.id = sp.statement_id JOIN idea_proposals p ON p.id = sp.proposal_id
		WHERE st.study_id = ? ORDER BY sp.statement_id, sp.proposal_id`, studyID)
	return ls, wrap("proposal links", err)
}

// IdeaReminderRecipients are round 0's invited experts who have proposed
// nothing and have not declined, as ReminderRecipients are a round's.
func (s *Store) IdeaReminderRecipients(ctx context.Context, ideaRoundID int64) ([]IdeaInvitation, error) {
	var invs []IdeaInvitation
	err := s.sel(ctx, &invs, `SELECT `+ideaInvitationColumns+` FROM idea_invitations i JOIN experts e ON e.id = i.expert_id
		WHERE i.idea_round_id = ? AND i.revoked_at IS NULL AND e.status = 'active'
		AND NOT EXISTS (SELECT 1 FROM idea_proposals p WHERE p.idea_invitation_id = i.id) ORDER BY i.id`, ideaRoundID)
	return invs, wrap("idea reminder recipients", err)
}

// AddIdeaLink gives a round 0 invitation another personal link (a
// reminder carries a fresh one; the first keeps working).
func (s *Store) AddIdeaLink(ctx context.Context, ideaInvitationID int64, tokenHash string) error {
	_, err := s.exec(ctx, `INSERT INTO idea_links (token_hash, idea_invitation_id, created_at) VALUES (?, ?, ?)`, tokenHash, ideaInvitationID, s.now())
	return wrap("add idea link", err)
}

// SetIdeaReminderDays sets when a draft round 0 will remind ("7,2": days
// before the deadline; the caller checks the format).
func (s *Store) SetIdeaReminderDays(ctx context.Context, ideaRoundID int64, days string) error {
	return wrap("set round 0 reminders", s.execOne(ctx, `UPDATE idea_rounds SET reminder_days = ? WHERE id = ? AND status = 'draft'`, days, ideaRoundID))
}

// SetIdeaDeadline changes the deadline of a draft round 0.
func (s *Store) SetIdeaDeadline(ctx context.Context, ideaRoundID int64, deadline time.Time) error {
	return wrap("set round 0 deadline", s.execOne(ctx, `UPDATE idea_rounds SET deadline = ? WHERE id = ? AND status = 'draft'`, deadline, ideaRoundID))
}

// DueIdeaReminders returns round 0's scheduled reminders whose time has
// come, while round 0 is open: reminder id → round 0 id.
func (s *Store) DueIdeaReminders(ctx context.Context) (map[int64]int64, error) {
	var rs []struct {
		ID          int64 `db:"id"`
		IdeaRoundID int64 `db:"idea_round_id"`
	}
	err := s.sel(ctx, &rs, `SELECT m.id, m.idea_round_id FROM idea_reminders m JOIN idea_rounds r ON r.id = m.idea_round_id
		WHERE m.done_at IS NULL AND m.due_at <= ? AND r.status = 'open'`, s.now())
	out := make(map[int64]int64, len(rs))
	for _, r := range rs {
		out[r.ID] = r.IdeaRoundID
	}
	return out, wrap("due round 0 reminders", err)
}

// MarkIdeaReminderDone claims a scheduled round 0 reminder; false when
// another instance got there first, so each goes out once.
func (s *Store) MarkIdeaReminderDone(ctx context.Context, id int64) (bool, error) {
	return s.claimOnce(ctx, "mark round 0 reminder done", `UPDATE idea_reminders SET done_at = ? WHERE id = ? AND done_at IS NULL`, id)
}

// IdeaOutbox lists the e-mails of a study's round 0 (they have no round;
// nor have coordinators' test e-mails, which are not round 0's).
func (s *Store) IdeaOutbox(ctx context.Context, studyID int64) ([]OutboxMessage, error) {
	var ms []OutboxMessage
	err := s.sel(ctx, &ms, `SELECT `+outboxColumns+` FROM outbox o WHERE study_id = ? AND round_id IS NULL AND kind <> 'test' ORDER BY id`, studyID)
	return ms, wrap("idea outbox", err)
}

// DueIdeaRounds lists open rounds 0 whose deadline has passed.
func (s *Store) DueIdeaRounds(ctx context.Context) ([]IdeaRound, error) {
	var rs []IdeaRound
	err := s.sel(ctx, &rs, `SELECT `+ideaRoundColumns+` FROM idea_rounds r WHERE status = 'open' AND deadline IS NOT NULL AND deadline <= ?`, s.now())
	return rs, wrap("due idea rounds", err)
}

// SetIdeaQuestionTranslation stores (or, with empty text, removes) a
// question's text in another language, while round 0 is a draft.
func (s *Store) SetIdeaQuestionTranslation(ctx context.Context, studyID, questionID int64, lang, text string) error {
	return wrap("set question translation", s.Transact(ctx, func(tx *Store) error {
		if err := tx.ideaQuestionEditable(ctx, studyID, questionID); err != nil {
			return err
		}
		return tx.putIdeaQuestionTranslation(ctx, questionID, lang, text)
	}))
}

func (s *Store) putIdeaQuestionTranslation(ctx context.Context, questionID int64, lang, text string) error {
	return s.putTranslation(ctx, `DELETE FROM idea_question_translations WHERE question_id = ? AND language = ?`,
		`INSERT INTO idea_question_translations (question_id, language, text) VALUES (?, ?, ?)
		ON CONFLICT (question_id, language) DO UPDATE SET text = excluded.text`, questionID, lang, text)
}

// IdeaQuestionTranslations returns a round 0's questions in other
// languages, keyed by question id, then language.
func (s *Store) IdeaQuestionTranslations(ctx context.Context, ideaRoundID int64) (map[int64]map[string]string, error) {
	return s.translations(ctx, "question translations", `SELECT t.question_id AS id, t.language, t.text
		FROM idea_question_translations t JOIN idea_questions q ON q.id = t.question_id WHERE q.idea_round_id = ?`, ideaRoundID)
}

// ideaQuestionEditable tells whether a question of the study can still be
// changed: ErrNotFound, or rounds.ErrRoundNotDraft once round 0 launched.
func (s *Store) ideaQuestionEditable(ctx context.Context, studyID, questionID int64) error {
	var status rounds.Status
	if err := s.get(ctx, &status, `SELECT r.status FROM idea_questions q JOIN idea_rounds r ON r.id = q.idea_round_id
		WHERE q.id = ? AND r.study_id = ?`, questionID, studyID); err != nil {
		return err
	}
	if status != rounds.Draft {
		return rounds.ErrRoundNotDraft
	}
	return nil
}

// UpdateIdeaQuestion rewrites a question of a draft round 0; text ""
// deletes it.
func (s *Store) UpdateIdeaQuestion(ctx context.Context, studyID, questionID int64, text string) error {
	return wrap("update idea question", s.Transact(ctx, func(tx *Store) error {
		if err := tx.ideaQuestionEditable(ctx, studyID, questionID); err != nil {
			return err
		}
		if text == "" {
			return tx.execOne(ctx, `DELETE FROM idea_questions WHERE id = ?`, questionID)
		}
		t, err := rounds.CheckText("question", text)
		if err != nil {
			return rounds.FieldErrors{{Field: "text", Message: err.Error()}}
		}
		return tx.execOne(ctx, `UPDATE idea_questions SET text = ? WHERE id = ?`, t, questionID)
	}))
}
