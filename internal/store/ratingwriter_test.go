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
		invs := invitationsOf(t, s, tokens)
		// One expert alone: the count follows the answers; "unable" counts,
		// a comment alone does not; the first answer marks the invitation
		// started.
		solo, _ := s.InvitationByTokenHash(ctx, auth.HashToken(tokens[len(tokens)-1]))
		four := 4
		for _, step := range []struct {
			rs      int
			rating  *int
			unable  bool
			comment string
			want    int
		}{{0, nil, false, "just a comment", 0}, {0, &four, false, "", 1}, {1, nil, true, "", 2}, {0, &four, false, "again", 2}, {1, nil, false, "", 1}} {
			n, err := w.Save(ctx, solo.ID, rss[step.rs].ID, step.rating, step.unable, step.comment, store.Extra{})
			if err != nil || n != step.want {
				t.Errorf("step %+v: answered %d, %v", step, n, err)
			}
		}
		if inv, _ := s.InvitationByID(ctx, solo.ID); !inv.StartedAt.Valid {
			t.Error("the first answer did not mark the invitation started")
		}
		invs = invs[:len(invs)-1]

		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		for i, inv := range invs {
			for j, rs := range rss {
				wg.Add(2)
				go func() {
					defer wg.Done()
					v := 1 + (i+j)%9
					n, err := w.Save(ctx, inv.ID, rs.ID, &v, false, fmt.Sprintf("expert %d statement %d", i, j), store.Extra{})
					if err == nil && (n < 1 || n > len(rss)) {
						err = fmt.Errorf("expert %d statement %d: %d answered", i, j, n)
					}
					errs <- err
				}()
				go func() { // a statement of no round: refused alone
					defer wg.Done()
					v := 3
					if _, err := w.Save(ctx, inv.ID, rs.ID+10000, &v, false, "", store.Extra{}); !errors.Is(err, store.ErrNotFound) {
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
		if _, err := s.CloseRound(ctx, r.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		v := 1
		if _, err := w.Save(ctx, invs[0].ID, rss[0].ID, &v, false, "", store.Extra{}); !errors.Is(err, rounds.ErrRoundClosed) {
			t.Errorf("closed round: %v", err)
		}
		w.Close()
		if _, err := w.Save(ctx, invs[0].ID, rss[0].ID, &v, false, "", store.Extra{}); !errors.Is(err, store.ErrWriterClosed) {
			t.Errorf("closed writer: %v", err)
		}
	})
}

// TestRatingWriterBatch: one batch holding two saves of the same answer
// (the later is stored, both callers succeed), "unable", another expert,
// a foreign statement and a revoked link (refused alone); then, on
// PostgreSQL, a batch with a comment the database rejects (that save
// fails alone, the others are written one by one).
func TestRatingWriterBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, _, r, tokens := launchedRound(t, s, 3)
		rss, _ := s.RoundStatements(ctx, r.ID)
		invs := invitationsOf(t, s, tokens)
		if err := s.RevokeInvitation(ctx, r.ID, invs[2].ID); err != nil {
			t.Fatal(err)
		}
		w := store.NewRatingWriter(s)
		defer w.Close()
		two, five, three := 2, 5, 3
		a, b, c := invs[0].ID, invs[1].ID, invs[2].ID
		batch := []store.BatchSave{
			{a, rss[0].ID, &two, false, "first"},
			{a, rss[1].ID, nil, true, ""},
			{b, rss[0].ID, &three, false, "b"},
			{a, rss[0].ID, &five, false, "second"},
			{a, rss[1].ID + 10000, &two, false, ""},
			{c, rss[0].ID, &two, false, ""},
		}
		got := w.WriteBatch(batch)
		for i, want := range []struct {
			answered int
			err      error
		}{{2, nil}, {2, nil}, {1, nil}, {2, nil}, {0, store.ErrNotFound}, {0, store.ErrNotFound}} {
			if got[i].Answered != want.answered || !errors.Is(got[i].Err, want.err) {
				t.Errorf("save %d: answered %d, %v; want %d, %v", i, got[i].Answered, got[i].Err, want.answered, want.err)
			}
		}
		ra, _ := s.RatingsByInvitation(ctx, a)
		if g := ra[rss[0].ID]; g.Rating.Int64 != 5 || g.Comment != "second" || !ra[rss[1].ID].Unable || len(ra) != 2 {
			t.Errorf("expert a: %+v", ra)
		}
		rb, _ := s.RatingsByInvitation(ctx, b)
		if len(rb) != 1 || rb[rss[0].ID].Rating.Int64 != 3 {
			t.Errorf("expert b: %+v", rb)
		}
		if rc, _ := s.RatingsByInvitation(ctx, c); len(rc) != 0 {
			t.Errorf("revoked link saved: %+v", rc)
		}
		if s.Dialect() == store.Postgres {
			got = w.WriteBatch([]store.BatchSave{{b, rss[1].ID, &two, false, "nul \x00 byte"}, {a, rss[0].ID, &three, false, "third"}})
			if got[0].Err == nil || got[1].Err != nil || got[1].Answered != 2 {
				t.Errorf("batch with a comment PostgreSQL cannot store: %+v", got)
			}
			if ra, _ := s.RatingsByInvitation(ctx, a); ra[rss[0].ID].Comment != "third" {
				t.Errorf("the rest of a broken batch was not written: %+v", ra[rss[0].ID])
			}
		}
		if _, err := s.CloseRound(ctx, r.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		got = w.WriteBatch([]store.BatchSave{{a, rss[0].ID, &two, false, ""}, {b, rss[1].ID, &two, false, ""}})
		for i, g := range got {
			if !errors.Is(g.Err, rounds.ErrRoundClosed) {
				t.Errorf("closed round, save %d: %v", i, g.Err)
			}
		}
	})
}

// invitationsOf returns the invitations behind personal-link tokens.
func invitationsOf(t *testing.T, s *store.Store, tokens []string) []store.Invitation {
	t.Helper()
	var invs []store.Invitation
	for _, tk := range tokens {
		inv, err := s.InvitationByTokenHash(context.Background(), auth.HashToken(tk))
		if err != nil {
			t.Fatal(err)
		}
		invs = append(invs, inv)
	}
	return invs
}
