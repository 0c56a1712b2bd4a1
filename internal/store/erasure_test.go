package store_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/rounds"
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

// TestEraseExpertRoundZero: erasing an expert reaches round 0 as it
// reaches the rounds. Her round-0 link stops working (and says nothing of
// the study), her invitation is revoked so nothing more is saved or
// reminded, and her proposals follow the policy: deleted under "delete"
// while round 0 is not closed, otherwise kept with her name and e-mail
// taken out of their text. The other expert's are untouched.
func TestEraseExpertRoundZero(t *testing.T) {
	for _, tc := range []struct {
		policy                string
		closed                bool
		wantKept, wantDeleted int
	}{
		{store.ErasureAnonymise, false, 2, 0},
		{store.ErasureAnonymise, true, 2, 0},
		{store.ErasureDelete, false, 0, 2},
		{store.ErasureDelete, true, 2, 0}, // closed: its proposals made the statements of round 1
	} {
		name := tc.policy + map[bool]string{true: "/closed", false: "/open"}[tc.closed]
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				u, err := s.CreateUser(ctx, "coord@example.org", "Coordinator", "hash")
				if err != nil {
					t.Fatal(err)
				}
				st, err := s.CreateStudy(ctx, u.ID, store.StudyInfo{Title: "Round 0", Languages: []string{"en"}, MaxRounds: 3,
					ContactEmail: "team@example.org", ErasurePolicy: tc.policy}, rounds.DefaultScale(1, 9))
				if err != nil {
					t.Fatal(err)
				}
				const name, email = "Ana Quintessa", "ana.q@panel.example"
				if _, err := s.ImportExperts(ctx, st.ID, u.ID, []store.NewExpert{{Email: email, Name: name}, {Email: "bo@panel.example", Name: "Bo"}}); err != nil {
					t.Fatal(err)
				}
				r, err := s.CreateIdeaRound(ctx, st.ID, u.ID, time.Now().Add(time.Hour), []store.NewIdeaQuestion{{Text: "What would help?"}})
				if err != nil {
					t.Fatal(err)
				}
				qs, _ := s.IdeaQuestions(ctx, r.ID)
				es, _ := s.IdeaInvitees(ctx, st.ID)
				var invites []store.NewInvitation
				hashes := map[string]string{}
				for _, e := range es {
					tok, hash := auth.NewToken()
					hashes[e.Email] = hash
					invites = append(invites, store.NewInvitation{ExpertID: e.ID, TokenHash: hash, Message: store.NewMessage{StudyID: st.ID, ExpertID: e.ID,
						Kind: "invitation", ToAddress: e.Email, ToName: e.Name, Subject: "Round 0", TextBody: tok, HTMLBody: tok, Secret: tok}})
				}
				if err := s.LaunchIdeaRound(ctx, r.ID, u.ID, invites); err != nil {
					t.Fatal(err)
				}
				visit := func(email string) (store.Visit, error) { return s.IdeaVisitByTokenHash(ctx, hashes[email]) }
				ana, err := visit(email)
				if err != nil {
					t.Fatal(err)
				}
				bo, _ := visit("bo@panel.example")
				if err := s.SaveProposals(ctx, ana.IdeaInvitation.ID, []store.ProposalEdit{
					{QuestionID: qs[0].ID, Text: "Peer navigators. " + name + ", " + email},
					{QuestionID: qs[0].ID, Text: "Opening hours in the evening"}}); err != nil {
					t.Fatal(err)
				}
				if err := s.SaveProposals(ctx, bo.IdeaInvitation.ID, []store.ProposalEdit{{QuestionID: qs[0].ID, Text: "Bo's idea"}}); err != nil {
					t.Fatal(err)
				}
				mine, _ := s.ProposalsByInvitation(ctx, ana.IdeaInvitation.ID)
				if _, err := s.StatementFromProposals(ctx, st.ID, u.ID, "Peer navigators help.", []int64{mine[0].ID}); err != nil {
					t.Fatal(err)
				}
				if tc.closed {
					if err := s.CloseIdeaRound(ctx, r.ID, u.ID); err != nil {
						t.Fatal(err)
					}
				}

				res, err := s.EraseExpert(ctx, st.ID, u.ID, ana.Expert.ID)
				if err != nil {
					t.Fatal(err)
				}
				if res.LinksRevoked != 1 || res.ProposalsKept != tc.wantKept || res.ProposalsDeleted != tc.wantDeleted || res.EmailsCancelled != 1 {
					t.Errorf("erasure %+v; want 1 link, %d proposals kept, %d deleted, 1 e-mail cancelled", res, tc.wantKept, tc.wantDeleted)
				}
				if _, err := visit(email); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("her round-0 link after the erasure: %v", err)
				}
				if c, err := s.LinkContact(ctx, hashes[email]); c != "" || err != nil {
					t.Errorf("her dead link still names the study's contact: %q %v", c, err)
				}
				if _, err := visit("bo@panel.example"); err != nil {
					t.Errorf("the other expert's link: %v", err)
				}
				if !tc.closed {
					if err := s.SaveProposals(ctx, ana.IdeaInvitation.ID, []store.ProposalEdit{{QuestionID: qs[0].ID, Text: "After"}}); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("saving on her revoked invitation: %v", err)
					}
					if rs, _ := s.IdeaReminderRecipients(ctx, r.ID); len(rs) != 0 {
						t.Errorf("reminder recipients %+v; want none (she is erased, Bo proposed)", rs)
					}
				}
				all, _ := s.ProposalsByRound(ctx, r.ID)
				var texts []string
				for _, p := range all {
					texts = append(texts, p.Text)
				}
				got := strings.Join(texts, " | ")
				if strings.Contains(got, "Quintessa") || strings.Contains(got, email) || !strings.Contains(got, "Bo's idea") {
					t.Errorf("proposals after the erasure: %s", got)
				}
				if kept := strings.Contains(got, "Peer navigators. [removed], [removed]"); kept != (tc.wantKept == 2) || len(all) != 1+tc.wantKept {
					t.Errorf("proposals after the erasure: %s; want %d of hers", got, tc.wantKept)
				}
				links, _ := s.ProposalLinks(ctx, st.ID)
				if len(links) != tc.wantKept/2 {
					t.Errorf("statement links %+v; want %d", links, tc.wantKept/2)
				}
			})
		})
	}
}
