package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

func TestMigrateIsIdempotentAndCurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		applied, err := s.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Errorf("second Migrate applied %v; want nothing", applied)
		}
		cur, latest, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur != latest || cur < 1 {
			t.Errorf("version %d of %d", cur, latest)
		}
	})
}

func TestSchemaBehindIsReported(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, storetest.URL(t, engine))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			cur, latest, err := s.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if cur != 0 || latest < 1 {
				t.Errorf("fresh database: version %d of %d; want 0 of ≥1", cur, latest)
			}
		})
	}
}

// TestLookupsHaveIndexes: every column the store looks rows up by alone
// leads an index (migration 0012 added the last four), on both engines.
func TestLookupsHaveIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		q := `SELECT m.name || '.' || c.name FROM sqlite_master m, pragma_index_list(m.name) l, pragma_index_info(l.name) c
			WHERE m.type = 'table' AND c.seqno = 0`
		if s.Dialect() == store.Postgres {
			q = `SELECT t.relname || '.' || a.attname FROM pg_index x
				JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
				JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
				WHERE n.nspname = current_schema()`
		}
		var leading []string
		if err := s.DB().SelectContext(context.Background(), &leading, q); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"invitations.expert_id", "outbox.expert_id", "outbox.study_id", "idea_proposals.idea_invitation_id",
			"invitations.round_id", "outbox.round_id", "idea_proposals.question_id", // indexed before 0012
		} {
			if !slices.Contains(leading, want) {
				t.Errorf("no index starts with %s; indexes start with %v", want, leading)
			}
		}
	})
}
