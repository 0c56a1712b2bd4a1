package store_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

// TestErasePanelTwoInstances: two instances (two connection pools) erase
// the same panel at once, as two servers' retention jobs may. Every expert
// is erased exactly once, and the audit log accounts for each one once.
func TestErasePanelTwoInstances(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, engine)
			open := func() *store.Store {
				s, err := store.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
			s1, s2 := open(), open()
			if _, err := s1.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			u, st := newStudy(t, s1)
			const n = 450
			experts := make([]store.NewExpert, n)
			for i := range experts {
				experts[i] = store.NewExpert{Email: fmt.Sprintf("p%03d@panel.example", i), Name: fmt.Sprintf("Panelist %03d", i)}
			}
			if _, err := s1.ImportExperts(ctx, st.ID, u.ID, experts); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			counts := make([]int, 2)
			for i, s := range []*store.Store{s1, s2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var err error
					if counts[i], err = s.ErasePanel(ctx, st.ID, 0, "test"); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if counts[0]+counts[1] != n {
				t.Errorf("erased %d + %d; want %d in all", counts[0], counts[1], n)
			}
			es, _ := s1.ExpertsByStudy(ctx, st.ID)
			for _, e := range es {
				if !e.ErasedAt.Valid || e.Name != "" || !strings.HasPrefix(e.Email, "erased-") {
					t.Fatalf("not erased: %+v", e)
				}
			}
			audit, _ := s1.AuditByStudy(ctx, st.ID)
			logged := 0
			for _, a := range audit {
				if a.Action == "erase panel" {
					k, _ := strconv.Atoi(strings.Fields(a.NewValue)[0])
					logged += k
				}
			}
			if logged != n {
				t.Errorf("the audit log accounts for %d erasures; want %d", logged, n)
			}
			if more, err := s1.ErasePanel(ctx, st.ID, 0, "again"); err != nil || more != 0 {
				t.Errorf("erasing again: %d, %v", more, err)
			}
		})
	}
}
