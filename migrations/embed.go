// Package migrations holds the database schema as numbered SQL files, one
// folder per dialect. They are embedded in the binary and applied by
// internal/store, each in its own transaction, forward only.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
