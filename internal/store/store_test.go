package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/rounds"
)

func newStudy(t *testing.T, s *store.Store) (store.User, store.Study) {
	t.Helper()
	ctx := context.Background()
	u, err := s.CreateUser(ctx, "Coord@Example.org", "Coordinator", "hash")
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.CreateStudy(ctx, u.ID, store.StudyInfo{Title: "Access to care", Languages: []string{"en", "nl"}, MaxRounds: 3},
		rounds.DefaultScale(1, 9))
	if err != nil {
		t.Fatal(err)
	}
	return u, st
}

func TestUsersSessionsTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, " Ana@Example.org ", "Ana", "h")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, "ana@example.org", "Ana 2", "h"); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate e-mail: %v, want ErrConflict", err)
		}
		got, err := s.UserByEmail(ctx, "ANA@example.org")
		if err != nil || got.ID != u.ID || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Errorf("UserByEmail = %+v, %v; want %+v", got, err, u)
		}
		if _, err := s.UserByEmail(ctx, "nobody@example.org"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown user: %v", err)
		}

		if err := s.CreateSession(ctx, "live", u.ID, time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, "expired", u.ID, -time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, err := s.UserBySession(ctx, "live"); err != nil || got.ID != u.ID {
			t.Errorf("live session: %v", err)
		}
		if _, err := s.UserBySession(ctx, "expired"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired session accepted: %v", err)
		}
		if n, err := s.DeleteExpiredSessions(ctx); err != nil || n != 1 {
			t.Errorf("DeleteExpiredSessions = %d, %v", n, err)
		}
		if err := s.DeleteSession(ctx, "live"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserBySession(ctx, "live"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("logged-out session accepted: %v", err)
		}

		tok, err := s.CreateAPIToken(ctx, u.ID, "tokhash", "cli")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.UserByAPIToken(ctx, "tokhash"); err != nil || got.ID != u.ID {
			t.Errorf("token: %v", err)
		}
		if err := s.RevokeAPIToken(ctx, u.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByAPIToken(ctx, "tokhash"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoked token accepted: %v", err)
		}
	})
}

func TestStudySettingsLockAndAmendment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st := newStudy(t, s)
		sc, err := st.Scale()
		if err != nil {
			t.Fatal(err)
		}
		if sc.Rule != rounds.DefaultRule || sc.Bands.String() != "1-3,4-6,7-9" || len(sc.Labels) != 9 {
			t.Errorf("scale read back: %+v", sc)
		}
		sc.Rule = rounds.Rule{Kind: rounds.RuleCOMET}
		if err := s.UpdateStudyScale(ctx, st.ID, u.ID, sc, ""); err != nil {
			t.Fatalf("edit before lock: %v", err)
		}
		if err := s.LockStudySettings(ctx, st.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		sc.Rule = rounds.Rule{Kind: rounds.RulePercent, Threshold: 80}
		if err := s.UpdateStudyScale(ctx, st.ID, u.ID, sc, "  "); !errors.Is(err, rounds.ErrSettingsLocked) {
			t.Errorf("edit after lock without reason: %v; want ErrSettingsLocked", err)
		}
		got, _ := s.StudyByID(ctx, st.ID)
		if got.ConsensusRule != "comet" || !got.Locked() {
			t.Errorf("locked study changed: %+v", got)
		}
		if err := s.UpdateStudyScale(ctx, st.ID, u.ID, sc, "steering group asked for 80 %"); err != nil {
			t.Fatalf("amendment: %v", err)
		}
		log, err := s.AuditByStudy(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := log[len(log)-1]
		if last.Action != "protocol amendment" || last.Field != "consensus_rule" || last.OldValue != "comet" ||
			last.NewValue != "percent:80" || last.Reason != "steering group asked for 80 %" || last.UserName != "Coordinator" {
			t.Errorf("audit entry: %+v", last)
		}
	})
}

func TestStudyAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		owner, st := newStudy(t, s)
		other, _ := s.CreateUser(ctx, "other@example.org", "Other", "h")
		if _, err := s.RoleInStudy(ctx, st.ID, other.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("stranger has a role: %v", err)
		}
		if role, err := s.RoleInStudy(ctx, st.ID, owner.ID); err != nil || role != store.RoleOwner {
			t.Errorf("owner role = %q, %v", role, err)
		}
		if err := s.AddStudyMember(ctx, st.ID, owner.ID, "OTHER@example.org", store.RoleResearcher); err != nil {
			t.Fatal(err)
		}
		if role, _ := s.RoleInStudy(ctx, st.ID, other.ID); role != store.RoleResearcher {
			t.Errorf("member role = %q", role)
		}
		if err := s.AddStudyMember(ctx, st.ID, owner.ID, "other@example.org", store.RoleCoordinator); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second membership: %v", err)
		}
		list, _ := s.StudiesForUser(ctx, other.ID)
		if len(list) != 1 || list[0].Role != store.RoleResearcher {
			t.Errorf("studies for member: %+v", list)
		}
	})
}

func TestStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st := newStudy(t, s)
		added, err := s.AddStatements(ctx, st.ID, u.ID, []store.NewStatement{
			{Text: "Barriers A", Section: "Barriers"}, {Text: "Care A", Section: "Care"},
			{Text: "Barriers B", Section: "barriers"}, {Text: "Loose"},
		})
		if err != nil || len(added) != 4 {
			t.Fatalf("AddStatements: %v", err)
		}
		secs, _ := s.SectionsByStudy(ctx, st.ID)
		if len(secs) != 2 {
			t.Errorf("sections %+v; want Barriers and Care (matched case-insensitively)", secs)
		}
		order := func() []string {
			all, err := s.StatementsByStudy(ctx, st.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, x := range all {
				out = append(out, x.Text)
			}
			return out
		}
		if got := order(); !equal(got, []string{"Barriers A", "Barriers B", "Care A", "Loose"}) {
			t.Errorf("order %v", got)
		}
		if err := s.MoveStatement(ctx, st.ID, added[2].ID, -1); err != nil {
			t.Fatal(err)
		}
		if got := order(); !equal(got, []string{"Barriers B", "Barriers A", "Care A", "Loose"}) {
			t.Errorf("after move: %v", got)
		}
		if err := s.SetTranslation(ctx, st.ID, added[0].ID, "nl", "Drempels A"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTranslation(ctx, st.ID, added[0].ID, "nl", "Drempels A2"); err != nil {
			t.Fatal(err)
		}
		tr, _ := s.TranslationsByStudy(ctx, st.ID)
		if tr[added[0].ID]["nl"] != "Drempels A2" {
			t.Errorf("translations %v", tr)
		}
		// Topic titles: set, replace, remove; only a section of the study.
		for _, title := range []string{"Drempels", " Drempels voor zorg "} {
			if err := s.SetSectionTranslation(ctx, st.ID, secs[0].ID, "nl", title); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetSectionTranslation(ctx, st.ID, secs[1].ID, "el", "Φροντίδα"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSectionTranslation(ctx, st.ID+1, secs[0].ID, "nl", "x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another study's topic: %v", err)
		}
		str, _ := s.SectionTranslationsByStudy(ctx, st.ID)
		if str[secs[0].ID]["nl"] != "Drempels voor zorg" || str[secs[1].ID]["el"] != "Φροντίδα" || len(str) != 2 {
			t.Errorf("section translations %v", str)
		}
		if err := s.SetSectionTranslation(ctx, st.ID, secs[1].ID, "el", " "); err != nil {
			t.Fatal(err)
		}
		if str, _ := s.SectionTranslationsByStudy(ctx, st.ID); len(str) != 1 {
			t.Errorf("an empty title did not remove the translation: %v", str)
		}
		if err := s.DeleteSection(ctx, st.ID, secs[0].ID); err != nil {
			t.Fatal(err)
		}
		if str, _ := s.SectionTranslationsByStudy(ctx, st.ID); len(str) != 0 {
			t.Errorf("a deleted topic's translations remain: %v", str)
		}
		if err := s.DeleteStatement(ctx, st.ID, u.ID, added[3].ID); err != nil {
			t.Fatal(err)
		}
		// Deleting a statement a round presented: see TestRoundLaunchInvitesAndLocks.
	})
}

func TestImportExpertsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st := newStudy(t, s)
		n, err := s.ImportExperts(ctx, st.ID, u.ID, []store.NewExpert{
			{Email: "a@x.org", Name: "A", Group: "Research", Country: "nl", Language: "NL", Attributes: map[string]string{"org": "X"}},
			{Email: "b@x.org", Name: "B", Group: "Research", Country: "BE", Language: "fr"},
		})
		if err != nil || n != 2 {
			t.Fatalf("import: %d, %v", n, err)
		}
		_, err = s.ImportExperts(ctx, st.ID, u.ID, []store.NewExpert{{Email: "c@x.org", Name: "C"}, {Email: "A@x.org", Name: "A again"}})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate import: %v", err)
		}
		es, _ := s.ExpertsByStudy(ctx, st.ID)
		if len(es) != 2 {
			t.Fatalf("half an import applied: %d experts", len(es))
		}
		if es[0].Country != "NL" || es[0].Language != "nl" || es[0].AttributeMap()["org"] != "X" {
			t.Errorf("expert stored as %+v", es[0])
		}
		groups, countries, err := s.PanelComposition(ctx, st.ID)
		if err != nil || len(groups) != 1 || groups[0].N != 2 || len(countries) != 2 {
			t.Errorf("composition %v %v %v", groups, countries, err)
		}
	})
}

// TestConcurrentWriters checks the SQLite settings (WAL, busy_timeout,
// immediate transactions): read-then-write transactions from many
// goroutines must all succeed rather than fail with "database is locked".
func TestConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st := newStudy(t, s)
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.AddStatements(ctx, st.ID, u.ID, []store.NewStatement{{Text: "x", Section: "S"}})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		all, _ := s.StatementsByStudy(ctx, st.ID)
		seen := map[int]bool{}
		for _, x := range all {
			if seen[x.Position] {
				t.Errorf("position %d given twice", x.Position)
			}
			seen[x.Position] = true
		}
		if len(all) != 40 {
			t.Errorf("%d statements; want 40", len(all))
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
