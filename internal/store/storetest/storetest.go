// Package storetest gives each test a migrated, empty database: always
// SQLite, and PostgreSQL too when DELPHI_TEST_POSTGRES_URL is set (CI always
// sets it). Each PostgreSQL test gets a schema of its own, dropped afterwards.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the postgres driver, for the admin connection

	"github.com/delphi-platform/delphi/internal/store"
)

// EnvPostgres names the variable holding the PostgreSQL URL for tests.
const EnvPostgres = "DELPHI_TEST_POSTGRES_URL"

// Each runs fn as a subtest per database ("sqlite", "postgres"), each with a
// fresh migrated store. In CI (CI=true) a missing PostgreSQL URL fails the
// test instead of skipping it, so the PostgreSQL suite can never silently
// stop running.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			fn(t, Open(t, name))
		})
	}
}

// URLs returns a fresh database URL per engine, for tests that start the
// whole application from a DELPHI_DATABASE_URL.
func URL(t testing.TB, engine string) string {
	t.Helper()
	if engine == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "delphi.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; CI must run the PostgreSQL tests", EnvPostgres)
		}
		t.Skipf("%s not set; PostgreSQL tests skipped (they always run in CI)", EnvPostgres)
	}
	schema := "t_" + randomHex(8)
	admin, err := sqlx.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated store on a fresh database of the given engine.
func Open(t *testing.T, engine string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, URL(t, engine))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
