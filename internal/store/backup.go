package store

import (
	"context"
	"fmt"
	"os"

	"github.com/delphi-platform/delphi/internal/fault"
)

// ErrBackupPostgres says that PostgreSQL databases are backed up with
// pg_dump, not by the platform.
var ErrBackupPostgres = fault.New(fault.Invalid, "back up a PostgreSQL database with pg_dump (see README), not with delphi backup")

// Backup writes a consistent copy of a live SQLite database to path with
// VACUUM INTO: it reads one snapshot while writers carry on, and the copy
// is a complete database file that opens as it is. The file must not exist.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect != SQLite {
		return ErrBackupPostgres
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: backup: %s already exists; choose a new file", path)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity check and returns its verdict
// ("ok" when the file is sound).
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	if s.dialect != SQLite {
		return "ok", nil
	}
	var res string
	err := s.db.GetContext(ctx, &res, `PRAGMA integrity_check`)
	return res, wrap("integrity check", err)
}
