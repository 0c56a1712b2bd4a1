package store_test

import (
	"context"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/rounds"
)

// TestResultsVersion: every change to what a study's results are
// computed from moves its results version, in the same transaction; the
// experts' answering (saves, submissions, consent) and changes the
// results do not read leave it alone. Another study's version never moves.
func TestResultsVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st, r, _ := launchedRound(t, s, 3)
		other, err := s.CreateStudy(ctx, u.ID, store.StudyInfo{Title: "Other", Languages: []string{"en"}, MaxRounds: 3}, rounds.DefaultScale(1, 5))
		if err != nil {
			t.Fatal(err)
		}
		rss, _ := s.RoundStatements(ctx, r.ID)
		experts, _ := s.ExpertsByStudy(ctx, st.ID)
		inv, _ := s.InvitationFor(ctx, r.ID, experts[0].ID)
		four := 4
		steps := []struct {
			name  string
			moves bool
			do    func() error
		}{
			{"an expert consents", false, func() error { return s.ConsentExpert(ctx, experts[0].ID) }},
			{"an answer is saved", false, func() error { return s.SaveRating(ctx, inv.ID, rss[0].ID, &four, false, "a comment", store.Extra{}) }},
			{"the round is submitted", false, func() error { return s.SubmitInvitation(ctx, inv.ID) }},
			{"an expert declines", false, func() error { return s.DeclineExpert(ctx, experts[1].ID) }},
			{"an e-mail address is corrected", false, func() error {
				return s.UpdateExpert(ctx, st.ID, experts[2].ID, store.NewExpert{Email: "fixed@example.org", Name: experts[2].Name})
			}},
			{"the round closes", true, func() error { _, err := s.CloseRound(ctx, r.ID, u.ID); return err }},
			{"its results are stored", true, func() error {
				_, err := s.SaveRoundResults(ctx, r.ID, `{}`, `{}`, map[int64]rounds.Proposal{rss[0].ID: rounds.ProposeIn, rss[1].ID: rounds.ProposeCarry})
				return err
			}},
			{"a decision is overridden", true, func() error {
				return s.SetDecision(ctx, rss[0].ID, u.ID, rounds.ProposeCarry, "the steering group wants another look")
			}},
			{"an expert's group changes", true, func() error {
				return s.UpdateExpert(ctx, st.ID, experts[2].ID, store.NewExpert{Email: "fixed@example.org", Name: experts[2].Name, Group: "Practice"})
			}},
			{"a statement is reworded", true, func() error {
				_, err := s.ReplaceStatements(ctx, st.ID, u.ID, rounds.OriginReworded, []int64{rss[1].StatementID}, []string{"Two, clearer"}, "ambiguous")
				return err
			}},
			{"the study is edited", true, func() error {
				return s.UpdateStudyInfo(ctx, st.ID, u.ID, store.StudyInfo{Title: st.Title, Languages: st.LanguageList(), MaxRounds: 4})
			}},
			{"the methods narrative is written", true, func() error {
				return s.SaveMethodsNarrative(ctx, u.ID, store.MethodsNarrative{StudyID: st.ID, Rationale: "Why a Delphi study"})
			}},
			{"an expert is added", true, func() error {
				_, err := s.ImportExperts(ctx, st.ID, u.ID, []store.NewExpert{{Email: "late@example.org", Name: "Late"}})
				return err
			}},
			{"an expert is erased", true, func() error { _, err := s.EraseExpert(ctx, st.ID, u.ID, experts[0].ID); return err }},
		}
		otherBefore, err := s.ResultsVersion(ctx, other.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range steps {
			before, err := s.ResultsVersion(ctx, st.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := step.do(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			after, err := s.ResultsVersion(ctx, st.ID)
			if err != nil {
				t.Fatal(err)
			}
			if moved := after != before; moved != step.moves {
				t.Errorf("%s: version %d → %d; moves %v, want %v", step.name, before, after, moved, step.moves)
			}
		}
		if v, _ := s.ResultsVersion(ctx, other.ID); v != otherBefore {
			t.Errorf("another study's version moved: %d → %d", otherBefore, v)
		}
	})
}
