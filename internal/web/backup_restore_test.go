package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/delphi-platform/delphi/internal/config"
	"github.com/delphi-platform/delphi/internal/store"
)

// dumpTables reads every row of every table (the migration table too),
// as sorted text lines per table, to compare two databases.
func dumpTables(t *testing.T, s *store.Store) map[string][]string {
	t.Helper()
	ctx := context.Background()
	db := s.DB()
	var tables []string
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if s.Dialect() == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	if err := db.SelectContext(ctx, &tables, q); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := db.QueryxContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		lines := []string{}
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				switch x := v.(type) {
				case []byte:
					vals[i] = string(x)
				case time.Time:
					vals[i] = x.UTC().Format(time.RFC3339Nano)
				}
			}
			lines = append(lines, fmt.Sprintf("%q", vals))
		}
		rows.Close()
		sort.Strings(lines)
		out[table] = lines
	}
	return out
}

// compareDumps reports every table whose rows differ, and fails when the
// source is nearly empty (then the comparison proves nothing).
func compareDumps(t *testing.T, src, restored map[string][]string) {
	t.Helper()
	filled := 0
	for table, rows := range src {
		if len(rows) > 0 {
			filled++
		}
		if got := restored[table]; strings.Join(got, "\n") != strings.Join(rows, "\n") {
			t.Errorf("table %s: %d rows in the source, %d restored, or different values", table, len(rows), len(got))
		}
	}
	if len(restored) != len(src) {
		t.Errorf("%d tables restored; the source has %d", len(restored), len(src))
	}
	if filled < 15 {
		t.Fatalf("only %d tables hold rows: the comparison proves little", filled)
	}
}

// serveRestored runs the application on a restored database and returns
// what GET path answers there.
func serveRestored(t *testing.T, dbURL, path, token string) string {
	t.Helper()
	ctx := context.Background()
	getenv := func(k string) string {
		if k == "DELPHI_DATABASE_URL" {
			return dbURL
		}
		return ""
	}
	// serve refuses a schema that is behind: the check serve itself makes.
	cfg, err := config.Parse(getenv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		t.Fatalf("the restored database: %v", err)
	}
	defer s.Close()
	if cur, latest, err := s.SchemaVersion(ctx); err != nil || cur != latest {
		t.Fatalf("the restored database is at schema version %d of %d: %v", cur, latest, err)
	}
	a, err := New(cfg, s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.echo)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s on the restored database: %d %s", path, resp.StatusCode, body)
	}
	return string(body)
}

// TestBackupRestore backs up a study with closed and open rounds, answers,
// e-mails and an audit log as the README says (SQLite: `delphi backup`;
// PostgreSQL: pg_dump and pg_restore), restores it, and compares every row
// of every table, then serves the restored database and compares a round's
// results through the API.
func TestBackupRestore(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		p := newPrivacyStudy(t, env, "anonymise")
		roundPath := "/api/v1/rounds/" + itoa(p.r1.ID)
		want := env.api("GET", roundPath, p.token, "", "").body
		src := dumpTables(t, env.store)

		var restoredURL string
		if env.store.Dialect() == store.SQLite {
			dir := t.TempDir()
			backup := filepath.Join(dir, "backup.db")
			if err := env.run(nil, "backup", "--out", backup); err != nil {
				t.Fatal(err)
			}
			// Restore: put the copy where the server will find it.
			data, err := os.ReadFile(backup)
			if err != nil {
				t.Fatal(err)
			}
			restored := filepath.Join(dir, "restored", "delphi.db")
			if err := os.MkdirAll(filepath.Dir(restored), 0o750); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(restored, data, 0o600); err != nil {
				t.Fatal(err)
			}
			restoredURL = "sqlite:" + restored
		} else {
			restoredURL = pgDumpRestore(t, env.url)
		}
		s, err := store.Open(context.Background(), restoredURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Dialect() == store.SQLite {
			if res, err := s.IntegrityCheck(context.Background()); err != nil || res != "ok" {
				t.Fatalf("integrity of the restored copy: %q %v", res, err)
			}
		}
		compareDumps(t, src, dumpTables(t, s))
		if got := serveRestored(t, restoredURL, roundPath, p.token); got != want {
			t.Errorf("round 1 on the restored database:\n%s\nwant\n%s", got, want)
		}
	})
}

// pgDumpRestore dumps the test's schema with pg_dump --format=custom and
// restores it with pg_restore into a new database of its own (dropped at
// the end), and returns that database's URL.
func pgDumpRestore(t *testing.T, srcURL string) string {
	t.Helper()
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found; CI must test the PostgreSQL restore", tool)
			}
			t.Skipf("%s not found", tool)
		}
	}
	u, err := url.Parse(srcURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	plain := u.String() // libpq does not know search_path as a URL parameter
	dump := filepath.Join(t.TempDir(), "delphi.dump")
	if out, err := exec.Command("pg_dump", "--format=custom", "--schema="+schema, "--file="+dump, plain).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	dbName := "delphi_restore_" + hex.EncodeToString(b)
	admin, err := sqlx.Open("postgres", plain)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)")
		admin.Close()
	})
	if _, err := admin.Exec("CREATE DATABASE " + dbName); err != nil {
		t.Fatalf("create database: %v", err)
	}
	target := *u
	target.Path = "/" + dbName
	if out, err := exec.Command("pg_restore", "--no-owner", "--exit-on-error", "--dbname="+target.String(), dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	tq := target.Query()
	tq.Set("search_path", schema)
	target.RawQuery = tq.Encode()
	return target.String()
}
