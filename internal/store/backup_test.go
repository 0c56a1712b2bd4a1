package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

// TestBackupWhileWriting copies a SQLite database while statements are
// being added, opens the copy as a restore would, and checks that it is
// sound, current and a consistent snapshot of the source.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, "sqlite")
	u, st := newStudy(t, s)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			if _, err := s.AddStatements(ctx, st.ID, u.ID, []store.NewStatement{{Text: fmt.Sprintf("s%d", i), Section: "S"}}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	path := filepath.Join(t.TempDir(), "backup.db")
	before, _ := s.StatementsByStudy(ctx, st.ID)
	if err := s.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	stop.Store(true)
	wg.Wait()
	if err := s.Backup(ctx, path); err == nil {
		t.Error("backup over an existing file")
	}

	copy, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer copy.Close()
	if res, err := copy.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity of the copy: %q %v", res, err)
	}
	if cur, latest, err := copy.SchemaVersion(ctx); err != nil || cur != latest {
		t.Errorf("copy schema %d of %d: %v", cur, latest, err)
	}
	got, _ := copy.StatementsByStudy(ctx, st.ID)
	after, _ := s.StatementsByStudy(ctx, st.ID)
	if len(got) < len(before) || len(got) > len(after) {
		t.Errorf("copy has %d statements; the source had %d before and %d after", len(got), len(before), len(after))
	}
	// A snapshot: positions 1..n without holes.
	for i, x := range got {
		if x.Position != i+1 {
			t.Fatalf("statement %d has position %d: not a consistent snapshot", i, x.Position)
		}
	}
	if cu, err := copy.UserByEmail(ctx, u.Email); err != nil || cu.PasswordHash != u.PasswordHash {
		t.Errorf("user in copy: %v", err)
	}
}

func TestBackupRefusesPostgres(t *testing.T) {
	s := storetest.Open(t, "postgres")
	if err := s.Backup(context.Background(), filepath.Join(t.TempDir(), "x")); !errors.Is(err, store.ErrBackupPostgres) {
		t.Errorf("backup on PostgreSQL: %v", err)
	}
}
