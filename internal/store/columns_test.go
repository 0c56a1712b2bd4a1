package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/rounds"
)

// TestReadsSurviveAddedColumns plays an instance of this release while a
// newer one has added a column to every table of a shared database: each
// read must go on working, before and after the change, on the same
// store (so also with the statements it had prepared before).
func TestReadsSurviveAddedColumns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		reads := studyWithEverything(t, s)
		runReads(t, reads)
		tables := addColumnToEveryTable(t, s)
		for _, want := range []string{"rounds", "ratings", "outbox", "idea_proposals"} {
			if !slices.Contains(tables, want) {
				t.Fatalf("tables %v: no %s", tables, want)
			}
		}
		runReads(t, reads)
	})
}

// read is one store method that reads rows, and how many it read.
type read struct {
	name      string
	run       func() (int, error)
	mayBeNone bool
}

func runReads(t *testing.T, reads []read) {
	t.Helper()
	for _, r := range reads {
		n, err := r.run()
		if err != nil {
			t.Errorf("%s: %v", r.name, err)
		} else if n == 0 && !r.mayBeNone {
			t.Errorf("%s read nothing", r.name)
		}
	}
}

func addColumnToEveryTable(t *testing.T, s *store.Store) []string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`
	if s.Dialect() == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version'`
	}
	var tables []string
	if err := s.DB().SelectContext(ctx, &tables, q); err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		if _, err := s.DB().ExecContext(ctx, `ALTER TABLE `+table+` ADD COLUMN extra_future_column TEXT`); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
	}
	return tables
}

func count[T any](xs []T, err error) (int, error)                     { return len(xs), err }
func countMap[K comparable, V any](m map[K]V, err error) (int, error) { return len(m), err }
func one[T any](_ T, err error) (int, error)                          { return 1, err }

// studyWithEverything fills a store with a row in every table the store
// reads structs from: a study whose round 1 was answered, closed and
// decided, with round 2 open; a second study with an open round 0 and
// proposals; a collaborator invited by link, a session and an API token.
// It returns the reads to run on it.
func studyWithEverything(t *testing.T, s *store.Store) []read {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	u, st, r1, tokens := launchedRound(t, s, 3)
	inv0, err := s.InvitationByTokenHash(ctx, auth.HashToken(tokens[0]))
	must(err)
	inv1, err := s.InvitationByTokenHash(ctx, auth.HashToken(tokens[1]))
	must(err)
	inv2, err := s.InvitationByTokenHash(ctx, auth.HashToken(tokens[2]))
	must(err)
	rss, err := s.RoundStatements(ctx, r1.ID)
	must(err)
	seven, five := 7, 5
	must(s.SaveRating(ctx, inv0.ID, rss[0].ID, &seven, false, "a comment", store.Extra{}))
	must(s.SaveRealtimeRating(ctx, inv1.ID, rss[0].ID, &five, false, ""))
	must(s.SubmitInvitation(ctx, inv0.ID))
	_, err = s.AddSnapshot(ctx, store.Snapshot{RoundID: r1.ID, Kind: store.SnapshotManual, Label: "by hand", TakenAt: time.Now(), Results: "{}"})
	must(err)
	_, err = s.AddStatementFromComments(ctx, st.ID, u.ID, "From a comment", "", []store.CommentRef{{InvitationID: inv0.ID, RoundStatementID: rss[0].ID}})
	must(err)
	must(s.SaveMethodsNarrative(ctx, u.ID, store.MethodsNarrative{StudyID: st.ID, Rationale: "Why a Delphi"}))
	colleague, err := s.InviteStudyMember(ctx, st.ID, u.ID, "colleague@example.org", "Colleague", store.RoleResearcher, "setup-hash", time.Now().Add(time.Hour), false)
	must(err)
	must(s.CreateSession(ctx, "session-hash", u.ID, time.Hour))
	_, err = s.CreateAPIToken(ctx, u.ID, "api-hash", "cli")
	must(err)
	mails, err := s.OutboxByRound(ctx, r1.ID)
	must(err)

	_, err = s.CloseRound(ctx, r1.ID, u.ID)
	must(err)
	_, err = s.SaveRoundResults(ctx, r1.ID, "{}", "{}", map[int64]rounds.Proposal{rss[0].ID: rounds.ProposeIn, rss[1].ID: rounds.ProposeCarry})
	must(err)
	_, err = s.ReplaceStatements(ctx, st.ID, u.ID, rounds.OriginReworded, []int64{rss[1].StatementID}, []string{"Two, clearer"}, "ambiguous")
	must(err)
	r2, err := s.CreateRound(ctx, st.ID, u.ID, store.NewRound{Scope: rounds.InviteRespondents, Deadline: time.Now().Add(48 * time.Hour),
		Statements: []store.NewRoundStatement{{StatementID: rss[0].StatementID, Text: rss[0].Text, Origin: rounds.OriginCarried, PreviousID: rss[0].ID}}})
	must(err)
	respondents, err := s.Invitees(ctx, r2)
	must(err)
	var invites []store.NewInvitation
	for _, e := range respondents {
		_, hash := auth.NewToken()
		invites = append(invites, store.NewInvitation{ExpertID: e.ID, TokenHash: hash, Message: store.NewMessage{
			StudyID: st.ID, RoundID: r2.ID, ExpertID: e.ID, Kind: "invitation", ToAddress: e.Email, Subject: "Round 2", TextBody: "link", HTMLBody: "link"}})
	}
	must(s.LaunchRound(ctx, r2.ID, u.ID, invites))
	again, err := s.InvitationFor(ctx, r2.ID, inv0.ExpertID)
	must(err)
	rss2, err := s.RoundStatements(ctx, r2.ID)
	must(err)

	// Round 0 of another study.
	st0, err := s.CreateStudy(ctx, u.ID, store.StudyInfo{Title: "Ideas first", Languages: []string{"en"}, MaxRounds: 3}, rounds.DefaultScale(1, 9))
	must(err)
	_, err = s.ImportExperts(ctx, st0.ID, u.ID, []store.NewExpert{{Email: "p@example.org", Name: "P"}, {Email: "q@example.org", Name: "Q"}})
	must(err)
	ir, err := s.CreateIdeaRound(ctx, st0.ID, u.ID, time.Now().Add(time.Hour), []store.NewIdeaQuestion{{Text: "What would help?", Section: "Access"}})
	must(err)
	qs, err := s.IdeaQuestions(ctx, ir.ID)
	must(err)
	panel, err := s.IdeaInvitees(ctx, st0.ID)
	must(err)
	var ideaInvites []store.NewInvitation
	var ideaToken string
	for _, e := range panel {
		tok, hash := auth.NewToken()
		ideaToken = tok
		ideaInvites = append(ideaInvites, store.NewInvitation{ExpertID: e.ID, TokenHash: hash, Message: store.NewMessage{
			StudyID: st0.ID, ExpertID: e.ID, Kind: "invitation", ToAddress: e.Email, Subject: "Round 0", TextBody: tok, HTMLBody: tok, Secret: tok}})
	}
	must(s.LaunchIdeaRound(ctx, ir.ID, u.ID, ideaInvites))
	ideaVisit, err := s.IdeaVisitByTokenHash(ctx, auth.HashToken(ideaToken))
	must(err)
	ideaInv := ideaVisit.IdeaInvitation
	must(s.SaveProposals(ctx, ideaInv.ID, []store.ProposalEdit{{QuestionID: qs[0].ID, Text: "Peers"}}))
	proposals, err := s.ProposalsByInvitation(ctx, ideaInv.ID)
	must(err)

	later := s.WithClock(func() time.Time { return time.Now().Add(72 * time.Hour) })
	return []read{
		{name: "UserByEmail", run: func() (int, error) { return one(s.UserByEmail(ctx, u.Email)) }},
		{name: "UserByID", run: func() (int, error) { return one(s.UserByID(ctx, u.ID)) }},
		{name: "UserBySession", run: func() (int, error) { return one(s.UserBySession(ctx, "session-hash")) }},
		{name: "UserByAPIToken", run: func() (int, error) { return one(s.UserByAPIToken(ctx, "api-hash")) }},
		{name: "UserByAccountLink", run: func() (int, error) { return one(s.UserByAccountLink(ctx, "setup-hash")) }},
		{name: "APITokensByUser", run: func() (int, error) { return count(s.APITokensByUser(ctx, u.ID)) }},
		{name: "StudyByID", run: func() (int, error) { return one(s.StudyByID(ctx, st.ID)) }},
		{name: "StudiesForUser owner", run: func() (int, error) { return count(s.StudiesForUser(ctx, u.ID)) }},
		{name: "StudiesForUser member", run: func() (int, error) { return count(s.StudiesForUser(ctx, colleague.ID)) }},
		{name: "AuditByStudy", run: func() (int, error) { return count(s.AuditByStudy(ctx, st.ID)) }},
		{name: "MethodsNarrative", run: func() (int, error) { return one(s.MethodsNarrative(ctx, st.ID)) }},
		{name: "ExpertsByStudy", run: func() (int, error) { return count(s.ExpertsByStudy(ctx, st.ID)) }},
		{name: "ExpertByID", run: func() (int, error) { return one(s.ExpertByID(ctx, st.ID, inv0.ExpertID)) }},
		{name: "Invitees panel", run: func() (int, error) { return count(s.Invitees(ctx, r1)) }},
		{name: "Invitees respondents", run: func() (int, error) { return count(s.Invitees(ctx, r2)) }},
		{name: "DeclineExpert", run: func() (int, error) { return 1, s.DeclineExpert(ctx, inv2.ExpertID) }},
		{name: "SectionsByStudy", run: func() (int, error) { return count(s.SectionsByStudy(ctx, st0.ID)) }},
		{name: "StatementsByStudy", run: func() (int, error) { return count(s.StatementsByStudy(ctx, st.ID)) }},
		{name: "StatementByID", run: func() (int, error) { return one(s.StatementByID(ctx, st.ID, rss[0].StatementID)) }},
		{name: "StatementLinks", run: func() (int, error) { return count(s.StatementLinks(ctx, st.ID)) }},
		{name: "StatementSources", run: func() (int, error) { return countMap(s.StatementSources(ctx, st.ID)) }},
		{name: "RoundsByStudy", run: func() (int, error) { return count(s.RoundsByStudy(ctx, st.ID)) }},
		{name: "RoundByID", run: func() (int, error) { return one(s.RoundByID(ctx, r2.ID)) }},
		{name: "RoundStatements", run: func() (int, error) { return count(s.RoundStatements(ctx, r1.ID)) }},
		{name: "DueRounds", run: func() (int, error) { return count(later.DueRounds(ctx)) }},
		{name: "OpenRealtimeRounds", run: func() (int, error) { return count(s.OpenRealtimeRounds(ctx)) }, mayBeNone: true},
		{name: "RoundResultsByID", run: func() (int, error) { return one(s.RoundResultsByID(ctx, r1.ID)) }},
		{name: "DecisionsByRound", run: func() (int, error) { return countMap(s.DecisionsByRound(ctx, r1.ID)) }},
		{name: "SetDecision", run: func() (int, error) {
			// It reads the decision, then refuses: round 2 was built from it.
			if err := s.SetDecision(ctx, rss[0].ID, u.ID, rounds.ProposeIn, ""); !errors.Is(err, store.ErrDecisionsFinal) {
				return 0, err
			}
			return 1, nil
		}},
		{name: "InvitationByTokenHash", run: func() (int, error) { return one(s.InvitationByTokenHash(ctx, auth.HashToken(tokens[0]))) }},
		{name: "InvitationByID", run: func() (int, error) { return one(s.InvitationByID(ctx, inv0.ID)) }},
		{name: "InvitationFor", run: func() (int, error) { return one(s.InvitationFor(ctx, r1.ID, inv0.ExpertID)) }},
		{name: "VisitByTokenHash", run: func() (int, error) { return one(s.VisitByTokenHash(ctx, auth.HashToken(tokens[0]))) }},
		{name: "ReminderRecipients", run: func() (int, error) { return count(s.ReminderRecipients(ctx, r2.ID)) }},
		{name: "RatingsByInvitation", run: func() (int, error) { return countMap(s.RatingsByInvitation(ctx, inv0.ID)) }},
		{name: "PreviousRatings", run: func() (int, error) { return countMap(s.PreviousRatings(ctx, inv0.ExpertID, r2.ID)) }},
		{name: "CommentsByRound", run: func() (int, error) { return count(s.CommentsByRound(ctx, r1.ID)) }},
		{name: "RatingsByRound", run: func() (int, error) { return count(s.RatingsByRound(ctx, r1.ID)) }},
		{name: "RevisionsByRound", run: func() (int, error) { return count(s.RevisionsByRound(ctx, r1.ID)) }},
		{name: "SnapshotsByRound", run: func() (int, error) { return count(s.SnapshotsByRound(ctx, r1.ID)) }},
		{name: "OutboxByRound", run: func() (int, error) { return count(s.OutboxByRound(ctx, r1.ID)) }},
		{name: "OutboxMessageByID", run: func() (int, error) { return one(s.OutboxMessageByID(ctx, st.ID, mails[0].ID)) }},
		{name: "ClaimMessages", run: func() (int, error) { return count(s.ClaimMessages(ctx, 1, time.Minute)) }},
		{name: "IdeaRoundByStudy", run: func() (int, error) { return one(s.IdeaRoundByStudy(ctx, st0.ID)) }},
		{name: "IdeaRoundByID", run: func() (int, error) { return one(s.IdeaRoundByID(ctx, ir.ID)) }},
		{name: "DueIdeaRounds", run: func() (int, error) { return count(later.DueIdeaRounds(ctx)) }},
		{name: "IdeaQuestions", run: func() (int, error) { return count(s.IdeaQuestions(ctx, ir.ID)) }},
		{name: "IdeaInvitees", run: func() (int, error) { return count(s.IdeaInvitees(ctx, st0.ID)) }},
		{name: "IdeaVisitByTokenHash", run: func() (int, error) { return one(s.IdeaVisitByTokenHash(ctx, auth.HashToken(ideaToken))) }},
		{name: "IdeaReminderRecipients", run: func() (int, error) { return count(s.IdeaReminderRecipients(ctx, ir.ID)) }},
		{name: "IdeaOutbox", run: func() (int, error) { return count(s.IdeaOutbox(ctx, st0.ID)) }},
		{name: "ProposalsByInvitation", run: func() (int, error) { return count(s.ProposalsByInvitation(ctx, ideaInv.ID)) }},
		{name: "ProposalsByRound", run: func() (int, error) { return count(s.ProposalsByRound(ctx, ir.ID)) }},
		{name: "SaveProposals", run: func() (int, error) { return 1, s.SaveProposals(ctx, ideaInv.ID, nil) }},
		{name: "SetProposalTheme", run: func() (int, error) { return 1, s.SetProposalTheme(ctx, st0.ID, proposals[0].ID, "Support") }},
		{name: "SaveRealtimeRating", run: func() (int, error) { return 1, s.SaveRealtimeRating(ctx, again.ID, rss2[0].ID, &five, false, "") }},
	}
}
