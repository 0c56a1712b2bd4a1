package store

import (
	"context"
	"database/sql"
	"time"
)

// AuditEntry records who changed what in a study, when and why.
type AuditEntry struct {
	ID        int64         `db:"id"`
	StudyID   sql.NullInt64 `db:"study_id"`
	UserID    sql.NullInt64 `db:"user_id"`
	UserName  string        `db:"user_name"`
	Action    string        `db:"action"`
	Field     string        `db:"field"`
	OldValue  string        `db:"old_value"`
	NewValue  string        `db:"new_value"`
	Reason    string        `db:"reason"`
	CreatedAt time.Time     `db:"created_at"`
}

// auditColumns are the columns of audit_log that AuditEntry maps (user_name
// comes from a join, not from the table), for a query that calls the table a
// (see "Column lists" in store.go).
const auditColumns = "a.id, a.study_id, a.user_id, a.action, a.field, a.old_value, a.new_value, a.reason, a.created_at"

// Audit appends an entry to the audit log.
func (s *Store) Audit(ctx context.Context, studyID, userID int64, action, field, oldValue, newValue, reason string) error {
	_, err := s.exec(ctx, `INSERT INTO audit_log (study_id, user_id, action, field, old_value, new_value, reason, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, nullID(studyID), nullID(userID), action, field, oldValue, newValue, reason, s.now())
	return wrap("audit", err)
}

// AuditByStudy lists a study's audit log, oldest first.
func (s *Store) AuditByStudy(ctx context.Context, studyID int64) ([]AuditEntry, error) {
	var es []AuditEntry
	err := s.sel(ctx, &es, `SELECT `+auditColumns+`, COALESCE(u.name, '') AS user_name FROM audit_log a
		LEFT JOIN users u ON u.id = a.user_id WHERE a.study_id = ? ORDER BY a.id`, studyID)
	return es, wrap("audit by study", err)
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }
