package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

// TestServeRefusesOldSchema: serve (and the account commands) stop with a
// clear instruction on a database whose schema is behind, rather than fail
// later in confusing ways.
func TestServeRefusesOldSchema(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			url := storetest.URL(t, engine)
			getenv := func(k string) string {
				if k == "DELPHI_DATABASE_URL" {
					return url
				}
				if k == "DELPHI_LISTEN" {
					return "127.0.0.1:0"
				}
				return ""
			}
			for _, args := range [][]string{{"serve"}, {"token", "add", "--email", "x@example.org"}, {"demo"}} {
				err := run(context.Background(), args, getenv, strings.NewReader(""), io.Discard, io.Discard)
				if err == nil || !strings.Contains(err.Error(), "run `delphi migrate` first") {
					t.Errorf("%v on an unmigrated database: %v", args, err)
				}
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "unknown command") || !strings.Contains(err.Error(), "usage: delphi") {
		t.Errorf("unknown command: %v", err)
	}
}

// TestBackupCommand runs `delphi backup` on the demo database and opens the copy.
func TestBackupCommand(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	if err := env.run(nil, "demo"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	var stdout strings.Builder
	if err := env.run(&stdout, "backup", "--out", out); err != nil || !strings.Contains(stdout.String(), out) {
		t.Fatalf("backup: %v %q", err, stdout.String())
	}
	copy, err := store.Open(context.Background(), "sqlite:"+out)
	if err != nil {
		t.Fatal(err)
	}
	defer copy.Close()
	es, err := copy.ExpertsByStudy(context.Background(), 1)
	if err != nil || len(es) != 57 {
		t.Errorf("the copy has %d experts: %v", len(es), err)
	}
	if err := env.run(nil, "backup"); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("backup without --out: %v", err)
	}
}
