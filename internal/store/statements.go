package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/delphi-platform/delphi/internal/fault"
)

// Section is a topic that groups statements.
type Section struct {
	ID       int64  `db:"id"`
	StudyID  int64  `db:"study_id"`
	Title    string `db:"title"`
	Position int    `db:"position"`
}

// sectionColumns are the columns of sections that Section maps, for a query
// that calls the table sec (see "Column lists" in store.go).
const sectionColumns = "sec.id, sec.study_id, sec.title, sec.position"

// Statement is one item the panel rates.
type Statement struct {
	ID        int64         `db:"id"`
	StudyID   int64         `db:"study_id"`
	SectionID sql.NullInt64 `db:"section_id"`
	Text      string        `db:"text"`
	Position  int           `db:"position"`
	Version   int           `db:"version"` // 1, then +1 per rewording (a new row linked to its parent)
	Retired   bool          `db:"retired"` // replaced by a newer version, merged, or settled
	CreatedAt time.Time     `db:"created_at"`
	UpdatedAt time.Time     `db:"updated_at"`
}

// statementColumns are the columns of statements that Statement maps, for a
// query that calls the table st (see "Column lists" in store.go).
const statementColumns = "st.id, st.study_id, st.section_id, st.text, st.position, st.version, st.retired, st.created_at, st.updated_at"

// ErrStatementInUse is returned when deleting a statement already rated.
var ErrStatementInUse = fault.New(fault.Conflict, "the statement was already presented in a round; it can be reworded for the next round but not deleted")

// SectionsByStudy lists a study's sections in order.
func (s *Store) SectionsByStudy(ctx context.Context, studyID int64) ([]Section, error) {
	var ss []Section
	err := s.sel(ctx, &ss, `SELECT `+sectionColumns+` FROM sections sec WHERE study_id = ? ORDER BY position, id`, studyID)
	return ss, wrap("sections by study", err)
}

// CreateSection adds a section at the end.
func (s *Store) CreateSection(ctx context.Context, studyID int64, title string) (Section, error) {
	sec := Section{StudyID: studyID, Title: strings.TrimSpace(title)}
	err := s.Transact(ctx, func(tx *Store) error {
		if err := tx.lockStudy(ctx, studyID); err != nil {
			return err
		}
		if err := tx.get(ctx, &sec.Position, `SELECT COALESCE(MAX(position), 0) + 1 FROM sections WHERE study_id = ?`, studyID); err != nil {
			return err
		}
		id, err := tx.insert(ctx, `INSERT INTO sections (study_id, title, position) VALUES (?, ?, ?)`, studyID, sec.Title, sec.Position)
		sec.ID = id
		return err
	})
	return sec, wrap("create section", err)
}

// RenameSection changes a section's title.
func (s *Store) RenameSection(ctx context.Context, studyID, sectionID int64, title string) error {
	return wrap("rename section", s.execOne(ctx, `UPDATE sections SET title = ? WHERE id = ? AND study_id = ?`, strings.TrimSpace(title), sectionID, studyID))
}

// DeleteSection removes a section; its statements stay, without a section.
func (s *Store) DeleteSection(ctx context.Context, studyID, sectionID int64) error {
	return wrap("delete section", s.execOne(ctx, `DELETE FROM sections WHERE id = ? AND study_id = ?`, sectionID, studyID))
}

// StatementsByStudy lists a study's statements in display order: by
// section position (statements without a section last), then position.
func (s *Store) StatementsByStudy(ctx context.Context, studyID int64) ([]Statement, error) {
	var sts []Statement
	err := s.sel(ctx, &sts, `SELECT `+statementColumns+` FROM statements st LEFT JOIN sections sec ON sec.id = st.section_id
		WHERE st.study_id = ? ORDER BY CASE WHEN sec.id IS NULL THEN 1 ELSE 0 END, sec.position, st.position, st.id`, studyID)
	return sts, wrap("statements by study", err)
}

// StatementByID returns one statement of a study.
func (s *Store) StatementByID(ctx context.Context, studyID, id int64) (Statement, error) {
	var st Statement
	err := s.get(ctx, &st, `SELECT `+statementColumns+` FROM statements st WHERE id = ? AND study_id = ?`, id, studyID)
	return st, wrap("statement by id", err)
}

// NewStatement is a statement to add; Section is a section title, created
// when the study has none of that name, or "" for none.
type NewStatement struct {
	Text    string `json:"text"`
	Section string `json:"section"`
}

// AddStatements appends statements in one transaction and returns them.
func (s *Store) AddStatements(ctx context.Context, studyID, userID int64, items []NewStatement) ([]Statement, error) {
	var added []Statement
	err := s.Transact(ctx, func(tx *Store) error {
		if err := tx.lockStudy(ctx, studyID); err != nil {
			return err
		}
		secs, err := tx.SectionsByStudy(ctx, studyID)
		if err != nil {
			return err
		}
		byTitle := map[string]int64{}
		for _, sec := range secs {
			byTitle[strings.ToLower(sec.Title)] = sec.ID
		}
		var pos int
		if err := tx.get(ctx, &pos, `SELECT COALESCE(MAX(position), 0) FROM statements WHERE study_id = ?`, studyID); err != nil {
			return err
		}
		now := tx.now()
		for _, it := range items {
			st := Statement{StudyID: studyID, Text: strings.TrimSpace(it.Text), CreatedAt: now, UpdatedAt: now}
			if title := strings.TrimSpace(it.Section); title != "" {
				id, ok := byTitle[strings.ToLower(title)]
				if !ok {
					sec, err := tx.CreateSection(ctx, studyID, title)
					if err != nil {
						return err
					}
					id = sec.ID
					byTitle[strings.ToLower(title)] = id
				}
				st.SectionID = sql.NullInt64{Int64: id, Valid: true}
			}
			pos++
			st.Position = pos
			st.ID, err = tx.insert(ctx, `INSERT INTO statements (study_id, section_id, text, position, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?)`, studyID, st.SectionID, st.Text, st.Position, now, now)
			if err != nil {
				return err
			}
			added = append(added, st)
		}
		return tx.Audit(ctx, studyID, userID, "add statements", "", "", pluralCount(len(items), "statement"), "")
	})
	return added, wrap("add statements", err)
}

// UpdateStatement changes a statement's text and section.
func (s *Store) UpdateStatement(ctx context.Context, studyID, id int64, text string, sectionID sql.NullInt64) error {
	return wrap("update statement", s.execOne(ctx, `UPDATE statements SET text = ?, section_id = ?, updated_at = ?
		WHERE id = ? AND study_id = ?`, strings.TrimSpace(text), sectionID, s.now(), id, studyID))
}

// DeleteStatement removes a statement that no round has used yet.
func (s *Store) DeleteStatement(ctx context.Context, studyID, userID, id int64) error {
	return wrap("delete statement", s.Transact(ctx, func(tx *Store) error {
		st, err := tx.StatementByID(ctx, studyID, id)
		if err != nil {
			return err
		}
		used, err := tx.statementUsed(ctx, id)
		if err != nil {
			return err
		}
		if used {
			return ErrStatementInUse
		}
		if err := tx.execOne(ctx, `DELETE FROM statements WHERE id = ?`, id); err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, userID, "delete statement", "", st.Text, "", "")
	}))
}

// StatementUsed tells whether a round has presented the statement (it
// can then not be deleted: ErrStatementInUse).
func (s *Store) StatementUsed(ctx context.Context, id int64) (bool, error) {
	used, err := s.statementUsed(ctx, id)
	return used, wrap("statement used", err)
}

// statementUsed tells whether a round has presented the statement.
func (s *Store) statementUsed(ctx context.Context, id int64) (bool, error) {
	var n int
	err := s.get(ctx, &n, `SELECT COUNT(*) FROM round_statements WHERE statement_id = ?`, id)
	return n > 0, err
}

// MoveStatement swaps a statement with its neighbour above (delta -1) or
// below (+1) within its section.
func (s *Store) MoveStatement(ctx context.Context, studyID, id int64, delta int) error {
	return wrap("move statement", s.Transact(ctx, func(tx *Store) error {
		if err := tx.lockStudy(ctx, studyID); err != nil {
			return err
		}
		all, err := tx.StatementsByStudy(ctx, studyID)
		if err != nil {
			return err
		}
		for i, st := range all {
			if st.ID != id {
				continue
			}
			j := i + delta
			if j < 0 || j >= len(all) || all[j].SectionID != st.SectionID {
				return nil // already first or last in its section
			}
			if _, err := tx.exec(ctx, `UPDATE statements SET position = ? WHERE id = ?`, all[j].Position, st.ID); err != nil {
				return err
			}
			_, err := tx.exec(ctx, `UPDATE statements SET position = ? WHERE id = ?`, st.Position, all[j].ID)
			return err
		}
		return ErrNotFound
	}))
}

// ReorderStatements sets the order of a study's statements to ids (all of
// them, each once); it is the API's bulk reorder.
func (s *Store) ReorderStatements(ctx context.Context, studyID int64, ids []int64) error {
	return wrap("reorder statements", s.Transact(ctx, func(tx *Store) error {
		if err := tx.lockStudy(ctx, studyID); err != nil {
			return err
		}
		var n int
		if err := tx.get(ctx, &n, `SELECT COUNT(*) FROM statements WHERE study_id = ?`, studyID); err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, id := range ids {
			seen[id] = true
		}
		if len(ids) != n || len(seen) != n {
			return errors.New("give every statement of the study exactly once")
		}
		for i, id := range ids {
			if err := tx.execOne(ctx, `UPDATE statements SET position = ? WHERE id = ? AND study_id = ?`, i+1, id, studyID); err != nil {
				return err
			}
		}
		return nil
	}))
}

// SetTranslation stores (or, with empty text, removes) a translation.
func (s *Store) SetTranslation(ctx context.Context, studyID, statementID int64, lang, text string) error {
	return wrap("set translation", s.Transact(ctx, func(tx *Store) error {
		if _, err := tx.StatementByID(ctx, studyID, statementID); err != nil {
			return err
		}
		return tx.putTranslation(ctx, `DELETE FROM statement_translations WHERE statement_id = ? AND language = ?`,
			`INSERT INTO statement_translations (statement_id, language, text) VALUES (?, ?, ?)
			ON CONFLICT (statement_id, language) DO UPDATE SET text = excluded.text`, statementID, lang, text)
	}))
}

// putTranslation runs upsert with (id, lang, text), or del with (id,
// lang) when the text is empty.
func (s *Store) putTranslation(ctx context.Context, del, upsert string, id int64, lang, text string) error {
	if text = strings.TrimSpace(text); text == "" {
		_, err := s.exec(ctx, del, id, lang)
		return err
	}
	_, err := s.exec(ctx, upsert, id, lang, text)
	return err
}

// TranslationsByStudy returns translations keyed by statement id, then language.
func (s *Store) TranslationsByStudy(ctx context.Context, studyID int64) (map[int64]map[string]string, error) {
	return s.translations(ctx, "translations by study", `SELECT t.statement_id AS id, t.language, t.text
		FROM statement_translations t JOIN statements st ON st.id = t.statement_id WHERE st.study_id = ?`, studyID)
}

// translations runs a query of (id, language, text) rows and returns
// them keyed by id, then language.
func (s *Store) translations(ctx context.Context, what, query string, arg int64) (map[int64]map[string]string, error) {
	var ts []struct {
		ID       int64  `db:"id"`
		Language string `db:"language"`
		Text     string `db:"text"`
	}
	if err := s.sel(ctx, &ts, query, arg); err != nil {
		return nil, wrap(what, err)
	}
	out := map[int64]map[string]string{}
	for _, t := range ts {
		if out[t.ID] == nil {
			out[t.ID] = map[string]string{}
		}
		out[t.ID][t.Language] = t.Text
	}
	return out, nil
}

// SetSectionTranslation stores (or, with an empty title, removes) a
// topic's title in another language.
func (s *Store) SetSectionTranslation(ctx context.Context, studyID, sectionID int64, lang, title string) error {
	return wrap("set section translation", s.Transact(ctx, func(tx *Store) error {
		var n int
		if err := tx.get(ctx, &n, `SELECT COUNT(*) FROM sections WHERE id = ? AND study_id = ?`, sectionID, studyID); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return tx.putTranslation(ctx, `DELETE FROM section_translations WHERE section_id = ? AND language = ?`,
			`INSERT INTO section_translations (section_id, language, title) VALUES (?, ?, ?)
			ON CONFLICT (section_id, language) DO UPDATE SET title = excluded.title`, sectionID, lang, title)
	}))
}

// SectionTranslationsByStudy returns a study's topic titles in other
// languages, keyed by section id, then language.
func (s *Store) SectionTranslationsByStudy(ctx context.Context, studyID int64) (map[int64]map[string]string, error) {
	return s.translations(ctx, "section translations by study", `SELECT t.section_id AS id, t.language, t.title AS text
		FROM section_translations t JOIN sections sec ON sec.id = t.section_id WHERE sec.study_id = ?`, studyID)
}
