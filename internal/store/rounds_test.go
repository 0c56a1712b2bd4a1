package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/rounds"
)

// launchedRound sets up a study with statements and experts and launches round 1.
func launchedRound(t *testing.T, s *store.Store, experts int) (store.User, store.Study, store.Round, []string) {
	t.Helper()
	ctx := context.Background()
	u, st := newStudy(t, s)
	added, err := s.AddStatements(ctx, st.ID, u.ID, []store.NewStatement{{Text: "One"}, {Text: "Two"}})
	if err != nil {
		t.Fatal(err)
	}
	var batch []store.NewExpert
	for i := 0; i < experts; i++ {
		batch = append(batch, store.NewExpert{Email: fmt.Sprintf("e%d@example.org", i), Name: fmt.Sprintf("E%d", i)})
	}
	if _, err := s.ImportExperts(ctx, st.ID, u.ID, batch); err != nil {
		t.Fatal(err)
	}
	var nrs []store.NewRoundStatement
	for _, a := range added {
		nrs = append(nrs, store.NewRoundStatement{StatementID: a.ID, Text: a.Text, Origin: rounds.OriginNew})
	}
	r, err := s.CreateRound(ctx, st.ID, u.ID, store.NewRound{Scope: rounds.InvitePanel, Deadline: time.Now().Add(48 * time.Hour), ReminderDays: "1", Statements: nrs})
	if err != nil {
		t.Fatal(err)
	}
	es, err := s.Invitees(ctx, r)
	if err != nil || len(es) != experts {
		t.Fatalf("invitees %d, %v", len(es), err)
	}
	var invites []store.NewInvitation
	var tokens []string
	for _, e := range es {
		tok, hash := auth.NewToken()
		tokens = append(tokens, tok)
		invites = append(invites, store.NewInvitation{ExpertID: e.ID, TokenHash: hash, Message: store.NewMessage{
			StudyID: st.ID, RoundID: r.ID, ExpertID: e.ID, Kind: "invitation", ToAddress: e.Email, ToName: e.Name,
			Subject: "Round 1", TextBody: "link " + tok, HTMLBody: "<p>link " + tok + "</p>", Secret: tok}})
	}
	if err := s.LaunchRound(ctx, r.ID, u.ID, invites); err != nil {
		t.Fatal(err)
	}
	r, _ = s.RoundByID(ctx, r.ID)
	return u, st, r, tokens
}

func TestRoundLaunchInvitesAndLocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st, r, tokens := launchedRound(t, s, 5)
		if r.Status != "open" || !r.OpenedAt.Valid {
			t.Errorf("round after launch: %+v", r)
		}
		if got, _ := s.StudyByID(ctx, st.ID); !got.Locked() {
			t.Error("launching round 1 did not lock the settings")
		}
		inv, err := s.InvitationByTokenHash(ctx, auth.HashToken(tokens[2]))
		if err != nil || inv.RoundID != r.ID {
			t.Fatalf("invitation by token: %+v %v", inv, err)
		}
		if _, err := s.InvitationByTokenHash(ctx, auth.HashToken("not-a-token")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
		counts, err := s.OutboxCounts(ctx, r.ID)
		if err != nil || counts["pending"] != 5 {
			t.Errorf("outbox %v %v", counts, err)
		}
		// A second open round is refused by the lifecycle and the index.
		if err := s.LaunchRound(ctx, r.ID, u.ID, nil); !errors.Is(err, rounds.ErrRoundNotDraft) {
			t.Errorf("relaunch: %v", err)
		}
		if _, err := s.CreateRound(ctx, st.ID, u.ID, store.NewRound{}); !errors.Is(err, rounds.ErrPreviousNotClosed) {
			t.Errorf("next round while open: %v", err)
		}
		// Statements used by a round cannot be deleted.
		sts, _ := s.StatementsByStudy(ctx, st.ID)
		if err := s.DeleteStatement(ctx, st.ID, u.ID, sts[0].ID); !errors.Is(err, store.ErrStatementInUse) {
			t.Errorf("delete used statement: %v", err)
		}
		// A reminder link also leads to the invitation; revoking stops both.
		tok, hash := auth.NewToken()
		if err := s.AddInvitationLink(ctx, inv.ID, hash); err != nil {
			t.Fatal(err)
		}
		if got, err := s.InvitationByTokenHash(ctx, auth.HashToken(tok)); err != nil || got.ID != inv.ID {
			t.Errorf("reminder link: %v", err)
		}
		if err := s.RevokeInvitation(ctx, r.ID, inv.ID); err != nil {
			t.Fatal(err)
		}
		for _, tk := range []string{tok, tokens[2]} {
			if _, err := s.InvitationByTokenHash(ctx, auth.HashToken(tk)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("revoked link works: %v", err)
			}
		}
		// Declining cancels the expert's pending e-mails.
		if err := s.DeclineExpert(ctx, inv.ExpertID); err != nil {
			t.Fatal(err)
		}
		counts, _ = s.OutboxCounts(ctx, r.ID)
		if counts["pending"] != 4 || counts["cancelled"] != 1 {
			t.Errorf("after decline: %v", counts)
		}
		// Reminders skip that expert (revoked and declined): 4 of 5 remain.
		if rem, _ := s.ReminderRecipients(ctx, r.ID); len(rem) != 4 {
			t.Errorf("reminder recipients %d; want 4", len(rem))
		}
	})
}

// TestSaveRatingConcurrent saves the same statement from many "devices"
// at once: one row remains, holding one of the values written (last
// write wins), and nothing fails.
func TestSaveRatingConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, _, r, tokens := launchedRound(t, s, 1)
		inv, _ := s.InvitationByTokenHash(ctx, auth.HashToken(tokens[0]))
		rss, _ := s.RoundStatements(ctx, r.ID)
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func(v int) {
				defer wg.Done()
				errs <- s.SaveRating(ctx, inv.ID, rss[0].ID, &v, false, fmt.Sprintf("device %d", v), store.Extra{})
			}(1 + i%9)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, _ := s.RatingsByInvitation(ctx, inv.ID)
		if len(got) != 1 {
			t.Fatalf("%d rows", len(got))
		}
		rt := got[rss[0].ID]
		if !rt.Rating.Valid || rt.Comment != fmt.Sprintf("device %d", rt.Rating.Int64) {
			t.Errorf("row mixes two saves: %+v", rt)
		}
		// Unable clears the rating.
		if err := s.SaveRating(ctx, inv.ID, rss[0].ID, nil, true, "", store.Extra{}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.RatingsByInvitation(ctx, inv.ID)
		if got[rss[0].ID].Rating.Valid || !got[rss[0].ID].Unable {
			t.Errorf("unable: %+v", got[rss[0].ID])
		}
	})
}

// TestSaveRatingRefusedOutsideItsRound: a save is checked in the same
// statement that writes it, so a closed round, a revoked link or another
// round's statement saves nothing.
func TestSaveRatingRefusedOutsideItsRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, _, r, tokens := launchedRound(t, s, 2)
		inv, _ := s.InvitationByTokenHash(ctx, auth.HashToken(tokens[0]))
		other, _ := s.InvitationByTokenHash(ctx, auth.HashToken(tokens[1]))
		rss, _ := s.RoundStatements(ctx, r.ID)
		three := 3
		if err := s.SaveRating(ctx, inv.ID, rss[0].ID+1000, &three, false, "", store.Extra{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("statement of no round: %v; want ErrNotFound", err)
		}
		if err := s.RevokeInvitation(ctx, r.ID, other.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveRating(ctx, other.ID, rss[0].ID, &three, false, "", store.Extra{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoked invitation: %v; want ErrNotFound", err)
		}
		if err := s.SaveRating(ctx, inv.ID, rss[0].ID, &three, false, "before", store.Extra{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CloseRound(ctx, r.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		four := 4
		if err := s.SaveRating(ctx, inv.ID, rss[0].ID, &four, false, "after", store.Extra{}); !errors.Is(err, rounds.ErrRoundClosed) {
			t.Errorf("closed round: %v; want ErrRoundClosed", err)
		}
		got, _ := s.RatingsByInvitation(ctx, inv.ID)
		if rt := got[rss[0].ID]; rt.Rating.Int64 != 3 || rt.Comment != "before" || len(got) != 1 {
			t.Errorf("after refused saves: %+v", got)
		}
	})
}

func TestCloseDecideReplace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st, r, _ := launchedRound(t, s, 2)
		rss, _ := s.RoundStatements(ctx, r.ID)
		proposals := map[int64]rounds.Proposal{rss[0].ID: rounds.ProposeIn, rss[1].ID: rounds.ProposeCarry}
		if stored, err := s.SaveRoundResults(ctx, r.ID, `{}`, `{"round":1}`, proposals); err != nil || stored {
			t.Errorf("results of an open round: stored %v, %v", stored, err)
		}
		if _, err := s.CloseRound(ctx, r.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CloseRound(ctx, r.ID, u.ID); !errors.Is(err, rounds.ErrRoundNotOpen) {
			t.Errorf("second close: %v", err)
		}
		if unfinished, err := s.ClosedRoundsWithoutResults(ctx, -time.Minute); err != nil || len(unfinished) != 1 || unfinished[0].ID != r.ID {
			t.Errorf("closed without results: %+v %v", unfinished, err)
		}
		if stored, err := s.SaveRoundResults(ctx, r.ID, `{}`, `{"round":1}`, proposals); err != nil || !stored {
			t.Fatalf("results: stored %v, %v", stored, err)
		}
		if stored, err := s.SaveRoundResults(ctx, r.ID, `{}`, `{"round":"again"}`, proposals); err != nil || stored {
			t.Errorf("results stored twice: %v, %v", stored, err)
		}
		if rr, err := s.RoundResultsByID(ctx, r.ID); err != nil || rr.Results != `{"round":1}` {
			t.Errorf("snapshot %+v %v", rr, err)
		}
		if unfinished, err := s.ClosedRoundsWithoutResults(ctx, -time.Minute); err != nil || len(unfinished) != 0 {
			t.Errorf("closed without results after storing them: %+v %v", unfinished, err)
		}
		if err := s.SetDecision(ctx, rss[0].ID, u.ID, rounds.ProposeCarry, " "); !errors.Is(err, store.ErrOverrideNeedsReason) {
			t.Errorf("override without reason: %v", err)
		}
		if err := s.SetDecision(ctx, rss[0].ID, u.ID, rounds.ProposeCarry, "steering group wants another look"); err != nil {
			t.Fatal(err)
		}
		ds, _ := s.DecisionsByRound(ctx, r.ID)
		if d := ds[rss[0].ID]; d.Proposed != "in" || d.Decision != "carry" || d.Reason == "" {
			t.Errorf("decision %+v", d)
		}
		// Reword statement 2; merging a retired statement is refused.
		out, err := s.ReplaceStatements(ctx, st.ID, u.ID, rounds.OriginReworded, []int64{rss[1].StatementID}, []string{"Two, clearer"}, "ambiguous")
		if err != nil || len(out) != 1 || out[0].Version != 2 {
			t.Fatalf("reword: %+v %v", out, err)
		}
		if _, err := s.ReplaceStatements(ctx, st.ID, u.ID, rounds.OriginMerged, []int64{rss[0].StatementID, rss[1].StatementID}, []string{"x"}, "y"); !errors.Is(err, store.ErrNotReplaceable) {
			t.Errorf("merge with a retired statement: %v", err)
		}
		links, _ := s.StatementLinks(ctx, st.ID)
		if len(links) != 1 || links[0].ParentID != rss[1].StatementID || links[0].Kind != "reworded" || links[0].Reason != "ambiguous" {
			t.Errorf("links %+v", links)
		}
		added, err := s.AddStatementFromComments(ctx, st.ID, u.ID, "From comments", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		fresh, _ := s.FreshStatements(ctx, st.ID)
		if len(fresh) != 1 || fresh[0].ID != added.ID {
			t.Errorf("fresh %+v; want only the added statement (not the presented, retired or reworded ones)", fresh)
		}
	})
}

// TestVisitByTokenHash: the one-query lookup of the expert's request
// reads the same invitation, round, study and expert as the four
// separate reads, and refuses a revoked link.
func TestVisitByTokenHash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, st, r, tokens := launchedRound(t, s, 2)
		v, err := s.VisitByTokenHash(ctx, auth.HashToken(tokens[0]))
		if err != nil {
			t.Fatal(err)
		}
		inv, _ := s.InvitationByTokenHash(ctx, auth.HashToken(tokens[0]))
		round, _ := s.RoundByID(ctx, r.ID)
		study, _ := s.StudyByID(ctx, st.ID)
		expert, _ := s.ExpertByID(ctx, st.ID, inv.ExpertID)
		if !reflect.DeepEqual(v, store.Visit{Invitation: inv, Round: round, Study: study, Expert: expert}) {
			t.Errorf("visit %+v\nwant %+v %+v %+v %+v", v, inv, round, study, expert)
		}
		if err := s.RevokeInvitation(ctx, r.ID, inv.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.VisitByTokenHash(ctx, auth.HashToken(tokens[0])); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoked link: %v", err)
		}
	})
}
