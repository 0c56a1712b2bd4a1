package store

import (
	"context"
	"errors"
	"time"
)

// MethodsNarrative holds the methods report's narrative items: what the
// data cannot say (rationale, steering group, funding, conflicts of
// interest, limitations), written once and kept.
type MethodsNarrative struct {
	StudyID       int64     `db:"study_id"`
	Rationale     string    `db:"rationale"`
	SteeringGroup string    `db:"steering_group"`
	Funding       string    `db:"funding"`
	Conflicts     string    `db:"conflicts"`
	Limitations   string    `db:"limitations"`
	UpdatedBy     *int64    `db:"updated_by"`
	UpdatedAt     time.Time `db:"updated_at"`
}

// methodsNarrativeColumns are the columns of methods_narratives that
// MethodsNarrative maps, for a query that calls the table m (see "Column
// lists" in store.go).
const methodsNarrativeColumns = "m.study_id, m.rationale, m.steering_group, m.funding, m.conflicts, m.limitations, m.updated_by, m.updated_at"

// MethodsNarrative returns a study's narrative items; a study without
// them gets empty ones.
func (s *Store) MethodsNarrative(ctx context.Context, studyID int64) (MethodsNarrative, error) {
	var m MethodsNarrative
	err := s.get(ctx, &m, `SELECT `+methodsNarrativeColumns+` FROM methods_narratives m WHERE study_id = ?`, studyID)
	if errors.Is(err, ErrNotFound) {
		return MethodsNarrative{StudyID: studyID}, nil
	}
	return m, wrap("methods narrative", err)
}

// SaveMethodsNarrative stores a study's narrative items, replacing the
// earlier ones, and records the change in the audit log.
func (s *Store) SaveMethodsNarrative(ctx context.Context, userID int64, m MethodsNarrative) error {
	return wrap("save methods narrative", s.Transact(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, `INSERT INTO methods_narratives (study_id, rationale, steering_group, funding, conflicts, limitations, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (study_id) DO UPDATE SET rationale = excluded.rationale, steering_group = excluded.steering_group,
			funding = excluded.funding, conflicts = excluded.conflicts, limitations = excluded.limitations,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			m.StudyID, m.Rationale, m.SteeringGroup, m.Funding, m.Conflicts, m.Limitations, userID, tx.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, m.StudyID, userID, "methods narrative", "", "", "updated", "")
	}))
}
