package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/rounds"
)

func TestStudyModeLocksAtLaunch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st := newStudy(t, s)
		if st.Mode != "classic" && st.Mode != "" {
			t.Errorf("new study mode %q", st.Mode)
		}
		if got, _ := s.StudyByID(ctx, st.ID); got.Mode != "classic" || got.Realtime() {
			t.Errorf("default mode %q", got.Mode)
		}
		if err := s.SetStudyMode(ctx, st.ID, u.ID, rounds.ModeRealtime); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.StudyByID(ctx, st.ID); !got.Realtime() {
			t.Errorf("mode after change %q", got.Mode)
		}
		if err := s.LockStudySettings(ctx, st.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SetStudyMode(ctx, st.ID, u.ID, rounds.ModeClassic); !errors.Is(err, rounds.ErrModeLocked) {
			t.Errorf("changing the mode after the lock: %v", err)
		}
		if got, _ := s.StudyByID(ctx, st.ID); !got.Realtime() {
			t.Errorf("a refused change changed the mode to %q", got.Mode)
		}
		if err := s.SetStudyMode(ctx, st.ID, u.ID, rounds.ModeRealtime); err != nil {
			t.Errorf("setting the same mode again: %v", err)
		}
	})
}

func TestRealtimeRevisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, _, r, _ := launchedRound(t, s, 5)
		rss, _ := s.RoundStatements(ctx, r.ID)
		var invs []int64
		for i := 0; i < 5; i++ {
			es, _ := s.Invitees(ctx, r)
			inv, err := s.InvitationFor(ctx, r.ID, es[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			invs = append(invs, inv.ID)
		}
		rate := func(inv int, x int) {
			t.Helper()
			if err := s.SaveRealtimeRating(ctx, invs[inv], rss[0].ID, &x, false, ""); err != nil {
				t.Fatal(err)
			}
		}
		rate(0, 2) // first answer
		rate(0, 3) // changed before anyone else rated: not after seeing the group
		rate(1, 4)
		rate(2, 4)
		rate(3, 5)
		if err := s.SaveRealtimeRating(ctx, invs[0], rss[0].ID, ptr(3), false, "a comment only"); err != nil {
			t.Fatal(err)
		}
		rate(0, 4) // three others rated: the figures were on the page
		if err := s.SaveRealtimeRating(ctx, invs[1], rss[0].ID, nil, true, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveRealtimeRating(ctx, invs[4], rss[1].ID+1000, ptr(1), false, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a statement of another round: %v", err)
		}
		revs, err := s.RevisionsByRound(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var dom []rounds.Revision
		var saw []bool
		for _, v := range revs {
			dom = append(dom, v.Domain())
			saw = append(saw, v.SawGroup)
		}
		if len(revs) != 7 {
			t.Fatalf("%d revisions; want 7 (a comment-only save is none)", len(revs))
		}
		wantSaw := []bool{false, false, false, false, false, true, true}
		for i := range saw {
			if saw[i] != wantSaw[i] {
				t.Errorf("revision %d saw_group %v; want %v", i, saw[i], wantSaw[i])
			}
		}
		c := rounds.CountRevisions(dom)
		if want := (rounds.RevisionCounts{Answered: 4, Revised: 2, RevisedAfterGroup: 2, Changes: 3, ChangesAfterGroup: 2}); c != want {
			t.Errorf("counts %+v; want %+v", c, want)
		}
		tallies, err := s.RoundAnswerTallies(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, x := range tallies {
			if x.RoundStatementID != rss[0].ID {
				t.Errorf("a tally for a statement nobody answered: %+v", x)
			}
			key := "unable"
			if x.Rating.Valid {
				key = fmt.Sprint(x.Rating.Int64)
			}
			got[key] += x.N
		}
		if want := map[string]int{"4": 2, "5": 1, "unable": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("tallies %v; want %v", got, want)
		}
		cur, _ := s.RatingsByInvitation(ctx, invs[0])
		if got := cur[rss[0].ID]; got.Rating.Int64 != 4 || got.Comment != "" {
			t.Errorf("current answer %+v", got)
		}
	})
}

func TestSnapshotsOncePerLabel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, _, r, _ := launchedRound(t, s, 3)
		now := time.Date(2026, 12, 2, 0, 0, 30, 0, time.UTC)
		sn := store.Snapshot{RoundID: r.ID, Kind: store.SnapshotDaily, Label: rounds.DailyLabel(now), TakenAt: now, Results: `{"round":1}`}
		for i, want := range []bool{true, false} {
			ok, err := s.AddSnapshot(ctx, sn)
			if err != nil || ok != want {
				t.Errorf("add %d: %v %v", i, ok, err)
			}
		}
		if _, err := s.AddSnapshot(ctx, store.Snapshot{RoundID: r.ID, Kind: "weekly", Label: "x", TakenAt: now, Results: "{}"}); err == nil {
			t.Error("an unknown kind was stored")
		}
		ss, err := s.SnapshotsByRound(ctx, r.ID)
		if err != nil || len(ss) != 1 || !ss[0].TakenAt.Equal(now) || ss[0].Label != "daily 2026-12-02" {
			t.Errorf("snapshots %+v %v", ss, err)
		}
	})
}

func ptr(x int) *int { return &x }

// TestRealtimeConcurrentSaves: one expert's saves racing from two devices
// leave a revision history in which each change follows the one before.
func TestRealtimeConcurrentSaves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, _, r, _ := launchedRound(t, s, 1)
		rss, _ := s.RoundStatements(ctx, r.ID)
		es, _ := s.Invitees(ctx, r)
		inv, err := s.InvitationFor(ctx, r.ID, es[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				x := 1 + i%2
				if err := s.SaveRealtimeRating(ctx, inv.ID, rss[0].ID, &x, false, ""); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		revs, err := s.RevisionsByRound(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(revs); i++ {
			if revs[i].Rating == revs[i-1].Rating {
				t.Errorf("revision %d repeats the rating before it (%d)", i, revs[i].Rating.Int64)
			}
		}
		cur, _ := s.RatingsByInvitation(ctx, inv.ID)
		if last := revs[len(revs)-1]; last.Rating != cur[rss[0].ID].Rating {
			t.Errorf("last revision %v, current answer %v", last.Rating, cur[rss[0].ID].Rating)
		}
	})
}
