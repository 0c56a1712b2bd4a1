package store_test

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/migrations"
)

// TestMigrationGivesPanelsPseudonyms: migration 0017 gives the experts of
// a panel that existed before it the pseudonyms 1…n in a random order
// (for 40 experts the id order comes out by chance with probability
// 1/40!), each study its own; experts added after it draw unused ones.
func TestMigrationGivesPanelsPseudonyms(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, storetest.URL(t, engine))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			dialect, dir := goose.DialectSQLite3, "sqlite"
			if s.Dialect() == store.Postgres {
				dialect, dir = goose.DialectPostgres, "postgres"
			}
			sub, _ := fs.Sub(migrations.FS, dir)
			p, err := goose.NewProvider(dialect, s.DB().DB, sub)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 16); err != nil {
				t.Fatal(err)
			}
			u, err := s.CreateUser(ctx, "c@example.org", "C", "h")
			if err != nil {
				t.Fatal(err)
			}
			db := s.DB()
			var studies []int64
			for range 2 {
				// As the release before inserted it: CreateStudy writes
				// columns that later migrations add.
				var id int64
				if err := db.QueryRowxContext(ctx, db.Rebind(`INSERT INTO studies (owner_id, title, scale_min, scale_max, bands, consensus_rule, created_at, updated_at)
					VALUES (?, 'Before', 1, 5, '1-2,3,4-5', 'percent:75', ?, ?) RETURNING id`), u.ID, time.Now(), time.Now()).Scan(&id); err != nil {
					t.Fatal(err)
				}
				studies = append(studies, id)
				for i := range 40 { // as the release before inserted them
					if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO experts (study_id, email, name, created_at) VALUES (?, ?, ?, ?)`),
						id, fmt.Sprintf("e%d@example.org", i), fmt.Sprintf("E %d", i), time.Now()); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, id := range studies {
				es, err := s.ExpertsByStudy(ctx, id) // by id
				if err != nil {
					t.Fatal(err)
				}
				var numbers []int
				for _, e := range es {
					numbers = append(numbers, e.PseudonymNumber)
				}
				if slices.IsSorted(numbers) {
					t.Errorf("study %d: the pseudonyms follow the ids: %v", id, numbers)
				}
				sorted := slices.Sorted(slices.Values(numbers))
				for i, n := range sorted {
					if n != i+1 {
						t.Fatalf("study %d: pseudonyms %v; want a permutation of 1…40", id, sorted)
					}
				}
			}
			late, err := s.CreateExpert(ctx, studies[0], u.ID, store.NewExpert{Email: "late@example.org", Name: "Late", Language: "en"})
			if err != nil {
				t.Fatal(err)
			}
			if late.PseudonymNumber <= 40 || late.PseudonymNumber > 999 {
				t.Errorf("an expert added later has the pseudonym %d; want an unused one in 41–999", late.PseudonymNumber)
			}
		})
	}
}
