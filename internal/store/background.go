package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/delphi-platform/delphi/rounds"
)

// The panel background form (migration 0025): fields a study's
// coordinators define, answered once by each expert after consent. A
// field's label per language is the study text "background.<id>.label";
// a choice field's options are kept here in the main language, their
// translations being "background.<id>.choice.<n>" (n from 1).

// Kinds of background field.
const (
	FieldText   = "text"
	FieldChoice = "choice"
	FieldNumber = "number"
)

// BackgroundField is one question of a study's background form.
type BackgroundField struct {
	ID       int64           `db:"id"`
	StudyID  int64           `db:"study_id"`
	Position int             `db:"position"`
	Kind     string          `db:"kind"`
	Required bool            `db:"required"`
	Min      sql.NullFloat64 `db:"min"`
	Max      sql.NullFloat64 `db:"max"`
	Choices  string          `db:"choices"` // JSON array of the options in the main language
	// Bins are a number field's subgroup ranges: a JSON array of the
	// rising limits between them (migration 0030).
	Bins string `db:"bins"`
}

// BinList returns a number field's range limits.
func (f BackgroundField) BinList() []float64 {
	var out []float64
	_ = json.Unmarshal([]byte(f.Bins), &out) // written by SetBins only
	return out
}

// SetBins stores a number field's range limits.
func (f *BackgroundField) SetBins(limits []float64) {
	if limits == nil {
		limits = []float64{}
	}
	b, _ := json.Marshal(limits)
	f.Bins = string(b)
}

// ChoiceList returns a choice field's options in the main language.
func (f BackgroundField) ChoiceList() []string {
	var out []string
	_ = json.Unmarshal([]byte(f.Choices), &out) // written by SetChoices only
	return out
}

// SetChoices stores a choice field's options.
func (f *BackgroundField) SetChoices(choices []string) {
	if choices == nil {
		choices = []string{}
	}
	b, _ := json.Marshal(choices)
	f.Choices = string(b)
}

// BackgroundLabelName is the study text holding a field's label.
func BackgroundLabelName(fieldID int64) string {
	return "background." + itoa(fieldID) + ".label"
}

// BackgroundChoiceName is the study text holding the translation of a
// choice field's option n (from 1).
func BackgroundChoiceName(fieldID int64, n int) string {
	return "background." + itoa(fieldID) + ".choice." + itoa(int64(n))
}

const backgroundFieldColumns = `id, study_id, position, kind, required, min, max, choices, bins`

// BackgroundFieldsByStudy lists a study's background fields in order.
func (s *Store) BackgroundFieldsByStudy(ctx context.Context, studyID int64) ([]BackgroundField, error) {
	var out []BackgroundField
	err := s.sel(ctx, &out, `SELECT `+backgroundFieldColumns+` FROM background_fields WHERE study_id = ? ORDER BY position, id`, studyID)
	return out, wrap("background fields", err)
}

// AddBackgroundField adds a field at the end of the form.
func (s *Store) AddBackgroundField(ctx context.Context, f BackgroundField) (BackgroundField, error) {
	err := s.Transact(ctx, func(tx *Store) error {
		if err := tx.lockStudy(ctx, f.StudyID); err != nil {
			return err
		}
		if err := tx.get(ctx, &f.Position, `SELECT COALESCE(MAX(position), 0) + 1 FROM background_fields WHERE study_id = ?`, f.StudyID); err != nil {
			return err
		}
		if f.Bins == "" {
			f.SetBins(nil)
		}
		id, err := tx.insert(ctx, `INSERT INTO background_fields (study_id, position, kind, required, min, max, choices, bins) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			f.StudyID, f.Position, f.Kind, f.Required, f.Min, f.Max, f.Choices, f.Bins)
		f.ID = id
		return err
	})
	return f, wrap("add background field", err)
}

// UpdateBackgroundField stores a field's required flag, range, options
// and subgroup ranges (its kind does not change).
func (s *Store) UpdateBackgroundField(ctx context.Context, f BackgroundField) error {
	if f.Bins == "" {
		f.SetBins(nil)
	}
	return wrap("update background field", s.execOne(ctx, `UPDATE background_fields SET required = ?, min = ?, max = ?, choices = ?, bins = ? WHERE id = ? AND study_id = ?`,
		f.Required, f.Min, f.Max, f.Choices, f.Bins, f.ID, f.StudyID))
}

// DeleteBackgroundField removes a field, its answers and its texts.
func (s *Store) DeleteBackgroundField(ctx context.Context, studyID, fieldID int64) error {
	return wrap("delete background field", s.Transact(ctx, func(tx *Store) error {
		if err := tx.execOne(ctx, `DELETE FROM background_fields WHERE id = ? AND study_id = ?`, fieldID, studyID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM background_answers WHERE field_id = ?`, fieldID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM study_texts WHERE study_id = ? AND name LIKE ?`, studyID, "background."+itoa(fieldID)+".%")
		return err
	}))
}

// BackgroundFieldAnswered tells whether any expert answered a field.
func (s *Store) BackgroundFieldAnswered(ctx context.Context, fieldID int64) (bool, error) {
	var n int
	err := s.get(ctx, &n, `SELECT COUNT(*) FROM background_answers WHERE field_id = ?`, fieldID)
	return n > 0, wrap("background field answered", err)
}

// BackgroundAnswersByExpert returns an expert's answers by field id; ""
// is a field seen and left empty.
func (s *Store) BackgroundAnswersByExpert(ctx context.Context, expertID int64) (map[int64]string, error) {
	var rows []BackgroundAnswer
	if err := s.sel(ctx, &rows, `SELECT expert_id, field_id, value, answered_at FROM background_answers WHERE expert_id = ?`, expertID); err != nil {
		return nil, wrap("background answers", err)
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.FieldID] = r.Value
	}
	return out, nil
}

// BackgroundAnswer is one expert's answer to one field.
type BackgroundAnswer struct {
	ExpertID   int64     `db:"expert_id"`
	FieldID    int64     `db:"field_id"`
	Value      string    `db:"value"`
	AnsweredAt time.Time `db:"answered_at"`
}

// BackgroundAnswersByStudy returns every answer given in a study.
func (s *Store) BackgroundAnswersByStudy(ctx context.Context, studyID int64) ([]BackgroundAnswer, error) {
	var out []BackgroundAnswer
	err := s.sel(ctx, &out, `SELECT a.expert_id, a.field_id, a.value, a.answered_at FROM background_answers a
		JOIN background_fields f ON f.id = a.field_id WHERE f.study_id = ? ORDER BY a.field_id, a.expert_id`, studyID)
	return out, wrap("background answers by study", err)
}

// SaveBackgroundAnswers stores an expert's answers (field id → value; ""
// records a field left empty), replacing earlier ones, all or nothing.
func (s *Store) SaveBackgroundAnswers(ctx context.Context, expertID int64, answers map[int64]string) error {
	return wrap("save background answers", s.Transact(ctx, func(tx *Store) error {
		for id, v := range answers {
			if _, err := tx.exec(ctx, `INSERT INTO background_answers (expert_id, field_id, value, answered_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (expert_id, field_id) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at`,
				expertID, id, v, tx.now()); err != nil {
				return err
			}
		}
		return nil
	}))
}

// RoundRespondent is an expert who submitted a round.
type RoundRespondent struct {
	Round    int   `db:"number"`
	ExpertID int64 `db:"expert_id"`
}

// RoundRespondents lists, per launched round of a study, the experts who
// submitted it. In a real-time study nobody submits: there the experts
// who answered anything (a rating, "unable", an estimate or an open
// question) are its respondents, as the results count them.
func (s *Store) RoundRespondents(ctx context.Context, studyID int64) ([]RoundRespondent, error) {
	var out []RoundRespondent
	err := s.sel(ctx, &out, `SELECT r.number, i.expert_id FROM invitations i JOIN rounds r ON r.id = i.round_id JOIN studies s ON s.id = r.study_id
		WHERE r.study_id = ? AND (i.submitted_at IS NOT NULL OR s.mode = ? AND (
			EXISTS (SELECT 1 FROM ratings x WHERE x.invitation_id = i.id AND (x.rating IS NOT NULL OR x.unable OR x.estimate IS NOT NULL))
			OR EXISTS (SELECT 1 FROM question_answers q WHERE q.invitation_id = i.id AND q.text <> '')))
		ORDER BY r.number, i.expert_id`, studyID, string(rounds.ModeRealtime))
	return out, wrap("round respondents", err)
}
