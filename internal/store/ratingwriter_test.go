package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/rounds"
)

// TestRatingWriterGroupCommit: many experts' answers at once through the
// group-commit writer all land, each once, with the value acknowledged;
// refused answers get their own error and do not fail the others; Close
// writes what was queued.
func TestRatingWriterGroupCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, _, r, tokens := launchedRound(t, s, 5)
		rss, _ := s.RoundStatements(ctx, r.ID)
		w := store.NewRatingWriter(s)
		var invs []store.Invitation
		for _, tk := range tokens {
			inv, err := s.InvitationByTokenHash(ctx, auth.HashToken(tk))
			if err != nil {
				t.Fatal(err)
			}
			invs = append(invs, inv)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		for i, inv := range invs {
			for j, rs := range rss {
				wg.Add(2)
				go func() {
					defer wg.Done()
					v := 1 + (i+j)%9
					errs <- w.Save(ctx, inv.ID, rs.ID, &v, false, fmt.Sprintf("expert %d statement %d", i, j))
				}()
				go func() { // a statement of no round: refused alone
					defer wg.Done()
					v := 3
					if err := w.Save(ctx, inv.ID, rs.ID+10000, &v, false, ""); !errors.Is(err, store.ErrNotFound) {
						errs <- fmt.Errorf("foreign statement: %v", err)
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for i, inv := range invs {
			got, _ := s.RatingsByInvitation(ctx, inv.ID)
			if len(got) != len(rss) {
				t.Fatalf("expert %d: %d answers; want %d", i, len(got), len(rss))
			}
			for j, rs := range rss {
				if g := got[rs.ID]; g.Rating.Int64 != int64(1+(i+j)%9) || g.Comment != fmt.Sprintf("expert %d statement %d", i, j) {
					t.Errorf("expert %d statement %d: %+v", i, j, g)
				}
			}
		}
		// After the round closes the writer refuses, answer by answer.
		if err := s.CloseRound(ctx, r.ID, u.ID, `{}`, `{}`, nil); err != nil {
			t.Fatal(err)
		}
		v := 1
		if err := w.Save(ctx, invs[0].ID, rss[0].ID, &v, false, ""); !errors.Is(err, rounds.ErrRoundClosed) {
			t.Errorf("closed round: %v", err)
		}
		w.Close()
		if err := w.Save(ctx, invs[0].ID, rss[0].ID, &v, false, ""); !errors.Is(err, store.ErrWriterClosed) {
			t.Errorf("closed writer: %v", err)
		}
	})
}
