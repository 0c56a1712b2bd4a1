package store

import (
	"context"
	"strings"
)

// Study texts are every text of a study that an expert reads besides its
// statements and topics, one row per name and language (migration 0021).
// The names:
//
//	title, description        translations only: the main language's text is in studies
//	contact                   a contact line ("Dr A. Author, University of X")
//	info_sheet                the information sheet shown before consent
//	thanks                    the thank-you text after submitting
//	scale.<value>             a scale point's label; translations only (main: studies.scale_labels)
//	band.<name>               a band's name (Disagree, Neutral, Agree…); translations only
//	consent.<item id>         a consent item's wording (consent_items)
//	email.<kind>.subject      an e-mail template's subject (mail.Kinds)
//	email.<kind>.body         an e-mail template's body: plain text with {{placeholders}}
const (
	TextTitle       = "title"
	TextDescription = "description"
	TextContact     = "contact"
	TextInfoSheet   = "info_sheet"
	TextThanks      = "thanks"
)

// StudyText is one text of a study in one language.
type StudyText struct {
	Name     string `db:"name"`
	Language string `db:"language"`
	Text     string `db:"text"`
}

// StudyTexts maps name → language → text.
type StudyTexts map[string]map[string]string

// Get returns the text of name in lang, and "" when there is none.
func (t StudyTexts) Get(name, lang string) string {
	return t[name][lang]
}

// StudyTextsByStudy returns every text of a study.
func (s *Store) StudyTextsByStudy(ctx context.Context, studyID int64) (StudyTexts, error) {
	var rows []StudyText
	if err := s.sel(ctx, &rows, `SELECT name, language, text FROM study_texts WHERE study_id = ?`, studyID); err != nil {
		return nil, wrap("study texts", err)
	}
	out := StudyTexts{}
	for _, r := range rows {
		if out[r.Name] == nil {
			out[r.Name] = map[string]string{}
		}
		out[r.Name][r.Language] = r.Text
	}
	return out, nil
}

// SetStudyTexts stores texts, all or nothing; a text that is empty after
// trimming removes that name's text in that language. Validation (known
// names, the study's languages) is the workflow's.
func (s *Store) SetStudyTexts(ctx context.Context, studyID int64, texts []StudyText) error {
	return wrap("set study texts", s.Transact(ctx, func(tx *Store) error {
		for _, t := range texts {
			if strings.TrimSpace(t.Text) == "" {
				if _, err := tx.exec(ctx, `DELETE FROM study_texts WHERE study_id = ? AND name = ? AND language = ?`, studyID, t.Name, t.Language); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.exec(ctx, `INSERT INTO study_texts (study_id, name, language, text, updated_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (study_id, name, language) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`,
				studyID, t.Name, t.Language, t.Text, tx.now()); err != nil {
				return err
			}
		}
		return nil
	}))
}

// ConsentItem is one checkbox of a study's consent form; its wording is
// the study text "consent.<ID>".
type ConsentItem struct {
	ID       int64 `db:"id"`
	StudyID  int64 `db:"study_id"`
	Position int   `db:"position"`
	Required bool  `db:"required"`
}

// ConsentItemsByStudy lists a study's consent items in order.
func (s *Store) ConsentItemsByStudy(ctx context.Context, studyID int64) ([]ConsentItem, error) {
	var items []ConsentItem
	err := s.sel(ctx, &items, `SELECT id, study_id, position, required FROM consent_items WHERE study_id = ? ORDER BY position, id`, studyID)
	return items, wrap("consent items", err)
}

// AddConsentItem adds a consent item at the end.
func (s *Store) AddConsentItem(ctx context.Context, studyID int64, required bool) (ConsentItem, error) {
	it := ConsentItem{StudyID: studyID, Required: required}
	err := s.Transact(ctx, func(tx *Store) error {
		if err := tx.lockStudy(ctx, studyID); err != nil {
			return err
		}
		if err := tx.get(ctx, &it.Position, `SELECT COALESCE(MAX(position), 0) + 1 FROM consent_items WHERE study_id = ?`, studyID); err != nil {
			return err
		}
		id, err := tx.insert(ctx, `INSERT INTO consent_items (study_id, position, required) VALUES (?, ?, ?)`, studyID, it.Position, required)
		it.ID = id
		return err
	})
	return it, wrap("add consent item", err)
}

// UpdateConsentItem changes whether an item is required.
func (s *Store) UpdateConsentItem(ctx context.Context, studyID, itemID int64, required bool) error {
	return wrap("update consent item", s.execOne(ctx, `UPDATE consent_items SET required = ? WHERE id = ? AND study_id = ?`, required, itemID, studyID))
}

// DeleteConsentItem removes an item and its wording.
func (s *Store) DeleteConsentItem(ctx context.Context, studyID, itemID int64) error {
	return wrap("delete consent item", s.Transact(ctx, func(tx *Store) error {
		if err := tx.execOne(ctx, `DELETE FROM consent_items WHERE id = ? AND study_id = ?`, itemID, studyID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM study_texts WHERE study_id = ? AND name = ?`, studyID, ConsentTextName(itemID))
		return err
	}))
}

// ConsentTextName is the study text that holds an item's wording.
func ConsentTextName(itemID int64) string {
	return "consent." + itoa(itemID)
}

// ExpertConsent is an expert's answer to one consent item.
type ExpertConsent struct {
	ConsentItemID int64 `db:"consent_item_id"`
	Agreed        bool  `db:"agreed"`
}

// RecordConsents stores an expert's answers to consent items, replacing
// earlier answers to the same items.
func (s *Store) RecordConsents(ctx context.Context, expertID int64, answers []ExpertConsent) error {
	return wrap("record consents", s.Transact(ctx, func(tx *Store) error {
		for _, a := range answers {
			if _, err := tx.exec(ctx, `INSERT INTO expert_consents (expert_id, consent_item_id, agreed, answered_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (expert_id, consent_item_id) DO UPDATE SET agreed = excluded.agreed, answered_at = excluded.answered_at`,
				expertID, a.ConsentItemID, a.Agreed, tx.now()); err != nil {
				return err
			}
		}
		return nil
	}))
}

// ConsentsByExpert returns an expert's answers to consent items.
func (s *Store) ConsentsByExpert(ctx context.Context, expertID int64) ([]ExpertConsent, error) {
	var out []ExpertConsent
	err := s.sel(ctx, &out, `SELECT consent_item_id, agreed FROM expert_consents WHERE expert_id = ? ORDER BY consent_item_id`, expertID)
	return out, wrap("consents by expert", err)
}

// In returns the text of name in lang, falling back to the study's main
// language; fallback says the main language's text was used. A name
// without a text in either gives "", false.
func (t StudyTexts) In(name, lang, main string) (text string, fallback bool) {
	if s := t[name][lang]; s != "" {
		return s, false
	}
	if s := t[name][main]; s != "" {
		return s, lang != main
	}
	return "", false
}

// ConsentItemAnswered tells whether any expert answered a consent item.
func (s *Store) ConsentItemAnswered(ctx context.Context, itemID int64) (bool, error) {
	var n int
	err := s.get(ctx, &n, `SELECT COUNT(*) FROM expert_consents WHERE consent_item_id = ?`, itemID)
	return n > 0, wrap("consent item answered", err)
}
