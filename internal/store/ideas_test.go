package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/rounds"
)

func TestIdeaRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st := newStudy(t, s)
		if _, err := s.CreateIdeaRound(ctx, st.ID, u.ID, time.Now().Add(time.Hour), nil); !errors.Is(err, rounds.ErrNoQuestions) {
			t.Errorf("no questions: %v", err)
		}
		if _, err := s.CreateIdeaRound(ctx, st.ID, u.ID, time.Now().Add(time.Hour), []store.NewIdeaQuestion{{Text: "Fine"}, {Text: " "}}); err == nil {
			t.Error("an empty question was accepted")
		}
		r, err := s.CreateIdeaRound(ctx, st.ID, u.ID, time.Now().Add(time.Hour), []store.NewIdeaQuestion{
			{Text: "What keeps people from care?", Section: "Access"}, {Text: "What would help?", Section: "Services"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateIdeaRound(ctx, st.ID, u.ID, time.Time{}, []store.NewIdeaQuestion{{Text: "Again"}}); !errors.Is(err, rounds.ErrIdeasExist) {
			t.Errorf("a second round 0: %v", err)
		}
		qs, err := s.IdeaQuestions(ctx, r.ID)
		if err != nil || len(qs) != 2 || qs[0].SectionTitle != "Access" || qs[1].Position != 2 {
			t.Fatalf("questions %+v %v", qs, err)
		}
		var batch []store.NewExpert
		for _, e := range []string{"a@example.org", "b@example.org"} {
			batch = append(batch, store.NewExpert{Email: e, Name: e})
		}
		if _, err := s.ImportExperts(ctx, st.ID, u.ID, batch); err != nil {
			t.Fatal(err)
		}
		es, _ := s.IdeaInvitees(ctx, st.ID)
		var invites []store.NewInvitation
		var tokens []string
		for _, e := range es {
			tok, hash := auth.NewToken()
			tokens = append(tokens, tok)
			invites = append(invites, store.NewInvitation{ExpertID: e.ID, TokenHash: hash, Message: store.NewMessage{StudyID: st.ID, ExpertID: e.ID,
				Kind: "invitation", ToAddress: e.Email, Subject: "Round 0", TextBody: tok, HTMLBody: tok, Secret: tok}})
		}
		inv := func(i int) store.IdeaInvitation {
			v, err := s.IdeaVisitByTokenHash(ctx, auth.HashToken(tokens[i]))
			if err != nil {
				t.Fatal(err)
			}
			return v.IdeaInvitation
		}
		if err := s.SaveProposals(ctx, 1, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("before launch: %v", err)
		}
		if err := s.LaunchIdeaRound(ctx, r.ID, u.ID, invites); err != nil {
			t.Fatal(err)
		}
		if ms, _ := s.IdeaOutbox(ctx, st.ID); len(ms) != 2 {
			t.Errorf("%d e-mails", len(ms))
		}
		a, b := inv(0), inv(1)
		// The one-query lookup reads what the separate reads do.
		v, _ := s.IdeaVisitByTokenHash(ctx, auth.HashToken(tokens[0]))
		round, _ := s.IdeaRoundByID(ctx, r.ID)
		study, _ := s.StudyByID(ctx, st.ID)
		expert, _ := s.ExpertByID(ctx, st.ID, a.ExpertID)
		if want := (store.Visit{IdeaInvitation: a, IdeaRound: round, Study: study, Expert: expert}); !reflect.DeepEqual(v, want) {
			t.Errorf("visit %+v\nwant %+v", v, want)
		}
		if err := s.SaveProposals(ctx, a.ID, []store.ProposalEdit{{QuestionID: qs[0].ID, Text: "Papers"}, {QuestionID: qs[0].ID, Text: "Fear of police"}, {QuestionID: qs[1].ID, Text: "Peers"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveProposals(ctx, b.ID, []store.ProposalEdit{{QuestionID: qs[0].ID, Text: "No documents"}}); err != nil {
			t.Fatal(err)
		}
		mine, _ := s.ProposalsByInvitation(ctx, a.ID)
		// All or none: a bad edit (another expert's proposal) saves nothing.
		theirs, _ := s.ProposalsByInvitation(ctx, b.ID)
		if err := s.SaveProposals(ctx, a.ID, []store.ProposalEdit{{ID: mine[0].ID, Text: "Identity papers"}, {ID: theirs[0].ID, Text: "hijack"}}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("editing another's proposal: %v", err)
		}
		if err := s.SaveProposals(ctx, a.ID, []store.ProposalEdit{{QuestionID: qs[0].ID, Text: strings.Repeat("x", rounds.MaxProposal+1)}}); err == nil {
			t.Error("a too long proposal was saved")
		}
		if got, _ := s.ProposalsByInvitation(ctx, a.ID); got[0].Text != "Papers" || len(got) != 3 {
			t.Errorf("a refused save changed %+v", got)
		}
		if err := s.SaveProposals(ctx, a.ID, []store.ProposalEdit{{ID: mine[0].ID, Text: "Identity papers"}, {ID: mine[2].ID, Text: ""}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ProposalsByInvitation(ctx, a.ID); len(got) != 2 || got[0].Text != "Identity papers" {
			t.Errorf("after edit and delete: %+v", got)
		}
		// The coordinator: themes, a merge, a statement with its sources.
		if err := s.SetProposalTheme(ctx, st.ID, mine[0].ID, "Documents"); err != nil {
			t.Fatal(err)
		}
		if err := s.MergeProposals(ctx, st.ID, u.ID, mine[0].ID, []int64{theirs[0].ID}); err != nil {
			t.Fatal(err)
		}
		if err := s.MergeProposals(ctx, st.ID, u.ID, theirs[0].ID, []int64{mine[1].ID}); !errors.Is(err, rounds.ErrMergeMerged) {
			t.Errorf("merge into a merged proposal: %v", err)
		}
		if err := s.MergeProposals(ctx, st.ID+1000, u.ID, mine[0].ID, []int64{mine[1].ID}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another study: %v", err)
		}
		all, _ := s.ProposalsByRound(ctx, r.ID)
		if len(all) != 3 || all[2].MergedInto.Int64 != mine[0].ID || all[0].Theme != "Documents" {
			t.Errorf("proposals %+v", all)
		}
		stmt, err := s.StatementFromProposals(ctx, st.ID, u.ID, "Lack of documents should never prevent access to care.", []int64{mine[0].ID, theirs[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		links, err := s.ProposalLinks(ctx, st.ID)
		if err != nil || len(links) != 2 || links[0].StatementID != stmt.ID || links[1].ProposalText != "No documents" {
			t.Errorf("links %+v %v", links, err)
		}
		if err := s.CloseIdeaRound(ctx, r.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveProposals(ctx, a.ID, []store.ProposalEdit{{QuestionID: qs[0].ID, Text: "late"}}); !errors.Is(err, rounds.ErrRoundClosed) {
			t.Errorf("after close: %v", err)
		}
	})
}
