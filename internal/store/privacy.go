package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"
)

// ExpertData is everything the platform holds about one expert, for a
// subject-access request (GDPR art. 15).
type ExpertData struct {
	Expert      ExpertDetails      `json:"expert"`
	Invitations []ExpertInvitation `json:"invitations"`
	Ratings     []ExpertRating     `json:"ratings"`
	Emails      []ExpertEmail      `json:"emails"`
	// Round 0 and real-time mode (issue #8).
	Proposals []ExpertProposal `json:"proposals"`
	Revisions []ExpertRevision `json:"rating_revisions"`
	// Consents are the expert's answers to the study's consent items.
	Consents []ExpertConsentAnswer `json:"consents"`
	// Background are the expert's answers to the background form.
	Background []ExpertBackgroundAnswer `json:"background"`
}

// ExpertBackgroundAnswer is the expert's answer to one background field,
// with the field's label (and a chosen option) in their language, else the
// study's main language.
type ExpertBackgroundAnswer struct {
	Field      string    `json:"field"`
	Answer     string    `json:"answer"`
	AnsweredAt time.Time `json:"answered_at"`
}

// ExpertConsentAnswer is the expert's answer to one consent item, with
// the item's wording in their language (else the study's main language).
type ExpertConsentAnswer struct {
	ItemID     int64     `db:"consent_item_id" json:"-"`
	Item       string    `json:"item"`
	Required   bool      `db:"required" json:"required"`
	Agreed     bool      `db:"agreed" json:"agreed"`
	AnsweredAt time.Time `db:"answered_at" json:"answered_at"`
}

// ExpertProposal is one of the expert's round-0 proposals.
type ExpertProposal struct {
	Question  string    `db:"question" json:"question"`
	Text      string    `db:"text" json:"proposal"`
	Theme     string    `db:"theme" json:"theme"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// ExpertRevision is one change of an answer in a real-time round.
type ExpertRevision struct {
	Round     int           `db:"number" json:"round"`
	Statement string        `db:"text" json:"statement"`
	Rating    sql.NullInt64 `db:"rating" json:"-"`
	Value     *int64        `json:"rating"`
	Unable    bool          `db:"unable" json:"unable"`
	SawGroup  bool          `db:"saw_group" json:"after_seeing_group"`
	At        time.Time     `db:"created_at" json:"at"`
}

// ExpertDetails are the expert's own details as the study keeps them.
type ExpertDetails struct {
	Email       string            `json:"email"`
	Name        string            `json:"name"`
	Group       string            `json:"stakeholder_group"`
	Country     string            `json:"country"`
	Language    string            `json:"language"`
	Attributes  map[string]string `json:"attributes"`
	Status      string            `json:"status"`
	AddedAt     time.Time         `json:"added_at"`
	ConsentedAt *time.Time        `json:"consented_at"`
	DeclinedAt  *time.Time        `json:"declined_at"`
}

// ExpertInvitation is one round the expert was invited to.
type ExpertInvitation struct {
	Round       int          `db:"number" json:"round"`
	CreatedAt   time.Time    `db:"created_at" json:"invited_at"`
	OpenedAt    sql.NullTime `db:"opened_at" json:"-"`
	StartedAt   sql.NullTime `db:"started_at" json:"-"`
	SubmittedAt sql.NullTime `db:"submitted_at" json:"-"`
	RevokedAt   sql.NullTime `db:"revoked_at" json:"-"`
	Opened      *time.Time   `json:"link_opened_at"`
	Submitted   *time.Time   `json:"submitted_at"`
}

// ExpertRating is one of the expert's answers with the statement as shown.
type ExpertRating struct {
	Round     int           `db:"number" json:"round"`
	Statement string        `db:"text" json:"statement"`
	Rating    sql.NullInt64 `db:"rating" json:"-"`
	Value     *int64        `json:"rating"`
	Unable    bool          `db:"unable" json:"unable"`
	Comment   string        `db:"comment" json:"comment"`
	UpdatedAt time.Time     `db:"updated_at" json:"saved_at"`
}

// ExpertEmail is an e-mail sent (or queued) to the expert, without its body.
type ExpertEmail struct {
	Kind      string       `db:"kind" json:"kind"`
	Subject   string       `db:"subject" json:"subject"`
	Status    string       `db:"status" json:"status"`
	CreatedAt time.Time    `db:"created_at" json:"queued_at"`
	SentAt    sql.NullTime `db:"sent_at" json:"-"`
	Sent      *time.Time   `json:"sent_at"`
}

func timeOf(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

// ExpertDataExport collects what the study holds about one expert and
// records the export in the audit log.
func (s *Store) ExpertDataExport(ctx context.Context, studyID, userID, expertID int64) (ExpertData, error) {
	var d ExpertData
	err := s.Transact(ctx, func(tx *Store) error {
		e, err := tx.ExpertByID(ctx, studyID, expertID)
		if err != nil {
			return err
		}
		d.Expert = ExpertDetails{Email: e.Email, Name: e.Name, Group: e.Group, Country: e.Country, Language: e.Language,
			Attributes: e.AttributeMap(), Status: e.Status, AddedAt: e.CreatedAt, ConsentedAt: timeOf(e.ConsentedAt), DeclinedAt: timeOf(e.DeclinedAt)}
		if err = tx.sel(ctx, &d.Invitations, `SELECT r.number, i.created_at, i.opened_at, i.started_at, i.submitted_at, i.revoked_at
			FROM invitations i JOIN rounds r ON r.id = i.round_id WHERE i.expert_id = ? ORDER BY r.number`, expertID); err != nil {
			return err
		}
		for i := range d.Invitations {
			d.Invitations[i].Opened, d.Invitations[i].Submitted = timeOf(d.Invitations[i].OpenedAt), timeOf(d.Invitations[i].SubmittedAt)
		}
		if err = tx.sel(ctx, &d.Ratings, `SELECT r.number, rs.text, x.rating, x.unable, x.comment, x.updated_at
			FROM ratings x JOIN invitations i ON i.id = x.invitation_id JOIN rounds r ON r.id = i.round_id
			JOIN round_statements rs ON rs.id = x.round_statement_id WHERE i.expert_id = ? ORDER BY r.number, rs.position`, expertID); err != nil {
			return err
		}
		for i := range d.Ratings {
			if d.Ratings[i].Rating.Valid {
				d.Ratings[i].Value = &d.Ratings[i].Rating.Int64
			}
		}
		if err = tx.sel(ctx, &d.Emails, `SELECT kind, subject, status, created_at, sent_at FROM outbox WHERE expert_id = ? ORDER BY id`, expertID); err != nil {
			return err
		}
		for i := range d.Emails {
			d.Emails[i].Sent = timeOf(d.Emails[i].SentAt)
		}
		if err = tx.sel(ctx, &d.Proposals, `SELECT q.text AS question, p.text, p.theme, p.created_at, p.updated_at
			FROM idea_proposals p JOIN idea_invitations i ON i.id = p.idea_invitation_id JOIN idea_questions q ON q.id = p.question_id
			WHERE i.expert_id = ? ORDER BY q.position, p.id`, expertID); err != nil {
			return err
		}
		if err = tx.sel(ctx, &d.Revisions, `SELECT r.number, rs.text, v.rating, v.unable, v.saw_group, v.created_at
			FROM rating_revisions v JOIN invitations i ON i.id = v.invitation_id JOIN rounds r ON r.id = i.round_id
			JOIN round_statements rs ON rs.id = v.round_statement_id WHERE i.expert_id = ? ORDER BY v.created_at, v.id`, expertID); err != nil {
			return err
		}
		for i := range d.Revisions {
			if d.Revisions[i].Rating.Valid {
				d.Revisions[i].Value = &d.Revisions[i].Rating.Int64
			}
		}
		if err = tx.sel(ctx, &d.Consents, `SELECT c.consent_item_id, ci.required, c.agreed, c.answered_at
			FROM expert_consents c JOIN consent_items ci ON ci.id = c.consent_item_id WHERE c.expert_id = ? ORDER BY ci.position, ci.id`, expertID); err != nil {
			return err
		}
		if len(d.Consents) > 0 {
			st, err := tx.StudyByID(ctx, studyID)
			if err != nil {
				return err
			}
			texts, err := tx.StudyTextsByStudy(ctx, studyID)
			if err != nil {
				return err
			}
			for i := range d.Consents {
				d.Consents[i].Item, _ = texts.In(ConsentTextName(d.Consents[i].ItemID), e.Language, st.MainLanguage())
			}
		}
		if d.Background, err = tx.expertBackground(ctx, studyID, e.ID, e.Language); err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, userID, "export expert data", "", "", "expert "+itoa(expertID), "subject-access request")
	})
	if d.Invitations == nil {
		d.Invitations = []ExpertInvitation{}
	}
	if d.Ratings == nil {
		d.Ratings = []ExpertRating{}
	}
	if d.Emails == nil {
		d.Emails = []ExpertEmail{}
	}
	if d.Proposals == nil {
		d.Proposals = []ExpertProposal{}
	}
	if d.Revisions == nil {
		d.Revisions = []ExpertRevision{}
	}
	if d.Consents == nil {
		d.Consents = []ExpertConsentAnswer{}
	}
	if d.Background == nil {
		d.Background = []ExpertBackgroundAnswer{}
	}
	return d, wrap("expert data export", err)
}

// expertBackground is an expert's answers to the background form as their
// data export shows them: each field's label and the answer in words.
func (s *Store) expertBackground(ctx context.Context, studyID, expertID int64, lang string) ([]ExpertBackgroundAnswer, error) {
	fields, err := s.BackgroundFieldsByStudy(ctx, studyID)
	if err != nil || len(fields) == 0 {
		return nil, err
	}
	var rows []BackgroundAnswer
	if err := s.sel(ctx, &rows, `SELECT expert_id, field_id, value, answered_at FROM background_answers WHERE expert_id = ?`, expertID); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	st, err := s.StudyByID(ctx, studyID)
	if err != nil {
		return nil, err
	}
	texts, err := s.StudyTextsByStudy(ctx, studyID)
	if err != nil {
		return nil, err
	}
	main := st.MainLanguage()
	var out []ExpertBackgroundAnswer
	for _, f := range fields {
		for _, r := range rows {
			if r.FieldID != f.ID {
				continue
			}
			label, _ := texts.In(BackgroundLabelName(f.ID), lang, main)
			answer := r.Value
			if f.Kind == FieldChoice && answer != "" {
				choices := f.ChoiceList()
				if n, err := strconv.Atoi(answer); err == nil && n >= 1 && n <= len(choices) {
					answer = choices[n-1]
					if t := texts.Get(BackgroundChoiceName(f.ID, n), lang); t != "" && lang != main {
						answer = t
					}
				}
			}
			out = append(out, ExpertBackgroundAnswer{Field: label, Answer: answer, AnsweredAt: r.AnsweredAt})
		}
	}
	return out, nil
}
