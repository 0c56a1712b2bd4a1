package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/delphi-platform/delphi/internal/fault"

	"github.com/delphi-platform/delphi/rounds"
)

// StatementLink says that a statement replaces a parent statement.
type StatementLink struct {
	StatementID int64     `db:"statement_id"`
	ParentID    int64     `db:"parent_id"`
	Kind        string    `db:"kind"` // reworded, merged, split
	Reason      string    `db:"reason"`
	CreatedAt   time.Time `db:"created_at"`
}

// statementLinkColumns are the columns of statement_links that StatementLink
// maps, for a query that calls the table l (see "Column lists" in store.go).
const statementLinkColumns = "l.statement_id, l.parent_id, l.kind, l.reason, l.created_at"

// StatementLinks lists a study's lineage links.
func (s *Store) StatementLinks(ctx context.Context, studyID int64) ([]StatementLink, error) {
	var ls []StatementLink
	err := s.sel(ctx, &ls, `SELECT `+statementLinkColumns+` FROM statement_links l JOIN statements st ON st.id = l.statement_id WHERE st.study_id = ? ORDER BY l.statement_id, l.parent_id`, studyID)
	return ls, wrap("statement links", err)
}

// CommentRef names one expert's comment on one round statement.
type CommentRef struct {
	InvitationID     int64
	RoundStatementID int64
}

// ErrNotReplaceable is returned when a statement cannot be reworded,
// merged or split: it was already replaced.
var ErrNotReplaceable = fault.New(fault.Conflict, "the statement was already replaced by a newer version")

// ReplaceStatements writes new statements that replace parents: one
// rewording (one parent, one text), a merge (several parents, one text) or
// a split (one parent, several texts). The parents are retired and the
// links keep the lineage with the reason, all in one transaction.
func (s *Store) ReplaceStatements(ctx context.Context, studyID, userID int64, kind rounds.Origin, parentIDs []int64, texts []string, reason string) ([]Statement, error) {
	switch {
	case kind == rounds.OriginReworded && (len(parentIDs) != 1 || len(texts) != 1),
		kind == rounds.OriginMerged && (len(parentIDs) < 2 || len(texts) != 1),
		kind == rounds.OriginSplit && (len(parentIDs) != 1 || len(texts) < 2):
		return nil, fmt.Errorf("store: replace statements: a %s needs %s", kind, map[rounds.Origin]string{
			rounds.OriginReworded: "one statement and one new text", rounds.OriginMerged: "two or more statements and one new text",
			rounds.OriginSplit: "one statement and two or more new texts"}[kind])
	}
	var out []Statement
	err := s.Transact(ctx, func(tx *Store) error {
		if err := tx.lockStudy(ctx, studyID); err != nil {
			return err
		}
		var parents []Statement
		for _, id := range parentIDs {
			p, err := tx.StatementByID(ctx, studyID, id)
			if err != nil {
				return err
			}
			if p.Retired {
				return ErrNotReplaceable
			}
			parents = append(parents, p)
		}
		now := tx.now()
		first := parents[0]
		version := first.Version + 1
		if kind != rounds.OriginReworded {
			version = 1
		}
		for _, text := range texts {
			st := Statement{StudyID: studyID, SectionID: first.SectionID, Text: strings.TrimSpace(text), Position: first.Position, Version: version, CreatedAt: now, UpdatedAt: now}
			id, err := tx.insert(ctx, `INSERT INTO statements (study_id, section_id, text, position, version, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, studyID, st.SectionID, st.Text, st.Position, st.Version, now, now)
			if err != nil {
				return err
			}
			st.ID = id
			for _, p := range parents {
				if _, err := tx.exec(ctx, `INSERT INTO statement_links (statement_id, parent_id, kind, reason, created_at) VALUES (?, ?, ?, ?, ?)`,
					id, p.ID, string(kind), strings.TrimSpace(reason), now); err != nil {
					return err
				}
			}
			out = append(out, st)
		}
		for _, p := range parents {
			if _, err := tx.exec(ctx, `UPDATE statements SET retired = ? WHERE id = ?`, true, p.ID); err != nil {
				return err
			}
			if err := tx.Audit(ctx, studyID, userID, string(kind)+" statement", "", p.Text, strings.Join(texts, " | "), reason); err != nil {
				return err
			}
		}
		return nil
	})
	return out, wrap("replace statements", err)
}

// AddStatementFromComments adds a statement prompted by experts' comments
// and links it to them for the lineage export.
func (s *Store) AddStatementFromComments(ctx context.Context, studyID, userID int64, text, section string, sources []CommentRef) (Statement, error) {
	var st Statement
	err := s.Transact(ctx, func(tx *Store) error {
		added, err := tx.AddStatements(ctx, studyID, userID, []NewStatement{{Text: text, Section: section}})
		if err != nil {
			return err
		}
		st = added[0]
		for _, src := range sources {
			if _, err := tx.exec(ctx, `INSERT INTO statement_sources (statement_id, invitation_id, round_statement_id) VALUES (?, ?, ?)`,
				st.ID, src.InvitationID, src.RoundStatementID); err != nil {
				return err
			}
		}
		return nil
	})
	return st, wrap("add statement from comments", err)
}

// StatementSources returns, per statement, the comments that prompted it.
func (s *Store) StatementSources(ctx context.Context, studyID int64) (map[int64][]CommentRef, error) {
	var rows []struct {
		StatementID      int64 `db:"statement_id"`
		InvitationID     int64 `db:"invitation_id"`
		RoundStatementID int64 `db:"round_statement_id"`
	}
	err := s.sel(ctx, &rows, `SELECT x.statement_id, x.invitation_id, x.round_statement_id FROM statement_sources x JOIN statements st ON st.id = x.statement_id WHERE st.study_id = ?`, studyID)
	out := map[int64][]CommentRef{}
	for _, r := range rows {
		out[r.StatementID] = append(out[r.StatementID], CommentRef{r.InvitationID, r.RoundStatementID})
	}
	return out, wrap("statement sources", err)
}

// FreshStatements returns the statements no round has presented, that
// replace nothing, and that are not retired: those a new round adds.
func (s *Store) FreshStatements(ctx context.Context, studyID int64) ([]Statement, error) {
	all, err := s.StatementsByStudy(ctx, studyID)
	if err != nil {
		return nil, err
	}
	var presented, successors []int64
	if err := s.sel(ctx, &presented, `SELECT DISTINCT rs.statement_id FROM round_statements rs JOIN rounds r ON r.id = rs.round_id WHERE r.study_id = ?`, studyID); err != nil {
		return nil, wrap("fresh statements", err)
	}
	if err := s.sel(ctx, &successors, `SELECT DISTINCT l.statement_id FROM statement_links l JOIN statements st ON st.id = l.statement_id WHERE st.study_id = ?`, studyID); err != nil {
		return nil, wrap("fresh statements", err)
	}
	skip := map[int64]bool{}
	for _, id := range append(presented, successors...) {
		skip[id] = true
	}
	var out []Statement
	for _, st := range all {
		if !st.Retired && !skip[st.ID] {
			out = append(out, st)
		}
	}
	return out, nil
}

// SectionTitle returns the title of a statement's section, or "".
func (s *Store) SectionTitle(ctx context.Context, sectionID sql.NullInt64) (string, error) {
	if !sectionID.Valid {
		return "", nil
	}
	var title string
	err := s.get(ctx, &title, `SELECT title FROM sections WHERE id = ?`, sectionID.Int64)
	return title, wrap("section title", err)
}
