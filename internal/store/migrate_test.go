package store_test

import (
	"context"
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
