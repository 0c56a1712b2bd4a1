// Package store keeps the platform's data in SQLite (the embedded default)
// or PostgreSQL. Queries are written once with ? placeholders and rebound
// for the dialect; methods take ctx first and return sentinel errors
// (ErrNotFound, ErrConflict) wrapped with %w.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/delphi-platform/delphi/internal/fault"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors. The HTTP layer maps them to status codes.
var (
	ErrNotFound = fault.New(fault.NotFound, "not found")
	ErrConflict = fault.New(fault.Conflict, "this conflicts with existing data (it already exists)")
)

// Dialect names the database engine behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Column lists. Queries name the columns they read, never SELECT *: sqlx
// refuses a result column that the destination struct does not map, so
// with * an instance still running the previous release would fail on
// every read of a table to which a newer instance's migration has just
// added a column (on a shared PostgreSQL). Each struct read from a table
// has a constant beside it listing its columns, qualified with the name
// the queries give the table (roundColumns: "r.id, r.study_id, …", for
// "FROM rounds r"); TestColumnListsMatchStructs keeps the lists and the
// structs' db tags in step.

// dbtx is what *sqlx.DB and *sqlx.Tx have in common, so that every store
// method works the same inside and outside a transaction.
type dbtx interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// Store is a handle on the database. Inside Transact, a Store bound to the
// transaction is passed to the callback.
type Store struct {
	db      *sqlx.DB
	q       dbtx
	dialect Dialect
	now     func() time.Time
	stmts   *stmtCache
}

// Open connects to a database named by a DELPHI_DATABASE_URL value:
// sqlite:PATH (the file and its folder are created) or postgres://…
func Open(ctx context.Context, url string) (*Store, error) {
	var (
		db      *sqlx.DB
		err     error
		dialect Dialect
	)
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		dialect = SQLite
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("store: open: sqlite: needs a file path, e.g. sqlite:./data/delphi.db")
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: open: %w", err)
			}
		}
		// WAL lets readers work while one writer writes; busy_timeout makes
		// writers wait for each other instead of failing; _txlock=immediate
		// takes the write lock at BEGIN, so a read-then-write transaction
		// cannot deadlock against another and fail with "database is locked".
		dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate&_time_format=sqlite"
		db, err = sqlx.Open("sqlite", dsn)
		if err == nil {
			// One writer at a time anyway; a few connections serve readers.
			// All of them stay open: with database/sql's default of 2 idle
			// connections, a busy round opened a connection (and prepared
			// its statements again) for most requests — an eighth of the
			// CPU of an autosave under load.
			db.SetMaxOpenConns(8)
			db.SetMaxIdleConns(8)
		}
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		dialect = Postgres
		db, err = sqlx.Open("postgres", url)
		if err == nil {
			db.SetMaxOpenConns(20)
			db.SetMaxIdleConns(20)
		}
	default:
		return nil, fmt.Errorf("store: open: %q must start with sqlite: or postgres://", url)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	return &Store{db: db, q: db, dialect: dialect, now: defaultNow, stmts: &stmtCache{}}, nil
}

// defaultNow is UTC to the microsecond, the precision both databases keep,
// so a time read back equals the time written.
func defaultNow() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// WithClock returns the store (in the same transaction, if any) reading
// the time from now; the demo dates its simulated rounds with it.
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

// Now is the store's clock: the time it writes into rows.
func (s *Store) Now() time.Time { return s.now() }

// Close closes the connection pool.
func (s *Store) Close() error {
	s.stmts.close()
	return s.db.Close()
}

// Dialect tells which engine this store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB exposes the pool for tests and health checks.
func (s *Store) DB() *sqlx.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// InTransaction tells whether the store is bound to a transaction, whose
// one connection serves one query at a time.
func (s *Store) InTransaction() bool {
	_, ok := s.q.(*sqlx.Tx)
	return ok
}

// Transact runs fn in a transaction, committing if fn returns nil. A Store
// already inside a transaction runs fn in that same transaction.
//
// If fn panics, the transaction is rolled back and the panic goes on up
// (unrecovered here, so it keeps its stack). A transaction left open
// would keep its connection, and on SQLite the write lock, for as long as
// the process lives, since whoever recovers the panic (an HTTP server
// does) cannot finish it.
func (s *Store) Transact(ctx context.Context, fn func(tx *Store) error) error {
	if _, inTx := s.q.(*sqlx.Tx); inTx {
		return fn(s)
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	finished := false
	defer func() {
		if !finished { // fn panicked or called runtime.Goexit
			_ = tx.Rollback()
		}
	}()
	txStore := *s
	txStore.q = tx
	err = fn(&txStore)
	finished = true
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

func (s *Store) rebind(query string) string {
	if s.dialect == Postgres {
		return sqlx.Rebind(sqlx.DOLLAR, query)
	}
	return query
}

func (s *Store) get(ctx context.Context, dest any, query string, args ...any) error {
	var err error
	if st := s.prepared(ctx, query); st != nil {
		err = st.GetContext(ctx, dest, args...)
	} else {
		err = s.q.GetContext(ctx, dest, s.rebind(query), args...)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

func (s *Store) sel(ctx context.Context, dest any, query string, args ...any) error {
	if st := s.prepared(ctx, query); st != nil {
		return st.SelectContext(ctx, dest, args...)
	}
	return s.q.SelectContext(ctx, dest, s.rebind(query), args...)
}

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := s.prepared(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.q.ExecContext(ctx, s.rebind(query), args...)
}

// execOne runs a statement that must change exactly one row, and reports
// ErrNotFound when it changed none.
func (s *Store) execOne(ctx context.Context, query string, args ...any) error {
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

// insert runs an INSERT … RETURNING id (both engines support it) and returns the id.
func (s *Store) insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := s.q.QueryRowxContext(ctx, s.rebind(query+" RETURNING id"), args...).Scan(&id)
	return id, err
}

// isUniqueViolation tells whether err is a UNIQUE or PRIMARY KEY conflict.
func isUniqueViolation(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code == "23505"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// wrap adds the operation name and turns unique violations into ErrConflict.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if isUniqueViolation(err) {
		return fmt.Errorf("store: %s: %w", op, ErrConflict)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// LockStudy is lockStudy for a workflow's own transaction (Transact).
func (s *Store) LockStudy(ctx context.Context, studyID int64) error {
	return wrap("lock study", s.lockStudy(ctx, studyID))
}

// lockStudy serialises read-then-write transactions on one study (such as
// allocating the next statement position). On PostgreSQL it takes a row
// lock on the study until the transaction ends; on SQLite every write
// transaction already holds the database's single write lock from BEGIN.
func (s *Store) lockStudy(ctx context.Context, studyID int64) error {
	if s.dialect != Postgres {
		return nil
	}
	var id int64
	return s.get(ctx, &id, `SELECT id FROM studies WHERE id = ? FOR UPDATE`, studyID)
}

// idSet returns a subquery listing ids, and its one argument, for
// "… IN (subquery)". Its text is the same for any number of ids, so the
// query is prepared once; an IN list of one ? per id would be a new
// statement for every length, and fill the statement cache.
func (s *Store) idSet(ids []int64) (subquery string, arg any) {
	if s.dialect == Postgres {
		return "SELECT unnest(CAST(? AS bigint[]))", pq.Array(ids)
	}
	b := make([]byte, 0, 2+len(ids)*8)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return "SELECT value FROM json_each(?)", string(append(b, ']'))
}
